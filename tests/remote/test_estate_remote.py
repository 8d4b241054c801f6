"""The nightly scan over GitHub-hosted services: concurrent, incremental and accounted for."""

from __future__ import annotations

import json

from sqlalchemy import select

from scanner import tables as t
from scanner.engine import load_rules
from scanner.estate import scan_estate
from scanner.models import Service
from scanner.plugins import default_registry
from scanner.store import Store
from tests.fakes.github import sample_repo

SERVICES = [Service(name=f"svc-{i}", github=(f"acme/svc-{i}",)) for i in range(4)]


def _scan(store, settings, run_key):
    registry = default_registry()
    return scan_estate(
        SERVICES,
        store=store,
        registry=registry,
        framework=load_rules(registry),
        run_key=run_key,
        jobs=4,
        remote=settings,
    )


def _api_calls(store, scan_id) -> dict[str, dict[str, list[int]]]:
    with store.session() as session:
        rows = session.execute(
            select(t.ServiceScanRow.service_id, t.ServiceScanRow.api_calls).where(
                t.ServiceScanRow.scan_id == scan_id
            )
        ).all()
    return {str(sid): json.loads(calls or "{}") for sid, calls in rows}


def test_nightly_scan_of_github_services_is_incremental_and_accounted(tmp_path, github, settings):
    for service in SERVICES:
        github.add(sample_repo(service.github[0]))
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")

    cold = _scan(store, settings, "night-1")
    assert cold.status == "complete"
    cold_usage = store.api_usage(cold.scan_id)
    assert sum(u.calls for u in cold_usage.values()) == github.counted()

    before = github.counted()
    warm = _scan(store, settings, "night-2")
    spent = github.counted() - before
    assert spent <= 5 * len(SERVICES)  # at most five quota-costing calls per service
    [usage] = store.api_usage(warm.scan_id).values()
    assert usage.calls - usage.not_modified == spent
    assert usage.not_modified / usage.calls >= 0.9  # nearly everything answered 304

    # The per-service meter agrees with the per-scan totals, 304s counted as free.
    per_service = _api_calls(store, warm.scan_id)
    assert len(per_service) == len(SERVICES)
    calls = sum(c for svc in per_service.values() for c, _ in svc.values())
    free = sum(f for svc in per_service.values() for _, f in svc.values())
    assert (calls, free) == (usage.calls, usage.not_modified)
    for result in store.latest_results():
        runs = {r.target: r.status for r in store.target_runs(result.service_scan_id)}
        assert runs[f"repository:github:acme/{result.service.name}"] == "unchanged"
