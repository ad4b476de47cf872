"""JSON on stdout whatever the locale: Turkish ISO-8859-9, Latin-1 and Japanese EUC-JP.

The locales are compiled into a temp folder with `localedef` (LOCPATH), so the test does not
depend on what the machine has installed, and each run first proves that Python really
writes stdout in that encoding and cannot encode '≥' there, which the report contains.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.faults.kit import REPLAY_POLICY, enrol, env_for
from tests.fleet.fleetgen import UTC

LOCALES = [("tr_TR", "ISO-8859-9"), ("en_US", "ISO-8859-1"), ("ja_JP", "EUC-JP")]
# A folder name a user of each locale could have, stored in that locale's encoding.
FOLDERS = {"ISO-8859-9": "raporlar-ğüşıöç", "ISO-8859-1": "rapports-éèçà",
           "EUC-JP": "レポート"}


@pytest.fixture(scope="module")
def locpath(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("localedef") is None or not Path("/usr/share/i18n/locales/tr_TR").exists():
        pytest.skip("needs localedef and locale sources (Debian package: locales)")
    folder = tmp_path_factory.mktemp("locales")
    for name, charset in LOCALES:
        subprocess.run(["localedef", "-i", name, "-f", charset, str(folder / f"{name}.{charset}")],
                       check=True, capture_output=True, timeout=120)
    return folder


@pytest.mark.parametrize(("name", "charset"), LOCALES, ids=[c for _, c in LOCALES])
def test_check_json_under_a_legacy_locale(name: str, charset: str, locpath: Path,
                                          tmp_path: Path, replay: tuple[Path, Path]) -> None:
    _bundle, policy = replay
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    env = env_for(home, LOCPATH=str(locpath), LC_ALL=f"{name}.{charset}", LANG=f"{name}.{charset}")
    probe = subprocess.run(
        [sys.executable, "-c", "import sys; print(sys.stdout.encoding); print('\\u2265')"],
        env=env, capture_output=True, check=False)
    assert codecs.lookup(probe.stdout.decode().split()[0]).name == codecs.lookup(charset).name
    assert probe.returncode != 0 and b"UnicodeEncodeError" in probe.stderr  # hostile for real
    proc = subprocess.run([sys.executable, "-m", "wfhaudit", "check", "--only", "os",
                           "--policy", str(policy), "--out", str(tmp_path / "out"), "--json"],
                          env=env, capture_output=True, check=False, timeout=120)
    err = proc.stderr.decode(charset, "replace")
    assert proc.returncode == 0, err
    text = proc.stdout.decode("ascii")  # pure ASCII, whatever the locale
    doc = json.loads(text)
    assert "\\u2265" in text and doc["policy"]["title"] == "Fault suite ≥ policy"
    assert "READY" in err  # the summary for people still reached stderr
    # verify --json, one line per report, under the same locale and a folder named in it.
    now = dt.datetime.now(UTC).replace(microsecond=0)
    org = enrol(tmp_path / "org", home, REPLAY_POLICY, now)
    share = bytes(tmp_path) + b"/" + FOLDERS[charset].encode(charset)
    os.rename(tmp_path / "out", share)
    proc = subprocess.run([sys.executable.encode(), b"-m", b"wfhaudit", b"verify", share,
                           b"--trust", bytes(org.trust_path), b"--json"],
                          env=env, capture_output=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode(charset, "replace")
    line = json.loads(proc.stdout.decode("ascii"))
    assert line["verdict"] == "verified" and FOLDERS[charset] in line["input"]
