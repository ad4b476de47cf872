"""Use cases: one module per command family; options in, a result and an exit code out, never printing."""
