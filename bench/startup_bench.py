"""Cold-process wall time of `wfhaudit check --only ...`, next to `python -c pass` in the same run.

Each run is a fresh process (after two warm-up runs so the page cache is warm: "cold" means a
new interpreter). Output is not a terminal, as in CI, so `check` prints plain lines. The ratio
to `python -c pass` on the same machine in the same run is the figure to compare across
machines; the medians alone move with the load.

    .venv/bin/python bench/startup_bench.py --runs 15
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WFHAUDIT = Path(sys.executable).with_name("wfhaudit")
SECURITY_AUDIO = ["--only", "firewall", "--only", "vpn", "--only", "disk", "--only", "audio"]


def time_command(argv: list[str], runs: int, env: dict[str, str]) -> list[float]:
    """Wall time of each of `runs` fresh processes."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=False, timeout=60)
        times.append(time.perf_counter() - start)
    return times


def _wfhaudit() -> list[str]:
    # The console script when installed; the module otherwise (PYTHONPATH checkouts).
    return [str(WFHAUDIT)] if WFHAUDIT.exists() else [sys.executable, "-m", "wfhaudit"]


def main() -> None:
    """Print median/min/max and the ratio to `python -c pass` as a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "WFHAUDIT_HOME": home}
        base = [*_wfhaudit(), "check", "--out", home]
        scenarios = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "wfhaudit check --only os": [*base, "--only", "os", "--quiet"],
            "wfhaudit check --only firewall --only vpn --only disk": [
                *base, "--only", "firewall", "--only", "vpn", "--only", "disk", "--quiet"],
            "wfhaudit check --no-sign, firewall+vpn+disk+audio": [
                *base, "--no-sign", *SECURITY_AUDIO],
        }
        print(f"# startup_bench {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M}Z  python "
              f"{platform.python_version()}  nproc {os.cpu_count()}  load "
              f"{os.getloadavg()[0]:.2f}  runs {args.runs}")
        print("| command | runs | median s | min s | max s | median / `python -c pass` |")
        print("|---|---|---|---|---|---|")
        floor = None
        for label, argv in scenarios.items():
            time_command(argv, 2, env)  # warm the page cache: "cold" means a new process
            times = time_command(argv, args.runs, env)
            median = statistics.median(times)
            floor = floor or median
            print(f"| `{label}` | {args.runs} | {median:.3f} | {min(times):.3f} | "
                  f"{max(times):.3f} | {median / floor:.1f}x |")


if __name__ == "__main__":
    main()
