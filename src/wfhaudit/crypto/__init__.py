"""Bytes that are signed: canonical and strict JSON, DSSE envelopes, keys, in-toto statements."""
