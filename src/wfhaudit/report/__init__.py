"""Reports: the predicate model, its schema, and (later) HTML rendering."""
