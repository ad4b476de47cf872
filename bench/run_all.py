"""Run every benchmark with its documented command and print the results (see BENCHMARKS.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
RUNS = [
    ["startup_bench.py", "--runs", "15"],
    ["dist_startup_bench.py", "--runs", "15", "--onedir"],
    ["verify_bench.py", "--n", "10000"],
    ["verify_bench.py", "--n", "20000", "--workers", "2"],
    ["network_bench.py", "--runs", "1"],
    ["aggregate_bench.py", "--sizes", "1000,10000,100000"],
]


def main() -> int:
    """Run each benchmark in turn; stop at the first that fails."""
    for argv in RUNS:
        print(f"\n## {' '.join(argv)}\n", flush=True)
        rc = subprocess.run([sys.executable, str(HERE / argv[0]), *argv[1:]], check=False).returncode
        if rc != 0:
            print(f"{argv[0]} failed with exit status {rc}", file=sys.stderr)
            return rc
    return 0


if __name__ == "__main__":
    sys.exit(main())
