"""Is the running service watched: logs collected, telemetry, availability tests, alerts?"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from probes.azure_evidence import Check, every, locators, prop, receivers
from scanner.azure import details
from scanner.azure.collector import (
    AKS,
    COMPONENTS,
    COSMOS,
    DIAGNOSABLE,
    SITES,
    SQL_DATABASES,
    AzureSnapshot,
)
from scanner.models import FactSpec, Observation
from scanner.probe import Probe

FACTS = (
    FactSpec(
        "azure.monitoring.diagnostic_settings",
        "bool",
        "Every web app, AKS cluster, SQL database, Cosmos DB account, storage account (blob "
        "service) and Key Vault sends logs to a Log Analytics workspace through diagnostic "
        "settings.",
    ),
    FactSpec(
        "azure.monitoring.app_insights",
        "bool",
        "The service has an Application Insights component, and every one is workspace-based "
        "(not classic).",
    ),
    FactSpec(
        "azure.monitoring.availability_tests",
        "bool",
        "An enabled availability (web) test with >= 3 locations watches the service's "
        "Application Insights component.",
    ),
    FactSpec(
        "azure.monitoring.alerts_wired",
        "bool",
        "Every web app, AKS cluster, SQL database, Cosmos DB account and Application Insights "
        "component is covered by an enabled metric alert or scheduled query rule wired to an "
        "action group with a receiver.",
    ),
    FactSpec(
        "azure.monitoring.service_health_alert",
        "bool",
        "Each of the service's subscriptions has an enabled Service Health activity-log alert "
        "wired to an action group with a receiver.",
    ),
)

METRIC_ALERTS = "microsoft.insights/metricalerts"
QUERY_RULES = "microsoft.insights/scheduledqueryrules"
ACTIVITY_ALERTS = "microsoft.insights/activitylogalerts"
ACTION_GROUPS = "microsoft.insights/actiongroups"
WEB_TESTS = "microsoft.insights/webtests"
ALERTABLE = (SITES, AKS, SQL_DATABASES, COSMOS, COMPONENTS)


def diagnostic_checks(snapshot: AzureSnapshot) -> Iterator[Check]:
    for row in snapshot.of_type(*DIAGNOSABLE):
        found = snapshot.detail(details.diagnostic_settings(snapshot.diagnostic_target(row)))
        if found.error:
            yield row["id"], None, found.error
            continue
        ok = any(
            prop(setting, "properties", "workspaceId")
            and any(
                prop(log, "enabled") is True for log in prop(setting, "properties", "logs") or []
            )
            for setting in prop(found.value, "value") or []
        )
        yield row["id"], ok, None


def components(snapshot: AzureSnapshot) -> list[dict[str, Any]]:
    own = snapshot.of_type(COMPONENTS)
    configured = (snapshot.scope.application_insights or "").lower()
    extra = [
        r for r in snapshot.monitoring_of_type(COMPONENTS) if str(r["id"]).lower() == configured
    ]
    return list({str(r["id"]).lower(): r for r in own + extra}.values())


def app_insights(snapshot: AzureSnapshot) -> Observation:
    found = components(snapshot)
    if not found:
        return Observation("azure.monitoring.app_insights", False)
    return every(
        "azure.monitoring.app_insights",
        ((c["id"], bool(prop(c, "properties", "WorkspaceResourceId")), None) for c in found),
    )


def availability_tests(snapshot: AzureSnapshot) -> Observation:
    ids = {str(c["id"]).lower() for c in components(snapshot)}
    good = [
        test["id"]
        for test in snapshot.monitoring_of_type(WEB_TESTS)
        if any(str(k).lower() == f"hidden-link:{i}" for k in (test.get("tags") or {}) for i in ids)
        and prop(test, "properties", "Enabled") is True
        and len(prop(test, "properties", "Locations") or []) >= 3
    ]
    return Observation("azure.monitoring.availability_tests", bool(good), locators(good))


def _groups(snapshot: AzureSnapshot) -> dict[str, dict[str, Any]]:
    return {str(g["id"]).lower(): g for g in snapshot.monitoring_of_type(ACTION_GROUPS)}


def _wired(group_ids: list[str], groups: dict[str, dict[str, Any]]) -> bool | None:
    """Some named action group has a receiver; None when only unseen groups are named."""
    known = [groups[g.lower()] for g in group_ids if g.lower() in groups]
    if any(receivers(g) for g in known):
        return True
    return None if len(known) < len(group_ids) else False


def _action_groups(rule: dict[str, Any]) -> list[str]:
    actions = prop(rule, "properties", "actions")
    if isinstance(actions, list):  # metric alerts
        return [str(prop(a, "actionGroupId")) for a in actions if prop(a, "actionGroupId")]
    named = prop(actions, "actionGroups") or []  # scheduled query rules: ids; activity log: objects
    return [str(g if isinstance(g, str) else prop(g, "actionGroupId")) for g in named]


def _covers(scope: str, resource_id: str) -> bool:
    scope, resource_id = scope.lower().rstrip("/"), resource_id.lower()
    return resource_id == scope or resource_id.startswith(scope + "/")


def alert_checks(snapshot: AzureSnapshot) -> Iterator[Check]:
    groups = _groups(snapshot)
    rules = [
        r
        for r in snapshot.monitoring_of_type(METRIC_ALERTS, QUERY_RULES)
        if prop(r, "properties", "enabled") is not False
    ]
    alertable = snapshot.of_type(*ALERTABLE) + [
        c for c in components(snapshot) if c not in snapshot.resources
    ]
    for row in alertable:
        covering = [
            r
            for r in rules
            if any(_covers(s, row["id"]) for s in prop(r, "properties", "scopes") or [])
        ]
        wired = [_wired(_action_groups(r), groups) for r in covering]
        if any(w is True for w in wired):
            yield row["id"], True, None
        elif any(w is None for w in wired):
            yield row["id"], None, f"the action groups of the alerts on {row['id']} are not visible"
        else:
            yield row["id"], False, None


def _service_health(rule: dict[str, Any]) -> bool:
    conditions = prop(rule, "properties", "condition", "allOf") or []
    return any(
        str(prop(c, "field")).lower() == "category"
        and str(prop(c, "equals")).lower() == "servicehealth"
        for c in conditions
    )


def service_health(snapshot: AzureSnapshot) -> Observation:
    groups = _groups(snapshot)
    subs = sorted(
        {str(r.get("subscriptionId", "")).lower() for r in snapshot.resources}
        | {s.lower() for s in snapshot.scope.subscriptions}
    )
    rules = [
        r
        for r in snapshot.monitoring_of_type(ACTIVITY_ALERTS)
        if prop(r, "properties", "enabled") is not False and _service_health(r)
    ]
    checks: list[Check] = []
    good: list[str] = []
    for sub in subs:
        covering = [
            r
            for r in rules
            if any(
                _covers(s, f"/subscriptions/{sub}") for s in prop(r, "properties", "scopes") or []
            )
        ]
        wired = [(r["id"], _wired(_action_groups(r), groups)) for r in covering]
        good += [rid for rid, w in wired if w is True]
        state = (
            True
            if any(w is True for _, w in wired)
            else (None if any(w is None for _, w in wired) else False)
        )
        checks.append((f"/subscriptions/{sub}", state, "the alert's action group is not visible"))
    result = every("azure.monitoring.service_health_alert", checks)
    if result.value is True:
        return Observation(result.key, True, locators(good))
    return result


def observe(snapshot: AzureSnapshot) -> Iterator[Observation]:
    yield every("azure.monitoring.diagnostic_settings", diagnostic_checks(snapshot))
    yield app_insights(snapshot)
    yield availability_tests(snapshot)
    yield every("azure.monitoring.alerts_wired", alert_checks(snapshot))
    yield service_health(snapshot)


PROBE = Probe(
    id="azure-monitoring",
    version="1",
    target_kind="azure",
    facts=FACTS,
    observe=observe,
    description="Diagnostic settings, Application Insights, availability tests, alert rules and "
    "action groups, Service Health alerts.",
)
