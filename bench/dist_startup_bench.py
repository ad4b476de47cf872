"""Cold start of the one-file executable against `wfhaudit` in the virtual environment.

Builds the executable (packaging/build.py exe) unless --exe is given; with --onedir also builds
PyInstaller's one-folder variant of the same program, to show what the one-file unpacking costs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_WFHAUDIT = Path(sys.executable).with_name("wfhaudit")


def time_command(argv: list[str], runs: int, env: dict[str, str]) -> list[float]:
    """Wall time of each of `runs` fresh processes (exit 1, NOT READY, is a result)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        rc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            check=False, timeout=120).returncode
        times.append(time.perf_counter() - start)
        if rc not in (0, 1):
            raise SystemExit(f"{argv} exited {rc}")
    return times


def build_onedir(work: Path) -> Path:
    """PyInstaller --onedir build of the same entry point, modules and data."""
    spec_dir = REPO / "packaging" / "pyinstaller"
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                    "--onedir", "--name", "wfhaudit", "--distpath", str(work / "dist"),
                    "--workpath", str(work / "build"), "--specpath", str(work),
                    "--paths", str(REPO / "src"), "--collect-submodules", "wfhaudit",
                    "--collect-data", "wfhaudit", "--hidden-import", "speedtest",
                    str(spec_dir / "entry.py")], check=True)
    return work / "dist" / "wfhaudit" / "wfhaudit"


def main() -> None:
    """Print a Markdown table: program, command, median/min/max over --runs."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--exe", type=Path, help="one-file executable (default: build one)")
    parser.add_argument("--onedir", action="store_true", help="also build and time --onedir")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wfh-dist-bench-") as tmp:
        work = Path(tmp)
        exe = args.exe.resolve() if args.exe else None
        if exe is None:
            subprocess.run([sys.executable, str(REPO / "packaging" / "build.py"), "exe",
                            "--out", str(work / "onefile")], check=True)
            exe = work / "onefile" / "wfhaudit"
        programs = {"one-file executable": [str(exe)], "venv `wfhaudit`": [str(VENV_WFHAUDIT)]}
        if args.onedir:
            programs["one-folder executable"] = [str(build_onedir(work / "onedir"))]
        env = {**os.environ, "WFHAUDIT_HOME": str(work / "home")}
        env.pop("PYTHONPATH", None)
        commands = {"--version": ["--version"],
                    "check --only os --quiet": ["check", "--only", "os", "--quiet", "--out",
                                                str(work / "reports")]}
        print(f"executable: {exe.stat().st_size / 1e6:.1f} MB")
        print("| program | command | runs | median s | min s | max s |")
        print("|---|---|---|---|---|---|")
        for label, cmd in commands.items():
            for name, prog in programs.items():
                time_command([*prog, *cmd], 2, env)  # page cache warm: "cold" = new process
                times = time_command([*prog, *cmd], args.runs, env)
                print(f"| {name} | `{label}` | {args.runs} | {statistics.median(times):.3f} | "
                      f"{min(times):.3f} | {max(times):.3f} |", flush=True)


if __name__ == "__main__":
    main()
