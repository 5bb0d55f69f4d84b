"""Organisation: the county's place tree (county → township → village → hamlet) and its units."""
