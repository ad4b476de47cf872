"""The distributables: wheel and sdist, one-file executable, .deb, each smoke-tested outside the tree.

Each artefact is built once per test session (the executable takes most of a minute).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent
PACKAGE = REPO / "src" / "wfhaudit"
BUILD = [sys.executable, str(REPO / "packaging" / "build.py")]
SMOKE = [sys.executable, str(REPO / "packaging" / "smoke.py")]

pytestmark = pytest.mark.dist


def _run(argv: list[str], timeout: float = 600, **kw: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env,
                          check=False, **kw)  # type: ignore[call-overload]
    assert proc.returncode == 0, f"{argv}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def wheel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    _run([*BUILD, "wheel", "--out", str(out)])
    return out


@pytest.fixture(scope="session")
def exe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("exe")
    _run([*BUILD, "exe", "--out", str(out)])
    return out / "wfhaudit"


@pytest.fixture(scope="session")
def deb(exe: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("deb")
    _run([*BUILD, "deb", "--exe", str(exe), "--out", str(out)])
    (path,) = out.glob("wfhaudit_*.deb")
    return path


def _package_data() -> set[str]:
    """Every file the package ships besides Python code, as wheel paths."""
    return {p.relative_to(PACKAGE.parent).as_posix() for p in PACKAGE.rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts}


def test_wheel_and_sdist_carry_every_data_file_and_the_license(wheel_dir: Path) -> None:
    (whl,) = wheel_dir.glob("wfhaudit-*.whl")
    (sdist,) = wheel_dir.glob("wfhaudit-*.tar.gz")
    names = set(zipfile.ZipFile(whl).namelist())
    data = _package_data()
    assert {"wfhaudit/policies/baseline.json", "wfhaudit/policy/schema/policy.v1.schema.json",
            "wfhaudit/report/html/templates/report.html.j2"} <= data
    assert data <= names, sorted(data - names)
    meta = zipfile.ZipFile(whl).read(next(n for n in names if n.endswith("/METADATA"))).decode()
    assert "License-Expression: Apache-2.0" in meta
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    with tarfile.open(sdist) as tar:
        members = {m.split("/", 1)[1] for m in tar.getnames() if "/" in m}
    assert {"LICENSE", "pyproject.toml", "README.md"} <= members
    assert {f"src/{d}" for d in data} <= members


def test_wheel_installs_in_a_clean_venv_outside_the_tree(wheel_dir: Path,
                                                         tmp_path: Path) -> None:
    (whl,) = wheel_dir.glob("wfhaudit-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True, symlinks=os.name != "nt")
    py = env_dir / "bin" / "python"
    _run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(whl)],
         cwd=tmp_path)
    where = _run([str(py), "-c", "import wfhaudit; print(wfhaudit.__file__)"], cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(env_dir)  # not the source tree
    smoke = _run([*SMOKE, str(env_dir / "bin" / "wfhaudit")], cwd=tmp_path)
    assert "smoke: all steps passed" in smoke.stdout


def test_one_file_executable_passes_the_smoke(exe: Path, tmp_path: Path) -> None:
    assert exe.is_file() and os.access(exe, os.X_OK)
    assert [p.name for p in exe.parent.iterdir()] == ["wfhaudit"]  # one file, nothing beside it
    moved = tmp_path / "elsewhere" / "wfhaudit"  # runs from any folder
    moved.parent.mkdir()
    shutil.copy2(exe, moved)
    smoke = _run([*SMOKE, str(moved)], cwd=tmp_path)
    assert "smoke: all steps passed" in smoke.stdout


def _scratch_root(root: Path) -> None:
    """An empty dpkg database in which only the C library (this machine's) is installed."""
    info = root / "var" / "lib" / "dpkg" / "info"
    info.mkdir(parents=True)
    (root / "var" / "lib" / "dpkg" / "updates").mkdir()
    (root / "var" / "lib" / "dpkg" / "available").touch()
    libc = _run(["dpkg-query", "-s", "libc6"]).stdout
    (root / "var" / "lib" / "dpkg" / "status").write_text(libc.rstrip("\n") + "\n\n")
    arch = _run(["dpkg", "--print-architecture"]).stdout.strip()
    (info / f"libc6:{arch}.list").touch()


def _dpkg(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # Chrootless: the scratch root has no shell; maintainer scripts get DPKG_ROOT instead.
    return _run(["dpkg", f"--root={root}", "--force-script-chrootless", *args])


@pytest.fixture
def installed(deb: Path, tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "root"
    _scratch_root(root)
    _dpkg(root, "--install", str(deb))
    yield root


def test_deb_metadata_and_contents(deb: Path) -> None:
    info = _run(["dpkg-deb", "--field", str(deb)]).stdout
    assert "Package: wfhaudit" in info and "Depends: libc6 (>= " in info
    listing = _run(["dpkg-deb", "--contents", str(deb)]).stdout
    for path in ("./usr/bin/wfhaudit", "./usr/share/man/man1/wfhaudit.1.gz",
                 "./usr/share/bash-completion/completions/wfhaudit",
                 "./usr/share/zsh/vendor-completions/_wfhaudit",
                 "./usr/share/fish/vendor_completions.d/wfhaudit.fish",
                 "./usr/lib/systemd/system/wfhaudit-check.timer",
                 "./usr/lib/systemd/user/wfhaudit-check.timer",
                 "./usr/share/doc/wfhaudit/copyright"):
        assert path in listing
    assert "root/root" in listing and "-rwxr-xr-x root/root" in listing


def test_deb_installs_into_a_scratch_root_and_purges_clean(deb: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    _scratch_root(root)
    before = set(root.rglob("*"))
    _dpkg(root, "--install", str(deb))
    status = _run(["dpkg", f"--root={root}", "--status", "wfhaudit"]).stdout
    assert "Status: install ok installed" in status
    smoke = _run([*SMOKE, str(root / "usr/bin/wfhaudit")], cwd=tmp_path)
    assert "smoke: all steps passed" in smoke.stdout
    state = root / "var" / "lib" / "wfhaudit" / "reports"  # what the system timer writes
    state.mkdir(parents=True)
    (state / "dev-1.wfh.json").write_text("{}")
    _dpkg(root, "--purge", "wfhaudit")
    left = set(root.rglob("*")) - before
    dpkg_db = root / "var" / "lib" / "dpkg"
    assert [p for p in left if not p.is_relative_to(dpkg_db)] == []
    assert not list(dpkg_db.glob("info/wfhaudit.*"))


def test_installed_man_page_renders_without_warnings(installed: Path) -> None:
    page = installed / "usr/share/man/man1/wfhaudit.1.gz"
    env = {**os.environ, "MANWIDTH": "100", "LC_ALL": "C.UTF-8"}
    res = subprocess.run(["man", "--warnings", "-l", str(page)], capture_output=True, text=True,
                         timeout=60, env=env, check=False)
    assert res.returncode == 0 and res.stderr == "", res.stderr
    for heading in ("wfhaudit schedule install", "wfhaudit aggregate", "EXIT STATUS",
                    "WFHAUDIT_HOME"):
        assert heading in res.stdout
    assert "--every" in res.stdout  # options come from the click tree


def test_installed_completions_complete_commands(installed: Path) -> None:
    bash = installed / "usr/share/bash-completion/completions/wfhaudit"
    _run(["bash", "-n", str(bash)])
    exe = str(installed / "usr/bin/wfhaudit")
    env = {**os.environ, "_WFHAUDIT_COMPLETE": "bash_complete", "COMP_WORDS": "wfhaudit sch",
           "COMP_CWORD": "1"}
    res = subprocess.run([exe], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert res.stdout.split() == ["plain,schedule"], res.stdout
    env.update(COMP_WORDS="wfhaudit schedule install --ev", COMP_CWORD="3")
    res = subprocess.run([exe], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert "plain,--every" in res.stdout.split()
    zsh = (installed / "usr/share/zsh/vendor-completions/_wfhaudit").read_text()
    assert zsh.startswith("#compdef wfhaudit") and "_WFHAUDIT_COMPLETE=zsh_complete" in zsh
    fish = (installed / "usr/share/fish/vendor_completions.d/wfhaudit.fish").read_text()
    assert "complete --no-files --command wfhaudit" in fish
    assert "_WFHAUDIT_COMPLETE=fish_complete" in fish


@pytest.mark.live
def test_installed_units_pass_systemd_analyze_verify(installed: Path, tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("live test needs systemd-analyze: install systemd (see .ci/apt-packages.txt)")
    exe = str(installed / "usr/bin/wfhaudit")
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    # The units name /usr/bin/wfhaudit: point them at the copy in the scratch root, and let
    # man(1) find the installed page for Documentation=man:wfhaudit(1).
    env = {**os.environ, "MANPATH": str(installed / "usr/share/man"),
           "XDG_RUNTIME_DIR": str(runtime)}
    for level in ("system", "user"):
        units = []
        for name in ("wfhaudit-check.service", "wfhaudit-check.timer"):
            text = (installed / "usr/lib/systemd" / level / name).read_text()
            assert "/usr/bin/wfhaudit check" in text or name.endswith(".timer")
            copy = tmp_path / level / name
            copy.parent.mkdir(exist_ok=True)
            copy.write_text(text.replace("/usr/bin/wfhaudit", exe))
            units.append(str(copy))
        flags = ["--user"] if level == "user" else []
        res = subprocess.run(["systemd-analyze", *flags, "verify", *units], capture_output=True,
                             text=True, timeout=60, env=env, check=False)
        assert res.returncode == 0 and res.stderr.strip() == "", (level, res.stderr)
