"""Reading the Azure estate with the real SDK clients against the fake server on 127.0.0.1:
one inventory for many services, paging, throttling, permission and server faults, evidence
reuse, configuration, and secrets kept out of what is stored."""

from __future__ import annotations

import logging
import time
from datetime import date
from pathlib import Path

import pytest

from scanner.azure import inventory
from scanner.azure.collector import collect, measure, targets_for
from scanner.azure.estate import Estate
from scanner.azure.settings import AzureServiceConfig, AzureSettings, SliQueries, SloTargets
from scanner.collect import CollectError
from scanner.config import parse_config
from scanner.engine import load_rules, observe_service, scan
from scanner.errors import ConfigError
from scanner.models import Level, Service
from scanner.plugins import build_registry, make_plugin_manager
from scanner.store import Store
from tests.fakes import azure as fa


@pytest.fixture
def fake():
    with fa.serve(fa.FakeAzure()) as server:
        yield server


@pytest.fixture(scope="module")
def registry():
    return build_registry(make_plugin_manager(autoload=False))


def estate_for(fake: fa.FakeAzure, **settings) -> tuple[Estate, fa.FakeCredential]:
    credential = fa.FakeCredential()
    return Estate(fake.settings(**settings), credential=credential), credential


def service(estate: Estate, name: str, sub: str, rg: str, component: str | None = None) -> Service:
    config = AzureServiceConfig(
        subscriptions=[sub],
        resource_groups=[rg],
        application_insights=component,
        slo=SloTargets(availability=99.9, latency_p95_ms=300),
    )
    return Service(name=name, azure=estate.scope(name, config))


def azure_target(svc: Service):
    return targets_for(svc)[0]


# --- the inventory ------------------------------------------------------------------------------


