"""Scanning an Azure Repos repository end to end with our client against the fake server."""

from __future__ import annotations

from scanner.engine import load_rules, scan
from scanner.models import Service
from scanner.plugins import default_registry
from scanner.store import Store
from tests.fakes import azure_devops
from tests.fakes.fixtures import PAT

SHOP = Service(name="shop", azure_devops=("contoso/shop/orders",))


def _scan(store, settings):
    registry = default_registry()
    return scan(
        [SHOP], store=store, registry=registry, framework=load_rules(registry), remote=settings
    )


def test_code_and_platform_facts_then_a_cheap_warm_scan(tmp_path, azure, settings):
    azure.add(azure_devops.sample_repo("contoso/shop/orders"))
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")

    first = _scan(store, settings)
    cold = azure.counted()
    second = _scan(store, settings)

    facts = {k: e.value for k, e in first.results[0].evidence.items()}
    assert facts["ci.azure_pipelines"] is True  # local probe on the downloaded zip
    assert facts["ci.environments"] is True  # `environment: production` in the YAML
    assert facts["ci.runs_tests"] is True
    assert facts["deploy.production_approvals"] is True
    assert facts["dora.method"] == "deployments"
    runs = {r.target: r.status for r in store.target_runs(second.results[0].service_scan_id)}
    assert runs["repository:azure-devops:contoso/shop/orders"] == "unchanged"
    assert azure.counted() - cold == 0  # every GET answered 304
    store.engine.dispose()
    for path in tmp_path.glob("db.sqlite*"):
        assert PAT.encode() not in path.read_bytes()


def test_a_rejected_pat_is_unknown_not_red(tmp_path, azure, settings, monkeypatch):
    azure.add(azure_devops.sample_repo("contoso/shop/orders"))
    monkeypatch.setenv("FAKE_ADO_PAT", "wrong")
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")

    outcome = _scan(store, settings)

    evidence = outcome.results[0].evidence
    assert evidence["scm.pr_required"].value is None
    assert "sign-in page" in evidence["scm.pr_required"].reason
