"""A PostgreSQL session for the store: connect with bounded waits, text PostgreSQL can hold."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wfhaudit.errors import InvalidInputError
from wfhaudit.store.pg_errors import bad_url, redact, translate

if TYPE_CHECKING:
    import psycopg

CONNECT_TIMEOUT_S = 10  # unless the URL says otherwise: a server that never answers is exit 3


def clean(text: str) -> str:
    """Text PostgreSQL can store: a NUL or a lone surrogate becomes a replacement mark."""
    text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def clean_row(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row with every text cleaned."""
    return tuple(clean(v) if isinstance(v, str) else v for v in values)


def connect(url: str, timeout_s: float) -> tuple[psycopg.Connection[Any], tuple[str, ...]]:
    """An autocommit session with wfhaudit's schema on the search path and a lock wait."""
    try:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict
    except ImportError as exc:  # an installation without the driver
        raise InvalidInputError(f"--db {redact(url)}: PostgreSQL needs the psycopg package "
                                f"({exc}); install it: pip install 'psycopg[binary]'") from None

    try:
        params = conninfo_to_dict(url)
    except psycopg.Error as exc:
        raise bad_url(url, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) \
            from None
    secrets = tuple(str(params[k]) for k in ("password", "sslpassword") if params.get(k))
    extra: dict[str, Any] = {key: value for key, value in (
        ("connect_timeout", CONNECT_TIMEOUT_S), ("application_name", "wfhaudit"))
        if key not in params}
    try:
        con = psycopg.connect(url, autocommit=True, **extra)
    except psycopg.Error as exc:
        raise translate(exc, url, timeout_s, secrets) from None
    try:
        con.execute("SELECT set_config('lock_timeout', %s, false), "
                    "set_config('search_path', 'wfhaudit', false)",
                    (f"{max(1, int(timeout_s * 1000))}ms",))  # 0 would mean: wait forever
    except psycopg.Error as exc:
        con.close()
        raise translate(exc, url, timeout_s, secrets) from None
    return con, secrets
