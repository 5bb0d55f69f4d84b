"""Deadline policy: the rule table (lengths, calendar or working days) and holiday overrides."""
