"""Signed reports: DSSE envelopes, in-toto Statements, IT's trust file and the verifier.

Public API for other parts of wfhaudit (aggregation, rendering):
`wfhaudit.signing.verify.Verifier` / `VerifyResult`, `wfhaudit.signing.trust.load_trust_file`,
`wfhaudit.signing.store.{VerifierStore, MemoryStore, SQLiteStore}`,
`wfhaudit.signing.reasons.Reason`. See docs/signing.md for the file formats.
"""
