"""A real PostgreSQL server for the tests: initdb and pg_ctl in a temp folder, Unix socket only.

The session fixture `pg_server` starts it once (as the `postgres` user the Debian package
creates, since initdb refuses root) and stops it at the end; `pg_url` gives each test a fresh
database. Every wait is bounded.
"""

from __future__ import annotations

import glob
import itertools
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import wfhaudit

WAIT_S = 60  # initdb and start on a busy 2-core machine take a few seconds; never wait forever
_SERVER_OPTIONS = ("-c listen_addresses='' -c unix_socket_directories={socket} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60 "
                   "-c shared_buffers=16MB")


@dataclass(frozen=True)
class PgServer:
    """A running server: its socket folder and the superuser's password."""

    folder: Path
    socket: Path
    password: str

    def url(self, dbname: str = "postgres", password: str | None = None) -> str:
        """A postgresql:// URL for dbname over the Unix socket."""
        secret = self.password if password is None else password
        return f"postgresql://postgres:{secret}@/{dbname}?host={self.socket}"


def pg_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian layout), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


def _as_postgres(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["runuser", "-u", "postgres", "--", *argv], capture_output=True,
                          text=True, timeout=WAIT_S, check=False)


def _require() -> Path:
    if os.geteuid() != 0:
        pytest.skip("live test needs root (runs initdb and pg_ctl as the postgres user)")
    binaries = pg_bin()
    if binaries is None or shutil.which("runuser") is None:
        pytest.skip("live test needs postgresql: install it (see .ci/apt-packages.txt)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("live test needs psycopg: install wfhaudit's dependencies")
    return binaries


def start_server() -> PgServer:
    """initdb a cluster in a fresh temp folder and start it on a socket there."""
    binaries = _require()
    folder = Path(tempfile.mkdtemp(prefix="wfh-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    socket = folder / "s"
    socket.mkdir()
    shutil.chown(socket, "postgres", "postgres")
    password = secrets.token_urlsafe(16)
    pwfile = folder / "pw"
    pwfile.write_text(password + "\n")
    shutil.chown(pwfile, "postgres", "postgres")
    data = folder / "data"
    init = _as_postgres(str(binaries / "initdb"), "-D", str(data), "-U", "postgres",
                        "--auth=scram-sha-256", f"--pwfile={pwfile}", "--no-sync",
                        "-E", "UTF8", "--locale=C")
    pwfile.unlink()
    if init.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {init.stderr[-2000:]}")
    start = _as_postgres(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"),
                         "-w", "-t", str(WAIT_S), "-o", _SERVER_OPTIONS.format(socket=socket),
                         "start")
    if start.returncode != 0:
        log = (folder / "log").read_text(errors="replace")[-2000:] \
            if (folder / "log").exists() else ""
        stop_server(PgServer(folder, socket, password))
        raise RuntimeError(f"pg_ctl start failed: {start.stderr[-1000:]} {log}")
    return PgServer(folder, socket, password)


def stop_server(server: PgServer) -> None:
    """Stop the server (fast shutdown, bounded) and remove its folder."""
    binaries = pg_bin()
    data = server.folder / "data"
    if binaries is not None and (data / "postmaster.pid").exists():
        _as_postgres(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                     "-t", str(WAIT_S), "stop")
    shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One PostgreSQL server for the whole session."""
    server = start_server()
    try:
        yield server
    finally:
        stop_server(server)


_numbers = itertools.count(1)


def new_database(server: PgServer) -> str:
    """Create an empty database and return its URL."""
    import psycopg

    name = f"t{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(server.url(), autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    return server.url(name)


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A fresh, empty database on the session's server."""
    return new_database(pg_server)


def spawn(args: list[str]) -> subprocess.Popen[bytes]:
    """Start `python -m wfhaudit ARGS` with this checkout's code; stdout and stderr captured."""
    src = str(Path(wfhaudit.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [src, *filter(None, [os.environ.get("PYTHONPATH")])])}
    return subprocess.Popen([sys.executable, "-m", "wfhaudit", *args], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def finish(procs: list[subprocess.Popen[bytes]], timeout: float = WAIT_S
           ) -> list[tuple[int, str, str]]:
    """Wait for every process (bounded; killed past the wait): (exit code, stdout, stderr)."""
    out = []
    for proc in procs:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
        out.append((int(proc.returncode), stdout.decode(errors="replace"),
                    stderr.decode(errors="replace")))
    return out
