"""PostgreSQL errors as one-line exit-3 diagnostics that never show the password."""

from __future__ import annotations

import re
from urllib.parse import unquote

from wfhaudit.errors import InvalidInputError, StorageError
from wfhaudit.util.text import clip

SCHEMES = ("postgresql", "postgres")
_QUERY_SECRET = re.compile(r"(?i)\b(password|passfile|sslpassword)=[^&#]*")


def is_postgres_url(target: str) -> bool:
    """True for a postgresql:// (or postgres://) URL."""
    scheme, sep, _ = target.partition("://")
    return bool(sep) and scheme.lower() in SCHEMES


def _userinfo_end(rest: str) -> int:
    end = rest.find("?")
    return rest.rfind("@", 0, len(rest) if end < 0 else end)


def redact(url: str) -> str:
    """The URL with any password (in the user part or the query) shown as ***."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    at = _userinfo_end(rest)
    if at >= 0 and ":" in rest[:at]:
        rest = rest[:rest.index(":")] + ":***" + rest[at:]
    return f"{scheme}://{_QUERY_SECRET.sub(lambda m: m.group(1) + '=***', rest)}"


def secrets_in(url: str) -> tuple[str, ...]:
    """Every password the URL may carry, as written and decoded, to scrub from messages."""
    rest = url.partition("://")[2]
    at = _userinfo_end(rest)
    found = [rest[rest.index(":") + 1:at]] if at >= 0 and ":" in rest[:at] else []
    found += [m.group(0).split("=", 1)[1] for m in _QUERY_SECRET.finditer(rest)]
    return tuple({s for f in found for s in (f, unquote(f)) if s})


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    # libpq never prints a password; this is a second guard. Very short ones are left out,
    # as replacing every "p" would garble the message and hide nothing.
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    return " ".join(clip(text, 300).split())


# SQLSTATE classes and codes (PostgreSQL appendix A) that get their own advice.
_ADVICE = {
    "28P01": "authentication failed: check the user and password (give the password in the "
             "URL, in PGPASSWORD or in ~/.pgpass)",
    "28000": "the server refused this user or host: check pg_hba.conf and the user name",
    "3D000": "the database does not exist: create it (createdb) or fix the URL",
    "42501": "permission denied: the user needs CREATE on the database (for the schema "
             "wfhaudit) or the rights to use its tables",
    "53100": "the server's disk is full; nothing of this run was stored",
    "25006": "the server is read-only (a standby?); point --db at the primary",
}

_AT_CONNECT = tuple((re.compile(pattern), code) for pattern, code in (
    ("password authentication failed", "28P01"), ("no pg_hba.conf entry", "28000"),
    ('role "[^"]*" does not exist', "28000"), ('database "[^"]*" does not exist', "3D000")))


def translate(exc: BaseException, url: str, timeout_s: float,
              secrets: tuple[str, ...] = ()) -> InvalidInputError:
    """The diagnostic for a psycopg error on the database at url (password never shown)."""
    where = redact(url)
    secrets = (*secrets, *secrets_in(url))
    state = str(getattr(exc, "sqlstate", None) or "")
    text = _scrub(str(exc), secrets)
    if state == "55P03":  # lock_not_available: lock_timeout passed
        return StorageError(
            f"{where}: another session kept wfhaudit's rows locked for more than "
            f"{timeout_s:g} s; nothing of this run was stored. Run again when it has "
            "finished, or wait longer with WFHAUDIT_DB_TIMEOUT=<seconds>")
    if not state:  # libpq gives no SQLSTATE for a failed connection: read its message
        state = next((code for pattern, code in _AT_CONNECT if pattern.search(text)), "")
    advice = _ADVICE.get(state)
    if advice is not None:
        return InvalidInputError(f"{where}: {advice} ({text})")
    if state.startswith("08") or state.startswith("57P") or not state:
        return InvalidInputError(f"{where}: cannot use the PostgreSQL server ({text}); check "
                                 "the URL and that the server is running and reachable")
    return InvalidInputError(f"{where}: database error {state}: {text}")


def bad_url(url: str, why: str) -> InvalidInputError:
    """A --db URL that cannot be parsed."""
    why = _scrub(why.replace(url, redact(url)), secrets_in(url))
    return InvalidInputError(f"--db {redact(url)}: not a usable PostgreSQL URL ({why}); "
                             "expected postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
