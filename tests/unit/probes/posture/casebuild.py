"""Helpers for the constructed updates/malware/wifi cases: one evidence bundle per case file.

The builders (make_*_cases.py) render every constructed case; run one to rewrite its files, and
test_posture_cases_in_sync.py checks the committed files still match. Cases captured on a real
machine are not built here and never overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

CASES = Path(__file__).resolve().parents[3] / "fixtures" / "cases"
# The moment every constructed case was "checked" (its recorded clock reading).
NOW = dt.datetime(2026, 12, 4, 12, 0, 0, tzinfo=dt.timezone.utc).timestamp()
OUT: dict[Path, str] = {}


def utc(text: str) -> float:
    """Unix time of an ISO timestamp ending in Z."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def days(then_iso: str, digits: int = 1) -> float:
    """Days from `then_iso` to NOW, rounded as the probe rounds."""
    return round((NOW - utc(then_iso)) / 86400, digits)


def cmd(argv: Any, stdout: str = "", rc: int = 0, stderr: str = "",
        error: str | None = None) -> dict[str, Any]:
    """One recorded command."""
    return {"argv": list(argv), "returncode": rc if error is None else None, "stdout": stdout,
            "stderr": stderr, "duration_ms": 5, "error": error}


def write(probe: str, os_: str, name: str, desc: str, source: str, expect: dict[str, Any],
          commands: Any = (), files: dict[str, Any] | None = None,
          dirs: dict[str, Any] | None = None, snapshots: dict[str, Any] | None = None,
          clock: bool = True, settings: dict[str, Any] | None = None, release: str = "") -> None:
    """Render one case into OUT (path -> file text)."""
    evidence = {"format": "wfhaudit-evidence/1",
                "os": {"family": os_, "release": release,
                       "machine": "AMD64" if os_ == "windows" else "x86_64"},
                "commands": list(commands), "files": files or {}, "dirs": dirs or {},
                "snapshots": snapshots or {},
                "measurements": {"clock": {"unix": NOW}} if clock else {}}
    case: dict[str, Any] = {"description": desc, "source": source, "evidence": evidence}
    if settings:
        case["settings"] = settings
    case["expect"] = expect
    OUT[CASES / probe / os_ / f"{name}.json"] = json.dumps(case, indent=1,
                                                          ensure_ascii=False) + "\n"


def save(rendered: dict[Path, str]) -> None:
    """Write rendered cases to disk."""
    for path, text in rendered.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
