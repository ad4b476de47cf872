"""wfhaudit: remote-work security and VoIP readiness auditor with signed, verifiable reports.

Public modules: cli (commands), app (use cases), policy (loader and model), facts (catalogue),
host (live and recorded machines), evaluate (judgement), probes (registry).
"""

__version__ = "0.1.0"
