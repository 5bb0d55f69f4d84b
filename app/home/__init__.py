"""The home page: what awaits the user, and the figures of their area."""
