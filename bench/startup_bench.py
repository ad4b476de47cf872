"""Cold-process wall time of `wfhaudit check --only ...` (issue targets: os < 0.4 s, security < 0.5 s)."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WFHAUDIT = Path(sys.executable).with_name("wfhaudit")


def time_command(argv: list[str], runs: int, env: dict[str, str]) -> list[float]:
    """Wall time of each of `runs` fresh processes."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=False, timeout=60)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    """Print median/min/max for each scenario as a Markdown table row."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "WFHAUDIT_HOME": home}
        scenarios = {
            "check --only os": ["--only", "os"],
            "check --only firewall --only vpn --only disk": [
                "--only", "firewall", "--only", "vpn", "--only", "disk"],
        }
        print("| command | runs | median s | min s | max s |")
        print("|---|---|---|---|---|")
        for label, extra in scenarios.items():
            argv = [str(WFHAUDIT), "check", *extra, "--out", home, "--quiet"]
            time_command(argv, 2, env)  # warm the page cache: "cold" means a new process
            times = time_command(argv, args.runs, env)
            print(f"| `wfhaudit {label}` | {args.runs} | {statistics.median(times):.3f} | "
                  f"{min(times):.3f} | {max(times):.3f} |")


if __name__ == "__main__":
    main()
