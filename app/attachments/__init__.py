"""Attachments: files kept with a record (a case's letters, photos, signed replies)."""
