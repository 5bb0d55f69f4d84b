"""Shared mechanisms every area uses: scoping, choices, validation, privacy, database set-up."""
