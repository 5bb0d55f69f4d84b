"""Users, roles and who may see what: the org-unit-aware security manager and the role table."""
