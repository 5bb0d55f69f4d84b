"""The navbar's one search box: case numbers, petitioners, ledger numbers, grouped by kind."""
