"""Read a report predicate from a file's JSON without verifying it (for evaluate and replay).

Verification is `wfhaudit verify`; this only unwraps the envelope layers to get at the data.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from wfhaudit.errors import ReportError
from wfhaudit.report.model import check_predicate
from wfhaudit.util import jsonstrict


def read_predicate_lenient(data: Any, source: str) -> dict[str, Any]:
    """Return the predicate from a DSSE envelope, an in-toto Statement or a plain report."""
    if isinstance(data, dict) and "payload" in data and "payloadType" in data:
        try:
            data = jsonstrict.loads(base64.b64decode(str(data["payload"]), validate=True))
        except (binascii.Error, ValueError) as exc:
            raise ReportError(f"{source}: $.payload: not base64 JSON ({exc})") from None
    if isinstance(data, dict) and "predicate" in data and "_type" in data:
        data = data["predicate"]
    return check_predicate(data, source)
