"""The two Azure target kinds and their collectors.

``azure`` — the service's resources and monitoring configuration: the shared Resource Graph
inventory, then ARM details Resource Graph lacks (diagnostic settings, site configuration,
locks). Its fingerprint digests the service's inventory rows, so an unchanged estate reuses its
evidence; it also names a refresh window (``[azure] refresh_days``) because diagnostic settings
and locks change without touching the inventory.

``azure-monitor`` — the SLIs measured from Log Analytics. They change every day, so this kind has
no fingerprint: each scan measures again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from azure.core.exceptions import AzureError, ClientAuthenticationError, HttpResponseError
from azure.monitor.query import LogsQueryPartialResult, LogsQueryStatus

from scanner.azure import details
from scanner.azure.details import Detail, Get
from scanner.azure.inventory import SIGN_IN, ScopeUnreadable
from scanner.azure.settings import (
    APP_INSIGHTS_QUERY,
    SLI_DAYS,
    WORKSPACE_QUERY,
    AzureScope,
)
from scanner.collect import CollectError, Collector
from scanner.models import Service, Target
from scanner.store import digest

SITES = "microsoft.web/sites"
PLANS = "microsoft.web/serverfarms"
AKS = "microsoft.containerservice/managedclusters"
SQL_SERVERS = "microsoft.sql/servers"
SQL_DATABASES = "microsoft.sql/servers/databases"
COSMOS = "microsoft.documentdb/databaseaccounts"
STORAGE = "microsoft.storage/storageaccounts"
VAULTS = "microsoft.keyvault/vaults"
COMPONENTS = "microsoft.insights/components"
# Resources whose logs should reach a workspace through diagnostic settings.
DIAGNOSABLE = (SITES, AKS, SQL_DATABASES, COSMOS, STORAGE, VAULTS)


@dataclass
class AzureSnapshot:
    """What the ``azure`` collector read for one service."""

    scope: AzureScope
    resources: list[dict[str, Any]]
    monitoring: list[dict[str, Any]]
    details: dict[str, Detail] = field(default_factory=dict)
    production_groups: list[tuple[str, str]] = field(default_factory=list)
    version: str | None = None
    problems: tuple[str, ...] = ()

    def of_type(self, *types: str) -> list[dict[str, Any]]:
        wanted = set(types)
        return [r for r in self.resources if str(r.get("type", "")).lower() in wanted]

    def monitoring_of_type(self, *types: str) -> list[dict[str, Any]]:
        wanted = set(types)
        return [r for r in self.monitoring if str(r.get("type", "")).lower() in wanted]

    def detail(self, get: Get) -> Detail:
        return self.details.get(get.path, Detail(error=f"{get.what} not read"))

    def diagnostic_target(self, resource: dict[str, Any]) -> str:
        """Storage accounts send their logs from the blob service, not the account."""
        rid = str(resource["id"])
        if str(resource.get("type", "")).lower() == STORAGE:
            return f"{rid}/blobServices/default"
        return rid


@dataclass
class MonitorSnapshot:
    """What the ``azure-monitor`` collector measured: one row of SLI columns, or why not."""

    scope: AzureScope
    source: str | None  # the resource id or workspace queried
    query: str | None
    row: dict[str, Any] | None = None
    error: str | None = None


# --- targets ------------------------------------------------------------------------------------


def targets_for(service: Service) -> list[Target]:
    """The service's Azure targets: its estate, and its SLIs."""
    scope = getattr(service, "azure", None)
    if scope is None:
        return []
    return [
        Target(kind="azure", location=scope.location, source=scope),
        Target(kind="azure-monitor", location=scope.location, source=scope),
    ]


def _scope(target: Target) -> AzureScope:
    scope = target.source
    if not isinstance(scope, AzureScope) or scope.estate is None:
        raise CollectError(f"{target} has no Azure scope from the catalog")
    return scope


# --- azure ---------------------------------------------------------------------------------------


def _inventory(scope: AzureScope) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    assert scope.estate is not None
    inventory = scope.estate.inventory
    try:
        resources = inventory.resources_of(scope)
    except ScopeUnreadable as exc:
        raise CollectError(str(exc)) from None
    return resources, inventory.monitoring_of(scope, resources)


