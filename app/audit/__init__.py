"""The audit log: who did what, when — append-only, written for every area automatically."""
