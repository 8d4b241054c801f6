"""Azure fixture services on the fake server, with the facts the Azure probes must report for each.

Each case is one service scope in a small estate: ``healthy`` (every fact holds), ``fragile``
(every check fails), ``quiet`` (no storage, no requests), ``locked-out`` (details and logs answer
403) and ``hidden`` (its subscription is invisible to the scanner). ``None`` means unknown; the
``reasons`` say what the unknown's reason must mention.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import probes
from scanner.azure.collector import collect, measure, targets_for
from scanner.azure.estate import Estate
from scanner.azure.settings import AzureServiceConfig, SloTargets
from scanner.collect import CollectError
from scanner.models import Observation, Service
from scanner.probe import Probe
from tests.fakes import azure as fa

AZURE_PROBES = [p for p in probes.fundamentals_probes() if p.target_kind.startswith("azure")]
ALL_FACTS = [f.key for p in AZURE_PROBES for f in p.facts]
SLO = SloTargets(availability=99.9, latency_p95_ms=300)


@dataclass(frozen=True)
class AzureCase:
    name: str
    config: AzureServiceConfig
    expected: dict[str, Any]
    reasons: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name


def _all(value: Any, **overrides: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {k: value for k in ALL_FACTS}
    facts.update({k.replace("__", "."): v for k, v in overrides.items()})
    return facts


def _fragile(fake: fa.FakeAzure, sub: str, rg: str) -> str:
    """Every check fails; returns the Application Insights component id."""
    plan = fa.app_service_plan(
        sub, rg, "f-plan", tier="Basic", size="B1", capacity=1, zone_redundant=False
    )
    site = fa.web_app(
        sub,
        rg,
        "f-app",
        plan["id"],
        https_only=False,
        public="Enabled",
        health_check_path=None,
        min_tls="1.0",
    )
    cluster = fa.aks(sub, rg, "f-aks", zones=("1",), count=1, oms=False)
    server = fa.sql_server(sub, rg, "f-sql", min_tls="1.0", public="Enabled")
    db = fa.sql_database(sub, rg, "f-sql", "orders", zone_redundant=False, backup="Local")
    account = fa.cosmos(
        sub,
        rg,
        "f-cosmos",
        regions=(("West Europe", False),),
        failover=False,
        backup="Periodic",
        min_tls="Tls",
        public="Enabled",
    )
    blob = fa.storage(
        sub, rg, "fstore", sku="Standard_LRS", https_only=False, min_tls="TLS1_0", public="Enabled"
    )
    vault = fa.key_vault(sub, rg, "f-kv", purge_protection=False, public="Enabled")
    component = fa.app_insights(sub, rg, "f-ai")  # classic: no workspace
    test = fa.web_test(sub, rg, "f-ping", component["id"], locations=1)
    group = fa.action_group(sub, rg, "nobody", emails=0)
    alert = fa.metric_alert(sub, rg, "f-5xx", [site["id"]], [group["id"]])
    off = fa.metric_alert(sub, rg, "f-off", [f"/subscriptions/{sub}"], [group["id"]], enabled=False)
    fake.add(
        plan, site, cluster, server, db, account, blob, vault, component, test, group, alert, off
    )
    fake.diagnose(site["id"], None)  # a setting that sends logs nowhere
    fake.lock(sub, rg, fa.lock(sub, rg, "read-only-elsewhere", "NotSpecified"))
    fake.requests_data(component["id"], 10_000, 9_900, 900.0)
    return component["id"]


def _quiet(fake: fa.FakeAzure, sub: str, rg: str) -> str:
    plan = fa.app_service_plan(sub, rg, "q-plan", tier="Dynamic", size="Y1", capacity=0)
    site = fa.web_app(sub, rg, "q-app", plan["id"])
    workspace = fa.WORKSPACE.format(sub=sub, rg="monitoring", name="logs")
    component = fa.app_insights(sub, rg, "q-ai", workspace=workspace)
    fake.add(plan, site, component)
    fake.diagnose(site["id"], workspace)
    fake.lock(sub, rg, fa.lock(sub, rg))
    return component["id"]


def arrange(fake: fa.FakeAzure) -> list[AzureCase]:
    healthy = fa.add_service(fake, "sub-1", "rg-healthy", "healthy")
    fragile = _fragile(fake, "sub-2", "rg-fragile")
    quiet = _quiet(fake, "sub-1", "rg-quiet")
    locked = fa.add_service(fake, "sub-1", "rg-locked-out", "lockedout")
    fake.forbidden.add("/subscriptions/sub-1/resourcegroups/rg-locked-out")
    fa.add_service(fake, "sub-hidden", "rg-hidden", "hidden")
    fake.hidden_subscriptions.add("sub-hidden")

    def config(sub: str, rg: str, component: str | None) -> AzureServiceConfig:
        return AzureServiceConfig(
            subscriptions=[sub], resource_groups=[rg], application_insights=component, slo=SLO
        )

    reader = "Reader"
    return [
        AzureCase(
            "healthy",
            config("sub-1", "rg-healthy", healthy["component"]),
            _all(
                True,
                azure__redundancy__storage_replication=["GZRS"],
                azure__sli__availability=99.95,
                azure__sli__latency_p95_ms=180.0,
                azure__slo__error_budget_remaining=50.0,
            ),
        ),
        AzureCase(
            "fragile",
            config("sub-2", "rg-fragile", fragile),
            _all(
                False,
                azure__redundancy__storage_replication=["LRS"],
                azure__sli__measured=True,
                azure__sli__availability=99.0,
                azure__sli__latency_p95_ms=900.0,
                azure__slo__error_budget_remaining=-900.0,
            ),
        ),
        AzureCase(
            "quiet",
            config("sub-1", "rg-quiet", quiet),
            {
                "azure.redundancy.storage_replication": [],
                "azure.redundancy.multi_instance": True,  # consumption plans scale on demand
                "azure.monitoring.availability_tests": False,
                "azure.sli.measured": False,
                "azure.sli.availability": None,
                "azure.slo.availability_met": None,
                "azure.sli.latency_p95_ms": None,
                "azure.slo.latency_met": None,
            },
            {"azure.sli.availability": "no requests recorded"},
        ),
        AzureCase(
            "locked-out",
            config("sub-1", "rg-locked-out", locked["component"]),
            {
                "azure.redundancy.zone_redundant": True,  # from Resource Graph, still readable
                "azure.monitoring.diagnostic_settings": None,
                "azure.health.app_service_health_check": None,
                "azure.security.min_tls_12": None,
                "azure.recovery.locked": None,
                "azure.sli.measured": None,
                "azure.slo.error_budget_remaining": None,
            },
            {
                "azure.monitoring.diagnostic_settings": reader,
                "azure.health.app_service_health_check": reader,
                "azure.recovery.locked": "Microsoft.Authorization/locks/read",
                "azure.sli.measured": "Log Analytics Reader",
                "azure.slo.error_budget_remaining": "Log Analytics Reader",
            },
        ),
        AzureCase(
            "hidden",
            config("sub-hidden", "rg-hidden", None),
            {k: None for k in ALL_FACTS if not k.startswith(("azure.sli", "azure.slo"))},
            {"azure.redundancy.zone_redundant": "Reader role"},
        ),
    ]


@cache
def observed() -> dict[str, dict[str, Observation]]:
    """Every case's observations, from one run of the real clients against the fake server."""
    results: dict[str, dict[str, Observation]] = {}
    with fa.serve(fa.FakeAzure(page_size=7, lock_page_size=1)) as fake:
        cases = arrange(fake)
        estate = Estate(fake.settings(), credential=fa.FakeCredential())
        services = [Service(name=c.name, azure=estate.scope(c.name, c.config)) for c in cases]
        for case, service in zip(cases, services, strict=True):
            found: dict[str, Observation] = {}
            for target in targets_for(service):
                try:
                    snapshot = collect(target) if target.kind == "azure" else measure(target)
                except CollectError as exc:
                    for probe in AZURE_PROBES:
                        if probe.target_kind == target.kind:
                            found.update(
                                {k: Observation.unknown(k, str(exc)) for k in probe.fact_keys}
                            )
                    continue
                for probe in AZURE_PROBES:
                    if probe.target_kind == target.kind:
                        observations = {o.key: o for o in probe.observe(snapshot)}
                        assert set(observations) == set(probe.fact_keys), probe.id
                        found.update(observations)
            results[case.name] = found
    return results


@cache
def all_cases() -> tuple[AzureCase, ...]:
    return tuple(arrange(fa.FakeAzure()))


def cases_for(probe: Probe) -> list[tuple[str, str]]:
    return [(c.name, k) for c in all_cases() for k in probe.fact_keys if k in c.expected]


def check(case_name: str, key: str) -> None:
    case = next(c for c in all_cases() if c.name == case_name)
    observation = observed()[case_name][key]
    expected = case.expected[key]
    if expected is None:
        assert observation.is_unknown, f"{case}: {key} should be unknown, got {observation.value!r}"
        assert observation.reason
        if key in case.reasons:
            assert case.reasons[key] in observation.reason, observation.reason
        return
    assert observation.value == expected, f"{case}: {key}: {observation}"
    if expected is True or (isinstance(expected, list) and expected):
        assert observation.locators, f"{case}: {key} holds but names no resource"
    if expected is False:
        assert observation.locators or key.startswith("azure.monitoring"), key
    for locator in observation.locators:
        assert (locator.resource_id or "").startswith("/subscriptions/"), locator