def fingerprint(target: Target) -> str | None:
    scope = _scope(target)
    assert scope.estate is not None
    try:
        resources, monitoring = _inventory(scope)
    except CollectError:
        return None
    window = int(time.time() // 86400) // scope.estate.settings.refresh_days
    return digest([repr(scope), window, resources, monitoring])


def collect(target: Target) -> AzureSnapshot:
    scope = _scope(target)
    assert scope.estate is not None
    resources, monitoring = _inventory(scope)
    snapshot = AzureSnapshot(scope, resources, monitoring)
    snapshot.production_groups = _production_groups(scope, resources)
    gets = [
        details.diagnostic_settings(snapshot.diagnostic_target(r))
        for r in snapshot.of_type(*DIAGNOSABLE)
    ]
    gets += [details.site_config(str(r["id"])) for r in snapshot.of_type(SITES)]
    gets += [details.locks(sub, rg) for sub, rg in snapshot.production_groups]
    snapshot.details = details.read_all(scope.estate, gets)
    snapshot.problems = tuple(sorted({d.error for d in snapshot.details.values() if d.error}))
    window = int(time.time() // 86400) // scope.estate.settings.refresh_days
    snapshot.version = digest([repr(scope), window, resources, monitoring])
    return snapshot


def _production_groups(scope: AzureScope, resources: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(subscription, resource group) pairs whose locks are judged.

    The configured ``production_resource_groups``; else the groups the service's resources are in.
    """
    seen = {
        (str(r.get("subscriptionId", "")), str(r.get("resourceGroup", "")))
        for r in resources
        if r.get("resourceGroup")
    }
    if scope.production_resource_groups is None:
        return sorted(seen)
    wanted = {rg.lower() for rg in scope.production_resource_groups}
    pairs = {(s, g) for s, g in seen if g.lower() in wanted}
    found = {g.lower() for _, g in pairs}
    pairs |= {
        (s, rg)
        for rg in scope.production_resource_groups
        if rg.lower() not in found
        for s in scope.subscriptions
    }
    return sorted(pairs)


# --- azure-monitor -------------------------------------------------------------------------------


def sli_query(scope: AzureScope) -> tuple[str | None, str | None]:
    """(source, KQL) for the scope's SLIs: Application Insights first, else the workspace."""
    if scope.application_insights:
        return scope.application_insights, scope.queries.application_insights or APP_INSIGHTS_QUERY
    if scope.log_analytics_workspace:
        template = scope.queries.workspace or WORKSPACE_QUERY
        return scope.log_analytics_workspace, template.replace("{service}", _kql(scope.service))
    return None, None


def _kql(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def measure(target: Target) -> MonitorSnapshot:
    scope = _scope(target)
    estate = scope.estate
    assert estate is not None
    source, query = sli_query(scope)
    snapshot = MonitorSnapshot(scope, source, query)
    if source is None or query is None:
        snapshot.error = (
            "no application_insights or log_analytics_workspace configured for the service"
        )
        return snapshot
    options = estate.call_options(estate.endpoints.logs)
    span = timedelta(days=SLI_DAYS)
    try:
        if source.startswith("/"):
            result = estate.logs.query_resource(source, query, timespan=span, **options)
        else:
            result = estate.logs.query_workspace(source, query, timespan=span, **options)
    except ClientAuthenticationError as exc:
        snapshot.error = SIGN_IN if exc.status_code is None else _logs_error(exc, source)
        return snapshot
    except HttpResponseError as exc:
        snapshot.error = _logs_error(exc, source)
        return snapshot
    except AzureError as exc:
        snapshot.error = f"log query on {source} failed: {type(exc).__name__}"
        return snapshot
    if isinstance(result, LogsQueryPartialResult) or result.status != LogsQueryStatus.SUCCESS:
        snapshot.error = f"log query on {source} returned partial results"
        return snapshot
    tables = result.tables
    if not tables or not tables[0].rows:
        snapshot.error = f"log query on {source} returned no rows"
        return snapshot
    table = tables[0]
    snapshot.row = dict(zip(table.columns, list(table.rows[0]), strict=False))
    return snapshot


def _logs_error(exc: HttpResponseError, source: str) -> str:
    if exc.status_code in (401, 403):
        return (
            f"HTTP {exc.status_code} querying logs of {source}: needs the Log Analytics Reader "
            "role (or Monitoring Reader) on it"
        )
    if exc.status_code == 400:
        return f"HTTP 400 querying logs of {source}: the query was refused ({_first_line(exc)})"
    return f"HTTP {exc.status_code} querying logs of {source} (after retries)"


def _first_line(exc: HttpResponseError) -> str:
    text = str(exc.message or exc).splitlines()
    return text[0][:200] if text else "no message"


COLLECTORS = (
    Collector(
        kind="azure",
        collect=collect,
        fingerprint=fingerprint,
        description="A service's Azure resources (Resource Graph) and ARM details.",
    ),
    Collector(
        kind="azure-monitor",
        collect=measure,
        description="A service's SLIs measured from Log Analytics / Application Insights.",
    ),
)
