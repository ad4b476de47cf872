"""Policies: model, schema, loader."""