def test_one_paged_inventory_serves_every_service(fake) -> None:
    fake.page_size = 25
    for i in range(30):
        fa.add_service(fake, f"sub-{i % 3}", f"rg-{i}", f"svc{i}")
    estate, _ = estate_for(fake)
    services = [service(estate, f"svc{i}", f"sub-{i % 3}", f"rg-{i}") for i in range(30)]

    snapshots = [collect(azure_target(s)) for s in services]

    assert all(len(s.resources) == 11 for s in snapshots)  # 10 resources + the service's alert
    assert {r["resourceGroup"] for r in snapshots[7].resources} == {"rg-7"}
    rows = 30 * 11 + 3 * 2  # the services' resources, and each subscription's shared monitoring
    containers = 3 + 30 + 3
    expected_pages = -(-rows // 25) + -(-containers // 25)
    assert fake.calls["resource-graph"] == expected_pages
    assert estate.calls["resource-graph"] == expected_pages
    assert fake.calls["arm-batch"] == 30  # one /batch call per service for its details


def test_a_long_union_is_split_into_several_paged_queries(fake, monkeypatch) -> None:
    monkeypatch.setattr(inventory, "MAX_QUERY_CHARS", 300)
    for i in range(12):
        fa.add_service(fake, "sub-1", f"resource-group-with-a-long-name-{i}", f"svc{i}")
    estate, _ = estate_for(fake)
    services = [
        service(estate, f"svc{i}", "sub-1", f"resource-group-with-a-long-name-{i}")
        for i in range(12)
    ]

    snapshots = [collect(azure_target(s)) for s in services]

    assert all(len(s.resources) == 11 for s in snapshots)
    assert len(fake.queries) > 3  # containers + several resource queries
    assert all(len(q) < 700 for q in fake.queries)


def test_tag_selector_across_subscriptions(fake) -> None:
    tagged = {"service": "billing"}
    fake.add(
        fa.storage("sub-1", "rg-a", "billa", tags=tagged),
        fa.key_vault("sub-2", "rg-b", "billkv", tags=tagged),
        fa.storage("sub-1", "rg-a", "other", tags={"service": "other"}),
    )
    estate, _ = estate_for(fake)
    scope = estate.scope("billing", AzureServiceConfig(tags=tagged))

    snapshot = collect(targets_for(Service(name="billing", azure=scope))[0])

    assert sorted(r["name"] for r in snapshot.resources) == ["billa", "billkv"]
    assert scope.location == "*/tag:service=billing"


def test_the_real_token_audiences_are_kept_for_a_loopback_endpoint(fake) -> None:
    ids = fa.add_service(fake, "sub-1", "rg-a", "a")
    estate, credential = estate_for(fake)
    svc = service(estate, "a", "sub-1", "rg-a", ids["component"])

    collect(targets_for(svc)[0])
    measure(targets_for(svc)[1])

    assert set(credential.scopes) == {
        "https://management.azure.com/.default",
        "https://api.loganalytics.io/.default",
    }
    assert fake.tokens == {credential.token}


# --- faults -------------------------------------------------------------------------------------


def test_throttling_honours_retry_after(fake) -> None:
    fa.add_service(fake, "sub-1", "rg-a", "a")
    fake.throttle["resource-graph"] = 1
    estate, _ = estate_for(fake)
    svc = service(estate, "a", "sub-1", "rg-a")

    started = time.monotonic()
    snapshot = collect(azure_target(svc))

    assert time.monotonic() - started >= 1.0  # Retry-After: 1
    assert len(snapshot.resources) == 11
    assert estate.calls["throttled"] == 1


def test_server_errors_and_throttled_inner_requests_are_retried(fake) -> None:
    fa.add_service(fake, "sub-1", "rg-a", "a")
    fake.retry_after = "0"
    fake.errors["arm-batch"] = 2
    fake.throttle["arm-inner"] = 3
    fake.batch_accepted = 1  # answered 202 + Location first, then polled
    estate, _ = estate_for(fake)
    svc = service(estate, "a", "sub-1", "rg-a")

    snapshot = collect(azure_target(svc))

    assert snapshot.problems == ()
    assert all(d.error is None for d in snapshot.details.values())
    assert estate.calls["server-errors"] == 2


def test_locks_follow_next_link(fake, registry) -> None:
    fa.add_service(fake, "sub-1", "rg-a", "a")
    fake.lock_page_size = 1
    fake.lock(
        "sub-1",
        "rg-a",
        fa.lock("sub-1", "rg-a", "note", "NotSpecified"),
        fa.lock("sub-1", "rg-a", "other", "NotSpecified"),
        fa.lock("sub-1", "rg-a"),
    )
    estate, _ = estate_for(fake)
    evidence, _ = observe_service(service(estate, "a", "sub-1", "rg-a"), registry)

    locked = next(e for e in evidence if e.key == "azure.recovery.locked")
    assert locked.value is True
    assert fake.calls["arm"] == 2  # two nextLink pages after the batched first page


def test_a_failing_subscription_does_not_stop_the_others(fake) -> None:
    fa.add_service(fake, "sub-ok", "rg-a", "a")
    fa.add_service(fake, "sub-bad", "rg-b", "b")
    fake.failing_subscriptions.add("sub-bad")
    estate, _ = estate_for(fake, retry_total=1)
    good = service(estate, "a", "sub-ok", "rg-a")
    bad = service(estate, "b", "sub-bad", "rg-b")

    assert len(collect(azure_target(good)).resources) == 11
    with pytest.raises(CollectError, match="HTTP 500"):
        collect(azure_target(bad))


def test_resource_graph_refused_makes_everything_unknown_naming_the_role(fake, registry) -> None:
    fa.add_service(fake, "sub-1", "rg-a", "a")
    fake.graph_forbidden = True
    estate, _ = estate_for(fake)

    evidence, runs = observe_service(service(estate, "a", "sub-1", "rg-a"), registry)

    inventory_facts = [e for e in evidence if not e.key.startswith(("azure.sli", "azure.slo"))]
    assert inventory_facts and all(e.value is None for e in inventory_facts)
    assert all("Reader role" in (e.reason or "") for e in inventory_facts)
    assert runs[0].status == "error"


def test_an_unconfigured_workspace_is_unknown_not_false(fake, registry) -> None:
    fa.add_service(fake, "sub-1", "rg-a", "a")
    estate, _ = estate_for(fake)

    evidence, _ = observe_service(service(estate, "a", "sub-1", "rg-a"), registry)

    sli = {e.key: e for e in evidence if e.key.startswith(("azure.sli", "azure.slo"))}
    assert all(e.value is None for e in sli.values())
    assert "no application_insights" in (sli["azure.sli.measured"].reason or "")


def test_workspace_query_filters_by_role_and_can_be_overridden(fake, registry) -> None:
    fa.add_service(fake, "sub-1", "rg-a", "a")
    workspace = "6a1f2f3c-1111-2222-3333-444455556666"
    fake.requests_data(workspace, 1000, 999, 120.0)
    estate, _ = estate_for(fake)
    default = AzureServiceConfig(subscriptions=["sub-1"], log_analytics_workspace=workspace)
    custom = AzureServiceConfig(
        subscriptions=["sub-1"],
        log_analytics_workspace=workspace,
        queries=SliQueries(
            workspace="AppRequests | where AppRoleName == 'x' | summarize total = count(), "
            "successful = countif(Success), p95_ms = 1.0"
        ),
    )

    for name, config in (("o'brien", default), ("custom", custom)):
        measure(targets_for(Service(name=name, azure=estate.scope(name, config)))[1])

    (_, first), (_, second) = fake.log_queries
    assert "AppRoleName =~ 'o\\'brien'" in first
    assert second.startswith("AppRequests | where AppRoleName == 'x'")


# --- the scan -----------------------------------------------------------------------------------


def test_unchanged_inventory_reuses_evidence_but_slis_are_measured_again(
    fake, registry, tmp_path
) -> None:
    ids = fa.add_service(fake, "sub-1", "rg-a", "a")
    store = Store(f"sqlite:///{tmp_path / 'f.db'}")
    framework = load_rules(registry)

    def one_scan():
        estate, _ = estate_for(fake)  # a new process: a fresh inventory
        outcome = scan(
            [service(estate, "a", "sub-1", "rg-a", ids["component"])],
            store=store,
            registry=registry,
            framework=framework,
        )
        return store.target_runs(outcome.results[0].service_scan_id)

    first = one_scan()
    batches = fake.calls["arm-batch"]
    second = one_scan()

    assert [r.status for r in first] == ["ok", "ok"]
    assert [r.status for r in second] == ["unchanged", "ok"]
    assert fake.calls["arm-batch"] == batches  # no details read for the unchanged target
    assert fake.calls["log-analytics"] == 2

    fake.add(fa.storage("sub-1", "rg-a", "newstore", sku="Standard_LRS"))
    third = one_scan()
    assert third[0].status == "ok"
    store.engine.dispose()


def test_scan_records_levels_and_never_the_token(fake, registry, tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    ids = fa.add_service(fake, "sub-1", "rg-a", "good")
    fa.add_service(fake, "sub-1", "rg-locked", "locked")
    fake.forbidden.add("/subscriptions/sub-1/resourcegroups/rg-locked")
    db = tmp_path / "f.db"
    store = Store(f"sqlite:///{db}")
    estate, credential = estate_for(fake)
    framework = load_rules(registry)

    outcome = scan(
        [
            service(estate, "good", "sub-1", "rg-a", ids["component"]),
            service(estate, "locked", "sub-1", "rg-locked"),
        ],
        store=store,
        registry=registry,
        framework=framework,
        today=date(2026, 6, 1),
    )
    store.engine.dispose()

    good, locked = sorted(outcome.results, key=lambda r: r.service.name)
    assert good.assessment("platform-monitoring").level is Level.GREEN
    assert good.assessment("network-exposure").level is Level.GREEN
    assert locked.assessment("platform-monitoring").level is Level.UNKNOWN  # 403: never red
    # a service with only an Azure source: repository criteria are not assessed, never red
    assert good.assessment("logging").level is Level.NOT_ASSESSED
    assert all(a.level is not Level.RED for a in good.assessments)
    assert credential.token.encode() not in db.read_bytes()
    assert credential.token not in caplog.text


def test_local_only_scan_leaves_azure_categories_not_assessed(registry, tmp_path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "README.md").write_text("# svc\n")
    store = Store(f"sqlite:///{tmp_path / 'f.db'}")
    outcome = scan(
        [Service(name="svc", repositories=(str(repo),))],
        store=store,
        registry=registry,
        framework=load_rules(registry),
    )
    store.engine.dispose()
    [result] = outcome.results
    for category in ("platform-monitoring", "network-exposure"):
        assert result.assessment(category).level is Level.NOT_ASSESSED
    assert result.assessment("recovery").level is Level.NOT_APPLICABLE  # non-critical tier


# --- configuration ------------------------------------------------------------------------------


def test_config_builds_one_estate_for_the_catalog(tmp_path: Path) -> None:
    path = tmp_path / "fundamentals.toml"
    path.write_text(
        """
[azure]
cloud = "usgov"
resource_manager = "http://127.0.0.1:8123"

[[services]]
name = "payments-api"
tier = "mission-critical"
[services.azure]
subscriptions = ["sub-1"]
resource_groups = ["rg-payments"]
application_insights = "/subscriptions/sub-1/resourceGroups/rg-payments/providers/x/y/pay"
slo = { availability = 99.9, latency_p95_ms = 300 }

[[services]]
name = "billing"
[services.azure]
tags = { service = "billing" }
"""
    )
    catalog = parse_config(path).catalog()

    payments, billing = catalog["payments-api"].azure, catalog["billing"].azure
    assert payments.estate is billing.estate
    assert payments.slo.availability == 99.9
    endpoints = payments.estate.endpoints
    assert endpoints.resource_manager == "http://127.0.0.1:8123"
    assert endpoints.arm_audience == "https://management.usgovcloudapi.net"
    assert endpoints.logs == "https://api.loganalytics.us"
    assert [t.kind for t in targets_for(catalog["payments-api"])] == ["azure", "azure-monitor"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[azure]\nresource_manager = "http://example.com"', "loopback"),
        ('[[services]]\nname = "a"\n[services.azure]\nresource_groups = ["rg"]', "subscriptions"),
        (
            '[[services]]\nname = "a"\n[services.azure]\nsubscriptions = ["s"]\n'
            "slo = { availability = 120 }",
            "less than 100",
        ),
    ],
)
def test_bad_azure_config_is_refused_with_a_line(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "fundamentals.toml"
    path.write_text(text + "\n")
    with pytest.raises(ConfigError, match=problem):
        parse_config(path)


def test_public_cloud_is_the_default() -> None:
    endpoints = AzureSettings().endpoints
    assert endpoints.resource_manager == "https://management.azure.com"
    assert endpoints.logs == "https://api.loganalytics.io"
