"""The committed constructed updates/malware/wifi cases are exactly what their builders produce."""

from __future__ import annotations

from pathlib import Path

import make_malware_cases
import make_updates_cases
import make_wifi_cases
import pytest

BUILT = {**make_updates_cases.render_all(), **make_malware_cases.render_all(),
         **make_wifi_cases.render_all()}
CAPTURED = {"debian12-real-machine", "apt-local-repos-security-suite-and-label",
            "debian12-clamav-installed-no-database", "clamav-onaccess-sigtool-databases",
            "wired-vm-real-machine"}


@pytest.mark.parametrize("path", sorted(BUILT), ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_case_file_matches_builder(path: Path) -> None:
    assert path.exists(), f"{path} missing: run its make_*_cases.py"
    assert path.read_text(encoding="utf-8") == BUILT[path], (
        f"{path} is stale: run `python tests/unit/probes/posture/make_*_cases.py`")


def test_captured_cases_are_not_built() -> None:
    assert not {p.stem for p in BUILT} & CAPTURED
    folders = {p.parent.parent for p in BUILT}
    captured = {p.stem for f in folders for p in f.glob("*/*.json")} - {p.stem for p in BUILT}
    assert captured == CAPTURED
