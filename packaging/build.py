"""Build the distributables into one folder: wheel + sdist, one-file executable, .deb.

Usage:
  python packaging/build.py wheel --out dist        # python -m build: sdist and wheel
  python packaging/build.py exe --out dist          # PyInstaller one-file executable
  python packaging/build.py deb --out dist [--exe dist/wfhaudit]   # Debian package (Linux)
  python packaging/build.py all --out dist          # all three, the .deb on Linux only
                                                    # (what `make dist` runs)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "packaging" / "pyinstaller" / "wfhaudit.spec"
sys.path.insert(0, str(REPO / "packaging"))


def run(argv: list[str], **kw: object) -> None:
    """Run a build step, echoing it; stop the build when it fails."""
    print("+ " + " ".join(argv), flush=True)
    subprocess.run(argv, check=True, **kw)  # type: ignore[call-overload]


def build_wheel(out: Path) -> list[Path]:
    """The sdist and, built from it, the wheel."""
    before = set(out.glob("wfhaudit-*")) if out.exists() else set()
    run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO)])
    return sorted(set(out.glob("wfhaudit-*")) - before) or sorted(out.glob("wfhaudit-*"))


def exe_name() -> str:
    """wfhaudit, or wfhaudit.exe on Windows."""
    return "wfhaudit.exe" if sys.platform == "win32" else "wfhaudit"


def build_exe(out: Path, work: Path | None = None) -> Path:
    """The PyInstaller one-file executable for this OS and architecture."""
    with tempfile.TemporaryDirectory(prefix="wfh-pyi-") as tmp:
        run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
             "--distpath", str(out), "--workpath", str(work or tmp), str(SPEC)])
    return out / exe_name()


def main() -> int:
    """Parse the step and build it."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=["wheel", "exe", "deb", "all"])
    parser.add_argument("--out", type=Path, default=REPO / "dist")
    parser.add_argument("--exe", type=Path, default=None,
                        help="executable to package (deb; default: build it)")
    args = parser.parse_args()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    if args.step in ("wheel", "all"):
        made += build_wheel(out)
    exe = args.exe
    if args.step in ("exe", "all") or (args.step == "deb" and exe is None):
        exe = build_exe(out)
        made.append(exe)
    if args.step == "deb" or (args.step == "all" and sys.platform.startswith("linux")):
        from debpkg import build_deb

        assert exe is not None  # noqa: S101 - set just above
        made.append(build_deb(exe.resolve(), out))
    for path in made:
        print(f"built {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
