"""Persistent state in one database: verifier state and fleet history."""
