"""Read a report predicate from a file's JSON without verifying it (for evaluate and replay).

Verification is `wfhaudit verify`; this only unwraps the envelope layers to get at the data,
which then goes through the one report validator like everything else.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from wfhaudit.errors import ReportError
from wfhaudit.report.model import Report
from wfhaudit.report.validate import SchemaProblem, check_predicate
from wfhaudit.util import jsonstrict


def unwrap_predicate(data: Any, source: str) -> Any:
    """The predicate inside a DSSE envelope or an in-toto Statement (or data itself), unchecked."""
    if isinstance(data, dict) and "payload" in data and "payloadType" in data:
        try:
            data = jsonstrict.loads(base64.b64decode(str(data["payload"]), validate=True))
        except (binascii.Error, ValueError) as exc:
            raise ReportError(f"{source}: $.payload: not base64 JSON ({exc})") from None
    if isinstance(data, dict) and "predicate" in data and "_type" in data:
        data = data["predicate"]
    return data


def schema_problem(predicate: Any) -> str | None:
    """What makes a predicate invalid (the validator's first problem), or None when valid."""
    try:
        check_predicate(predicate)
    except SchemaProblem as exc:
        return str(exc)
    return None


def read_report(data: Any, source: str) -> Report:
    """The typed report from an envelope, a Statement or a plain predicate (ReportError if bad)."""
    try:
        return Report.from_dict(unwrap_predicate(data, source))
    except SchemaProblem as exc:
        raise ReportError(f"{source}: {exc}") from None
