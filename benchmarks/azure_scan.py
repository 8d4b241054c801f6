"""Azure inventory and facts for 1,000 services (about 10,000 resources) at 50 ms a call.

The real SDK clients talk to the fake Azure server (tests/fakes/azure.py) with 50 ms of latency
on every request. Each service is collected and observed exactly as a scan does
(``engine.observe_service``); services run on ``--workers`` threads, as a sharded or concurrent
scan would. Prints wall time and the calls spent, by kind.

    python benchmarks/azure_scan.py [--services 1000] [--latency 0.05] [--workers 16]
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scanner.azure.estate import Estate  # noqa: E402
from scanner.azure.settings import AzureServiceConfig, SloTargets  # noqa: E402
from scanner.engine import observe_service  # noqa: E402
from scanner.models import Service  # noqa: E402
from scanner.plugins import build_registry, make_plugin_manager  # noqa: E402
from tests.fakes.azure import FakeAzure, FakeCredential, add_service, serve  # noqa: E402

SUBSCRIPTIONS = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1_000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()

    registry = build_registry(make_plugin_manager(autoload=False))
    with serve(FakeAzure()) as fake:
        components = []
        for i in range(args.services):
            sub = f"sub-{i % SUBSCRIPTIONS:02d}"
            ids = add_service(fake, sub, f"rg-svc-{i:04d}", f"svc{i:04d}")
            components.append((sub, ids["component"]))
        own = sum(1 for r in fake.resources.values() if r["resourceGroup"].startswith("rg-svc-"))
        fake.latency = args.latency
        estate = Estate(fake.settings(concurrency=8), credential=FakeCredential())
        services = [
            Service(
                name=f"svc{i:04d}",
                azure=estate.scope(
                    f"svc{i:04d}",
                    AzureServiceConfig(
                        subscriptions=[sub],
                        resource_groups=[f"rg-svc-{i:04d}"],
                        application_insights=component,
                        slo=SloTargets(availability=99.9, latency_p95_ms=300),
                    ),
                ),
            )
            for i, (sub, component) in enumerate(components)
        ]

        started = time.perf_counter()
        first = observe_service(services[0], registry)  # fills the shared inventory
        inventory_s = time.perf_counter() - started
        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            results = [first, *pool.map(lambda s: observe_service(s, registry), services[1:])]
        wall = time.perf_counter() - started

    facts = sum(len(evidence) for evidence, _ in results)
    unknown = sum(1 for evidence, _ in results for e in evidence if e.value is None)
    calls = sum(
        v
        for k, v in estate.calls.items()
        if k in ("resource-graph", "arm-batch", "arm", "log-analytics")
    )
    print(f"services:             {args.services}")
    print(f"resources:            {own} of the services + {len(fake.resources) - own} shared")
    print(f"latency per call:     {args.latency * 1000:.0f} ms, {args.workers} workers")
    print(f"inventory (first):    {inventory_s:.2f} s")
    print(f"wall time:            {wall:.2f} s")
    print(f"facts:                {facts} ({unknown} unknown)")
    print(f"HTTP calls:           {calls}")
    for kind in (
        "resource-graph",
        "arm-batch",
        "arm",
        "log-analytics",
        "arm-requests",
        "throttled",
    ):
        print(f"  {kind + ':':<20}{estate.calls.get(kind, 0)}")


if __name__ == "__main__":
    main()
