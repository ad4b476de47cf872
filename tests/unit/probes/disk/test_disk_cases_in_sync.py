"""The committed constructed disk cases are exactly what their builders produce today."""

from __future__ import annotations

from pathlib import Path

import make_disk_header_cases
import make_disk_linux_cases
import make_disk_other_cases
import pytest

BUILT = {**make_disk_linux_cases.render_all(), **make_disk_other_cases.render_all(),
         **make_disk_header_cases.render_all()}


@pytest.mark.parametrize("path", sorted(BUILT), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_case_file_matches_builder(path: Path) -> None:
    assert path.exists(), f"{path} missing: run python {path.name} builder"
    assert path.read_text(encoding="utf-8") == BUILT[path], (
        f"{path} is stale: run `python tests/unit/probes/disk/make_disk_*_cases.py`")


def test_recorded_cases_are_not_overwritten_by_builders() -> None:
    recorded = set(Path(make_disk_linux_cases.OUT).glob("r-*.json"))
    assert recorded, "the cases recorded on a real machine must stay"
    assert not recorded & set(BUILT)
