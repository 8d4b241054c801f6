"""GitHub estate scan against the fake GitHub: API calls per repository, cold and warm, and time.

Target (issue 4): a warm scan of an unchanged repository spends at most 5 quota-costing calls.
Every request to the fake server takes ``--latency`` seconds (default 50 ms).

    python benchmarks/github_scan.py [--repos 200] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
os.environ.setdefault("FUNDAMENTALS_DISABLE_PLUGIN_AUTOLOAD", "1")

from scanner.engine import load_rules, scan  # noqa: E402
from scanner.models import Service  # noqa: E402
from scanner.plugins import default_registry  # noqa: E402
from scanner.remote.context import GitHubSettings, RemoteSettings  # noqa: E402
from scanner.store import Store  # noqa: E402
from tests.fakes.github import NOW, sample_repo, serve  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    os.environ["BENCH_GH_TOKEN"] = "ghp_benchmark"
    registry = default_registry()
    framework = load_rules(registry)
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve(latency=args.latency, token="ghp_benchmark") as fake,
    ):
        names = [f"acme/service-{i:03d}" for i in range(args.repos)]
        for name in names:
            fake.add(sample_repo(name))
        services = [Service(name=n.split("/")[1], github=(n,)) for n in names]
        settings = RemoteSettings(
            github=GitHubSettings(base_url=fake.base_url, token_env="BENCH_GH_TOKEN"),
            now=lambda: NOW,
        )
        store = Store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        print(f"{args.repos} repositories, {args.latency * 1000:.0f} ms per request")
        for label in ("cold", "warm"):
            before_log, before_spent = len(fake.log), fake.counted()
            started = time.perf_counter()
            outcome = scan(
                services, store=store, registry=registry, framework=framework, remote=settings
            )
            wall = time.perf_counter() - started
            requests = len(fake.log) - before_log
            spent = fake.counted() - before_spent
            free = requests - spent
            usage = store.api_usage(outcome.scan_id)
            recorded = sum(u.calls - u.not_modified for u in usage.values())
            print(
                f"{label}: {requests / args.repos:.1f} requests/repo, "
                f"{spent / args.repos:.2f} quota-costing/repo, "
                f"304 share {free / max(requests, 1):.0%}, wall {wall:.1f} s "
                f"({wall / args.repos * 1000:.0f} ms/repo); recorded spent {recorded}"
            )
        store.engine.dispose()


if __name__ == "__main__":
    main()
