"""Database growth when an unchanged repository is scanned again and again.

Target (issue 2): under 2 KB per rescan of the SQLite file, measured over 20 rescans.

    python benchmarks/rescan_growth.py [--files 2000] [--rescans 20]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

import make_repo  # benchmarks/make_repo.py, beside this script

from scanner.engine import load_rules, scan, services_for_paths
from scanner.plugins import build_registry, make_plugin_manager
from scanner.store import Store


def db_bytes(path: Path) -> int:
    # Fold the WAL into the main file first, so the size is what is really stored.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2_000)
    parser.add_argument("--rescans", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        make_repo.main([str(repo), "--files", str(args.files), "--git"])
        db = Path(tmp) / "growth.db"
        store = Store(f"sqlite:///{db}")
        registry = build_registry(make_plugin_manager(autoload=False))
        framework = load_rules(registry)
        services = services_for_paths([str(repo)], "bench-service", {})

        scan(services, store=store, registry=registry, framework=framework)
        first = db_bytes(db)
        started = time.perf_counter()
        for _ in range(args.rescans):
            scan(services, store=store, registry=registry, framework=framework)
        elapsed = time.perf_counter() - started
        last = db_bytes(db)

        per_scan = (last - first) / args.rescans
        print(f"after first scan: {first:,} bytes")
        print(f"after {args.rescans} more scans: {last:,} bytes")
        print(f"growth per rescan: {per_scan:,.0f} bytes (target < 2,048)")
        print(f"mean rescan time: {elapsed / args.rescans * 1000:.0f} ms ({args.files} files)")


if __name__ == "__main__":
    main()
