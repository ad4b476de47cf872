"""The three-OS release workflow: valid against GitHub's workflow schema, and it does the job."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

WORKFLOW = Path(__file__).resolve().parent.parent.parent / ".github" / "workflows" / "release.yml"


def _load() -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))
    return data


def test_workflow_is_valid_against_the_github_workflow_schema() -> None:
    """check-jsonschema ships the SchemaStore schema for workflows: no network needed."""
    res = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                          "vendor.github-workflows", str(WORKFLOW)],
                         capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stdout + res.stderr


def test_schema_check_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text(encoding="utf-8").replace("runs-on:", "run-on:", 1))
    res = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                          "vendor.github-workflows", str(broken)],
                         capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 1


def test_builds_and_smoke_tests_on_three_oses_and_releases_on_tags() -> None:
    wf = _load()
    assert wf["on"]["push"]["tags"] == ["v*"]
    build = wf["jobs"]["build"]
    oses = [entry["os"] for entry in build["strategy"]["matrix"]["include"]]
    assert {o.split("-")[0] for o in oses} == {"ubuntu", "macos", "windows"}
    runs = "\n".join(step.get("run", "") for step in build["steps"])
    for needed in ("packaging/build.py wheel", "packaging/build.py exe", "packaging/build.py deb",
                   'smoke.py "$bin/wfhaudit"', 'smoke.py "dist/${{ matrix.exe }}"',
                   "smoke.py /usr/bin/wfhaudit"):
        assert needed in runs, needed
    release = wf["jobs"]["release"]
    assert release["needs"] == "build"
    assert release["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert release["permissions"] == {"contents": "write"}
    assert wf["permissions"] == {"contents": "read"}  # only the release job may write
    assert "gh release create" in "\n".join(s.get("run", "") for s in release["steps"])
    for job in wf["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert "@v" in step["uses"], step["uses"]  # pinned to a major version
