"""Local scan of a generated repository: wall time and peak memory of a cold `fundamentals scan`.

Target (issue 2): 50,000 files, under 3 s wall and under 300 MB peak, cold process included.

    python benchmarks/local_scan.py [--files 50000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import make_repo  # benchmarks/make_repo.py, beside this script


def run_scan(repo: Path, db: Path) -> tuple[float, float, dict]:
    """One cold process. Returns (wall seconds, peak RSS MB of that process, JSON output)."""
    code = (
        "import resource, sys\n"
        "from scanner.cli import main\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    )
    env = dict(os.environ, FUNDAMENTALS_DISABLE_PLUGIN_AUTOLOAD="1")
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, "scan", str(repo), "--db", f"sqlite:///{db}", "--json"],
        capture_output=True,
        text=True,
        env=env,
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"scan failed ({proc.returncode}):\n{proc.stderr}")
    peak_mb = int(proc.stderr.strip().splitlines()[-1]) / 1024
    return wall, peak_mb, json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        make_repo.main([str(repo), "--files", str(args.files), "--git"])
        db = Path(tmp) / "bench.db"
        print(f"repository: {args.files} files (git checkout), cold process per run")
        print(f"{'run':>5} {'wall s':>8} {'peak MB':>8}")
        walls, peaks = [], []
        for i in range(args.runs):
            if i == 0 and db.exists():
                db.unlink()
            wall, peak, out = run_scan(repo, db)
            walls.append(wall)
            peaks.append(peak)
            label = "new db" if i == 0 else str(i + 1)
            print(f"{label:>5} {wall:8.2f} {peak:8.0f}")
        service = out["services"][0]
        known = sum(v is not None for v in service["facts"].values())
        print(f"facts known: {known}/{len(service['facts'])}; levels: {service['counts']}")
        print(
            f"best wall {min(walls):.2f} s (target < 3 s); "
            f"max peak {max(peaks):.0f} MB (target < 300 MB)"
        )


if __name__ == "__main__":
    main()
