"""Verifying signed reports: the verifier, its reason codes, per-input results and input reading."""
