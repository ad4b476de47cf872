"""The self-contained HTML rendering of one report."""
