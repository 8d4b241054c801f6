"""Benchmark: `report html` over 1,000 services × 365 nightly scans.

Targets: renders in < 10 s, the file is < 15 MB, and it opens in headless Chromium in < 3 s.

Seeding goes fast by writing each service's few distinct results once through the store's
transaction API (evidence and assessment sets are content-addressed, so a nightly scan of an
unchanged service only adds a ``service_scan`` row) and then bulk-inserting the 365,000
``service_scan`` rows. Reviews and actions go through their library functions.

    python benchmarks/report_html.py [--services 1000] [--days 365] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).parents[1]))  # tests.reports.estate: the seeding helpers

from reports.html import render_html
from reports.report import report_document
from scanner import tables as t
from scanner.actions import add_action
from scanner.engine import load_rules
from scanner.errors import InputError
from scanner.identity import Actor, Roles
from scanner.models import (
    Evidence,
    Level,
    Locator,
    Service,
    Tier,
)
from scanner.plugins import default_registry
from scanner.reviews import confirm, override
from scanner.store import Store
from tests.reports.estate import assessments_at, facts_at

NOW = datetime(2025, 6, 30, 3, 0, tzinfo=UTC)
DOMAINS = [
    "payments",
    "logistics",
    "identity",
    "search",
    "catalogue",
    "checkout",
    "messaging",
    "data-platform",
    "customer",
    "finance",
]
PLATFORMS = ["aks", "app-service", "functions", "vm"]
RE = Actor("rel@example.com", "env")
ROLES = Roles(
    reliability_engineers=frozenset({"sre"}), teams={"sre": frozenset({"rel@example.com"})}
)


def _states(rng: random.Random, categories: list, days: int) -> list[tuple[int, dict[str, Level]]]:
    """A service's distinct results over the year: a start state and a few improvements."""
    levels = {
        c.id: rng.choice([Level.RED, Level.AMBER, Level.GREEN, Level.GREEN, Level.AMBER])
        for c in categories
    }
    if rng.random() < 0.15:
        levels[rng.choice(categories).id] = Level.UNKNOWN
    states = [(0, dict(levels))]
    for day in sorted(rng.sample(range(1, days), rng.randint(1, 5))):
        c = rng.choice(categories).id
        levels[c] = rng.choice([Level.AMBER, Level.GREEN, Level.RED])
        states.append((day, dict(levels)))
    return states


def _result(framework, levels: dict[str, Level], service: str, tx) -> tuple[int, int]:
    facts = facts_at(framework, levels)
    stored = {
        e.key: e
        for e in tx.add_evidence(
            [
                Evidence(
                    key=k,
                    value=v,
                    reason=r,
                    probe="bench",
                    probe_version="1",
                    locators=(
                        Locator(
                            path=f"{k.split('.')[0]}/config.yaml", line=len(k) + len(service) % 40
                        ),
                    ),
                )
                for k, (v, r) in sorted(facts.items())
            ]
        )
    }
    assessments = assessments_at(framework, levels, stored)
    evidence_set = tx.add_evidence_set(list(stored.values()))
    digests = tx.evidence_digests(evidence_set)
    return evidence_set, tx.add_assessment_set(assessments, digests)


def seed(store: Store, services: int, days: int) -> None:
    framework = load_rules(default_registry())
    rng = random.Random(7)
    start = NOW - timedelta(days=days - 1)
    scan_ids = []
    with store.session() as session:
        rows = [
            t.ScanRow(
                started_at=start + timedelta(days=d),
                finished_at=start + timedelta(days=d),
                status="complete",
                rules_digest=framework.digest,
                tool_version="bench",
            )
            for d in range(days)
        ]
        session.add_all(rows)
        session.commit()
        scan_ids = [r.id for r in rows]
    service_scans = []
    catalog = {}
    for n in range(services):
        domain = DOMAINS[n % len(DOMAINS)]
        svc = Service(
            name=f"{domain}-svc-{n:04d}",
            owner=f"team-{domain}",
            tier=list(Tier)[n % 5],
            golden_thread=n % 7 == 0,
            domain=domain,
            platform=PLATFORMS[n % 4],
            repositories=(f"https://github.com/example/{domain}-svc-{n:04d}",),
        )
        catalog[svc.name] = svc
        with store.transaction() as tx:
            service_id = tx.upsert_service(svc)
            sets = [
                (day, *_result(framework, levels, svc.name, tx))
                for day, levels in _states(rng, list(framework.categories), days)
            ]
        current = 0
        for d in range(days):
            while current + 1 < len(sets) and sets[current + 1][0] <= d:
                current += 1
            _, evidence_set, assessment_set = sets[current]
            service_scans.append(
                {
                    "scan_id": scan_ids[d],
                    "service_id": service_id,
                    "finished_at": start + timedelta(days=d, minutes=n % 60),
                    "evidence_set_id": evidence_set,
                    "assessment_set_id": assessment_set,
                    "rules_digest": framework.digest,
                }
            )
    with store.session() as session:
        for i in range(0, len(service_scans), 20_000):
            session.execute(insert(t.ServiceScanRow), service_scans[i : i + 20_000])
        session.commit()
    names = sorted(catalog)
    for name in names[::5]:  # 200 confirmations, 50 overrides, 300 actions
        confirm(
            store,
            name,
            "logging",
            actor=RE,
            roles=ROLES,
            catalog=catalog,
            now=NOW - timedelta(days=40),
        )
    for name in names[1::20]:
        with contextlib.suppress(InputError):  # already green: nothing to override
            override(
                store,
                name,
                "slos",
                "green",
                reason="evidence-elsewhere",
                note="SLOs kept in the platform repo",
                actor=RE,
                roles=ROLES,
                catalog=catalog,
                now=NOW - timedelta(days=5),
                expires_at=NOW + timedelta(days=rng.randint(1, 90)),
            )
    for name in names[2::3][:300]:
        add_action(
            store,
            name,
            "alerting",
            "Alert on the SLO burn rate",
            owner="team",
            due=date(2025, rng.randint(3, 9), 1),
            now=NOW - timedelta(days=60),
        )


def open_in_chromium(path: Path) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path="/usr/bin/chromium",
            headless=True,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        started = time.perf_counter()
        page.goto(path.as_uri(), wait_until="load", timeout=60_000)
        page.wait_for_selector("#pillar-charts canvas")
        elapsed = time.perf_counter() - started
        context.close()
    if errors:
        raise SystemExit(f"page errors: {errors}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--keep", type=Path, help="keep the database and report in this folder")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "bench.db"
    db.unlink(missing_ok=True)
    store = Store(f"sqlite:///{db}")
    started = time.perf_counter()
    seed(store, args.services, args.days)
    print(
        f"seeded {args.services} services × {args.days} nightly scans "
        f"in {time.perf_counter() - started:.1f} s ({db.stat().st_size / 1e6:.0f} MB database)"
    )
    framework = load_rules(default_registry())
    started = time.perf_counter()
    document = report_document(store, framework, now=NOW)
    gathered = time.perf_counter() - started
    html = render_html(document)
    out = folder / "report.html"
    out.write_text(html, encoding="utf-8")
    rendered = time.perf_counter() - started
    size = out.stat().st_size / 1e6
    print(f"render: {rendered:.2f} s (gather + build {gathered:.2f} s) — target < 10 s")
    print(f"file size: {size:.1f} MB — target < 15 MB")
    if Path("/usr/bin/chromium").exists():
        load = open_in_chromium(out)
        print(f"Chromium load (to charts drawn): {load:.2f} s — target < 3 s")
    else:
        print("Chromium load: skipped, /usr/bin/chromium is missing")
    print(f"report: {out}")
    ok = rendered < 10 and size < 15
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
