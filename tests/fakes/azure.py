"""A fake Azure on 127.0.0.1: ARM (``/batch`` and GETs), Resource Graph and Log Analytics.

Payloads follow the shapes of the public REST API reference (Resource Graph ``resources``
responses with ``$skipToken``; ARM resources, diagnostic settings, site config, locks with
``nextLink``; the ARM batch envelope; Log Analytics query tables). The real SDK clients talk to it
with a fake ``TokenCredential``. Faults: 403 per path prefix or hidden subscriptions, 429 with
``Retry-After``, 5xx, failing subscriptions, configurable latency. Usable from benchmarks::

    with serve(FakeAzure(latency=0.05)) as fake:
        estate = Estate(fake.settings(), credential=FakeCredential())

Resource Graph's KQL is not run: the fake understands exactly the ``where`` clauses
``scanner.azure.inventory.build_queries`` writes (and answers 400 to anything else).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from azure.core.credentials import AccessToken

from scanner.azure.settings import AzureSettings

WORKSPACE = (
    "/subscriptions/{sub}/resourceGroups/{rg}"
    "/providers/Microsoft.OperationalInsights/workspaces/{name}"
)


class FakeCredential:
    """An offline ``TokenCredential``: hands out a token and remembers the scopes asked for."""

    def __init__(self) -> None:
        self.token = f"fake-azure-token-{uuid.uuid4().hex}"
        self.scopes: list[str] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.extend(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)


# --- resource builders: ARG rows shaped like the ARM resource JSON ------------------------------


def rid(sub: str, rg: str, provider: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{provider}/{name}"


def _row(sub: str, rg: str, provider: str, name: str, **extra: Any) -> dict[str, Any]:
    row = {
        "id": rid(sub, rg, provider, name),
        "name": name.rsplit("/", 1)[-1],
        "type": provider.lower(),
        "kind": "",
        "location": "westeurope",
        "resourceGroup": rg,
        "subscriptionId": sub,
        "tags": {},
        "sku": None,
        "zones": None,
        "properties": {},
    }
    row.update(extra)
    return row


def app_service_plan(
    sub: str,
    rg: str,
    name: str,
    *,
    tier: str = "PremiumV3",
    size: str = "P1v3",
    capacity: int = 3,
    zone_redundant: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    return _row(
        sub,
        rg,
        "Microsoft.Web/serverfarms",
        name,
        kind="app",
        sku={"name": size, "tier": tier, "size": size, "family": size[:2], "capacity": capacity},
        properties={
            "status": "Ready",
            "numberOfWorkers": capacity,
            "zoneRedundant": zone_redundant,
            "provisioningState": "Succeeded",
        },
        **extra,
    )


def web_app(
    sub: str,
    rg: str,
    name: str,
    plan_id: str,
    *,
    https_only: bool = True,
    public: str = "Disabled",
    health_check_path: str | None = "/healthz",
    min_tls: str = "1.2",
    **extra: Any,
) -> dict[str, Any]:
    row = _row(
        sub,
        rg,
        "Microsoft.Web/sites",
        name,
        kind="app,linux",
        properties={
            "state": "Running",
            "serverFarmId": plan_id,
            "httpsOnly": https_only,
            "publicNetworkAccess": public,
            "defaultHostName": f"{name}.azurewebsites.net",
            "siteConfig": None,
        },
        **extra,
    )
    row["_config"] = {
        "healthCheckPath": health_check_path,
        "minTlsVersion": min_tls,
        "ftpsState": "Disabled",
        "http20Enabled": True,
        "alwaysOn": True,
    }
    return row


def aks(
    sub: str,
    rg: str,
    name: str,
    *,
    zones: tuple[str, ...] = ("1", "2", "3"),
    count: int = 3,
    oms: bool = True,
    public: str = "Enabled",
    **extra: Any,
) -> dict[str, Any]:
    pools = [
        {
            "name": "system",
            "count": count,
            "vmSize": "Standard_D4s_v5",
            "mode": "System",
            "availabilityZones": list(zones),
            "enableAutoScaling": False,
        }
    ]
    addons = (
        {"omsagent": {"enabled": oms, "config": {"logAnalyticsWorkspaceResourceID": "/x"}}}
        if oms
        else {}
    )
    return _row(
        sub,
        rg,
        "Microsoft.ContainerService/managedClusters",
        name,
        properties={
            "kubernetesVersion": "1.30.3",
            "agentPoolProfiles": pools,
            "addonProfiles": addons,
            "publicNetworkAccess": public,
            "provisioningState": "Succeeded",
        },
        **extra,
    )


def sql_server(
    sub: str, rg: str, name: str, *, min_tls: str = "1.2", public: str = "Disabled", **extra: Any
) -> dict[str, Any]:
    return _row(
        sub,
        rg,
        "Microsoft.Sql/servers",
        name,
        kind="v12.0",
        properties={
            "version": "12.0",
            "state": "Ready",
            "minimalTlsVersion": min_tls,
            "publicNetworkAccess": public,
            "privateEndpointConnections": [],
        },
        **extra,
    )


def sql_database(
    sub: str,
    rg: str,
    server: str,
    name: str,
    *,
    zone_redundant: bool = True,
    backup: str = "Geo",
    **extra: Any,
) -> dict[str, Any]:
    return _row(
        sub,
        rg,
        "Microsoft.Sql/servers/databases",
        f"{server}/databases/{name}",
        kind="v12.0,user",
        sku={"name": "GP_Gen5", "tier": "GeneralPurpose", "capacity": 2},
        properties={
            "status": "Online",
            "zoneRedundant": zone_redundant,
            "requestedBackupStorageRedundancy": backup,
            "currentBackupStorageRedundancy": backup,
        },
        **extra,
    )


def cosmos(
    sub: str,
    rg: str,
    name: str,
    *,
    regions: tuple[tuple[str, bool], ...] = (("West Europe", True), ("North Europe", True)),
    failover: bool = True,
    backup: str = "Continuous",
    min_tls: str = "Tls12",
    public: str = "Disabled",
    **extra: Any,
) -> dict[str, Any]:
    locations = [
        {"locationName": loc, "failoverPriority": i, "isZoneRedundant": zr}
        for i, (loc, zr) in enumerate(regions)
    ]
    policy: dict[str, Any] = {"type": backup}
    if backup == "Periodic":
        policy["periodicModeProperties"] = {
            "backupIntervalInMinutes": 240,
            "backupRetentionIntervalInHours": 8,
            "backupStorageRedundancy": "Local",
        }
    return _row(
        sub,
        rg,
        "Microsoft.DocumentDB/databaseAccounts",
        name,
        kind="GlobalDocumentDB",
        properties={
            "databaseAccountOfferType": "Standard",
            "locations": locations,
            "enableAutomaticFailover": failover,
            "backupPolicy": policy,
            "minimalTlsVersion": min_tls,
            "publicNetworkAccess": public,
            "privateEndpointConnections": [],
        },
        **extra,
    )


def storage(
    sub: str,
    rg: str,
    name: str,
    *,
    sku: str = "Standard_GZRS",
    https_only: bool = True,
    min_tls: str = "TLS1_2",
    public: str = "Disabled",
    private_endpoint: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    connections = (
        [{"properties": {"privateLinkServiceConnectionState": {"status": "Approved"}}}]
        if private_endpoint
        else []
    )
    return _row(
        sub,
        rg,
        "Microsoft.Storage/storageAccounts",
        name,
        kind="StorageV2",
        sku={"name": sku, "tier": sku.split("_")[0]},
        properties={
            "supportsHttpsTrafficOnly": https_only,
            "minimumTlsVersion": min_tls,
            "publicNetworkAccess": public,
            "privateEndpointConnections": connections,
            "accessTier": "Hot",
        },
        **extra,
    )


def key_vault(
    sub: str,
    rg: str,
    name: str,
    *,
    soft_delete: bool = True,
    purge_protection: bool = True,
    public: str = "Disabled",
    **extra: Any,
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "tenantId": "00000000-0000-0000-0000-000000000000",
        "sku": {"family": "A", "name": "standard"},
        "enableSoftDelete": soft_delete,
        "softDeleteRetentionInDays": 90,
        "publicNetworkAccess": public,
        "enableRbacAuthorization": True,
    }
    if purge_protection:
        props["enablePurgeProtection"] = True
    return _row(sub, rg, "Microsoft.KeyVault/vaults", name, properties=props, **extra)


def app_insights(
    sub: str, rg: str, name: str, *, workspace: str | None = None, **extra: Any
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "ApplicationId": name,
        "Application_Type": "web",
        "Flow_Type": "Bluefield",
        "Request_Source": "rest",
        "IngestionMode": "ApplicationInsights",
    }
    if workspace:
        props.update({"WorkspaceResourceId": workspace, "IngestionMode": "LogAnalytics"})
    return _row(
        sub, rg, "Microsoft.Insights/components", name, kind="web", properties=props, **extra
    )


def web_test(
    sub: str, rg: str, name: str, component_id: str, *, locations: int = 5, enabled: bool = True
) -> dict[str, Any]:
    ids = [
        "emea-nl-ams-azr",
        "emea-gb-db3-azr",
        "us-va-ash-azr",
        "apac-sg-sin-azr",
        "emea-fr-pra-edge",
    ]
    return _row(
        sub,
        rg,
        "Microsoft.Insights/webtests",
        name,
        kind="standard",
        tags={f"hidden-link:{component_id}": "Resource"},
        properties={
            "SyntheticMonitorId": name,
            "Name": name,
            "Enabled": enabled,
            "Frequency": 300,
            "Timeout": 120,
            "Kind": "standard",
            "Locations": [{"Id": i} for i in ids[:locations]],
        },
    )


def action_group(
    sub: str, rg: str, name: str, *, emails: int = 1, enabled: bool = True
) -> dict[str, Any]:
    return _row(
        sub,
        rg,
        "Microsoft.Insights/actionGroups",
        name,
        location="Global",
        properties={
            "groupShortName": name[:12],
            "enabled": enabled,
            "emailReceivers": [
                {
                    "name": f"oncall{i}",
                    "emailAddress": f"oncall{i}@example.com",
                    "useCommonAlertSchema": True,
                    "status": "Enabled",
                }
                for i in range(emails)
            ],
            "smsReceivers": [],
            "webhookReceivers": [],
            "azureAppPushReceivers": [],
        },
    )


def metric_alert(
    sub: str,
    rg: str,
    name: str,
    scopes: list[str],
    action_groups: list[str],
    *,
    enabled: bool = True,
) -> dict[str, Any]:
    return _row(
        sub,
        rg,
        "Microsoft.Insights/metricAlerts",
        name,
        location="global",
        properties={
            "severity": 2,
            "enabled": enabled,
            "scopes": scopes,
            "evaluationFrequency": "PT1M",
            "windowSize": "PT5M",
            "criteria": {
                "odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                "allOf": [
                    {
                        "name": "c1",
                        "metricName": "Http5xx",
                        "operator": "GreaterThan",
                        "threshold": 10,
                        "timeAggregation": "Total",
                    }
                ],
            },
            "actions": [{"actionGroupId": g, "webHookProperties": {}} for g in action_groups],
        },
    )


def scheduled_query_rule(
    sub: str,
    rg: str,
    name: str,
    scopes: list[str],
    action_groups: list[str],
    *,
    enabled: bool = True,
) -> dict[str, Any]:
    return _row(
        sub,
        rg,
        "Microsoft.Insights/scheduledQueryRules",
        name,
        kind="LogAlert",
        properties={
            "severity": 2,
            "enabled": enabled,
            "scopes": scopes,
            "evaluationFrequency": "PT5M",
            "windowSize": "PT5M",
            "criteria": {
                "allOf": [
                    {
                        "query": "requests | where success == false",
                        "timeAggregation": "Count",
                        "operator": "GreaterThan",
                        "threshold": 5,
                    }
                ]
            },
            "actions": {"actionGroups": action_groups},
        },
    )


def service_health_alert(
    sub: str,
    rg: str,
    name: str,
    action_groups: list[str],
    *,
    category: str = "ServiceHealth",
    enabled: bool = True,
) -> dict[str, Any]:
    return _row(
        sub,
        rg,
        "Microsoft.Insights/activityLogAlerts",
        name,
        location="Global",
        properties={
            "scopes": [f"/subscriptions/{sub}"],
            "enabled": enabled,
            "condition": {"allOf": [{"field": "category", "equals": category}]},
            "actions": {"actionGroups": [{"actionGroupId": g} for g in action_groups]},
        },
    )


def diagnostic_setting(
    resource_id: str, workspace: str | None, *, logs: bool = True
) -> dict[str, Any]:
    return {
        "id": f"{resource_id}/providers/microsoft.insights/diagnosticSettings/to-workspace",
        "name": "to-workspace",
        "type": "Microsoft.Insights/diagnosticSettings",
        "properties": {
            "workspaceId": workspace,
            "logAnalyticsDestinationType": "Dedicated",
            "logs": [{"categoryGroup": "allLogs", "enabled": logs}],
            "metrics": [{"category": "AllMetrics", "enabled": True}],
        },
    }


def lock(
    sub: str, rg: str, name: str = "do-not-delete", level: str = "CanNotDelete"
) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{sub}/resourceGroups/{rg}"
        f"/providers/Microsoft.Authorization/locks/{name}",
        "name": name,
        "type": "Microsoft.Authorization/locks",
        "properties": {"level": level, "notes": "production"},
    }


def add_service(
    fake: FakeAzure,
    sub: str,
    rg: str,
    name: str,
    *,
    shared_rg: str = "monitoring",
    requests: tuple[int, int, float] = (100_000, 99_950, 180.0),
) -> dict[str, str]:
    """A service whose every Azure fact holds: ten resources, alerts, locks, diagnostics, SLIs."""
    workspace = WORKSPACE.format(sub=sub, rg=shared_rg, name="logs")
    plan = app_service_plan(sub, rg, f"{name}-plan")
    site = web_app(sub, rg, name, plan["id"])
    cluster = aks(sub, rg, f"{name}-aks")
    server = sql_server(sub, rg, f"{name}-sql")
    db = sql_database(sub, rg, f"{name}-sql", "orders")
    account = cosmos(sub, rg, f"{name}-cosmos")
    blob = storage(sub, rg, f"{name}st"[:24])
    vault = key_vault(sub, rg, f"{name}-kv"[:24])
    component = app_insights(sub, rg, f"{name}-ai", workspace=workspace)
    test = web_test(sub, rg, f"{name}-ping", component["id"])
    group = action_group(sub, shared_rg, "oncall")
    alert = metric_alert(
        sub, rg, f"{name}-5xx", [f"/subscriptions/{sub}/resourceGroups/{rg}"], [group["id"]]
    )
    health = service_health_alert(sub, shared_rg, "service-health", [group["id"]])
    fake.add(
        plan, site, cluster, server, db, account, blob, vault, component, test, group, alert, health
    )
    for row in (site, cluster, db, account, blob, vault):
        fake.diagnose(row["id"], workspace)
    fake.lock(sub, rg, lock(sub, rg))
    fake.requests_data(component["id"], *requests)
    return {
        "workspace": workspace,
        "component": component["id"],
        "site": site["id"],
        "plan": plan["id"],
        "aks": cluster["id"],
        "sql": server["id"],
        "db": db["id"],
        "cosmos": account["id"],
        "storage": blob["id"],
        "vault": vault["id"],
        "action_group": group["id"],
        "alert": alert["id"],
    }


# --- the fake ----------------------------------------------------------------------------------


class FakeAzure:
    """The estate the fake serves, its faults, and what it was asked."""

    def __init__(
        self, *, latency: float = 0.0, page_size: int = 1000, lock_page_size: int = 50
    ) -> None:
        self.latency = latency
        self.page_size = page_size
        self.lock_page_size = lock_page_size
        self.resources: dict[str, dict[str, Any]] = {}  # lower id -> row
        self.groups: dict[tuple[str, str], dict[str, str]] = {}  # (sub, rg) -> tags
        self.subscriptions: set[str] = set()
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self.locks: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.logs: dict[str, tuple[int, int, float | None]] = {}  # source -> total, ok, p95
        self.forbidden: set[str] = set()  # lower path prefixes answering 403 (ARM GETs, logs)
        self.hidden_subscriptions: set[str] = set()  # Resource Graph leaves them out
        self.graph_forbidden = False
        self.failing_subscriptions: set[str] = set()  # Resource Graph 500s when they are asked
        self.throttle: Counter[str] = Counter()  # kind -> 429s still to send
        self.errors: Counter[str] = Counter()  # kind -> 503s still to send
        self.batch_accepted = 0  # /batch calls still to answer 202 + Location
        self.retry_after = "1"
        self.calls: Counter[str] = Counter()
        self.queries: list[str] = []
        self.log_queries: list[tuple[str, str]] = []
        self.tokens: set[str] = set()
        self._results: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.url = ""

    # --- arranging the estate ---

    def add(self, *rows: dict[str, Any]) -> None:
        for row in rows:
            self.resources[row["id"].lower()] = row
            sub, rg = row["subscriptionId"], row["resourceGroup"]
            self.subscriptions.add(sub.lower())
            self.groups.setdefault((sub.lower(), rg.lower()), {})

    def add_group(self, sub: str, rg: str, tags: dict[str, str] | None = None) -> None:
        self.subscriptions.add(sub.lower())
        self.groups[(sub.lower(), rg.lower())] = tags or {}

    def diagnose(self, resource_id: str, workspace: str | None, *, logs: bool = True) -> None:
        target = resource_id
        if "/microsoft.storage/storageaccounts/" in resource_id.lower():
            target = f"{resource_id}/blobServices/default"
        self.diagnostics[target.lower()] = [diagnostic_setting(target, workspace, logs=logs)]

    def lock(self, sub: str, rg: str, *locks: dict[str, Any]) -> None:
        self.locks[(sub.lower(), rg.lower())] = list(locks)

    def requests_data(self, source: str, total: int, successful: int, p95_ms: float | None) -> None:
        self.logs[source.lower()] = (total, successful, p95_ms)

    def settings(self, **overrides: Any) -> AzureSettings:
        values: dict[str, Any] = {
            "resource_manager": self.url,
            "logs": self.url,
            "retry_backoff": 0.01,
        }
        values.update(overrides)
        return AzureSettings(**values)

    # --- answering ---

    def handle(
        self, method: str, raw_path: str, body: Any, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        if self.latency:
            time.sleep(self.latency)
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return (
                401,
                {"WWW-Authenticate": 'Bearer authorization_uri="https://login.example"'},
                {"error": {"code": "AuthenticationFailed", "message": "Authentication failed."}},
            )
        with self._lock:
            self.tokens.add(auth[7:])
        url = urlparse(raw_path)
        path = url.path
        kind = self._kind(method, path)
        with self._lock:
            self.calls[kind] += 1
            if self.throttle[kind] > 0:
                self.throttle[kind] -= 1
                return (
                    429,
                    {"Retry-After": self.retry_after},
                    {"error": {"code": "TooManyRequests", "message": "Rate limit exceeded."}},
                )
            if self.errors[kind] > 0:
                self.errors[kind] -= 1
                return 503, {}, {"error": {"code": "ServiceUnavailable", "message": "Try again."}}
        if kind == "resource-graph":
            return self._graph(body)
        if kind == "arm-batch":
            return self._batch(body)
        if kind == "log-analytics":
            return self._logs(path, body)
        if path.startswith("/batchResults/"):
            return 200, {}, self._results.pop(path, {"responses": []})
        status, extra, content = self.arm_get(path, parse_qs(url.query))
        return status, extra, content

    @staticmethod
    def _kind(method: str, path: str) -> str:
        lower = path.lower()
        if "microsoft.resourcegraph/resources" in lower:
            return "resource-graph"
        if lower.rstrip("/") == "/batch":
            return "arm-batch"
        if lower.startswith("/v1/"):
            return "log-analytics"
        return "arm"

    # Resource Graph

    def _graph(self, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        if self.graph_forbidden:
            return (
                403,
                {},
                {
                    "error": {
                        "code": "AuthorizationFailed",
                        "message": "The client does not have authorization to perform action "
                        "'Microsoft.ResourceGraph/resources/read'.",
                    }
                },
            )
        query = body.get("query", "")
        subs = [s.lower() for s in body.get("subscriptions") or []]
        if any(s in self.failing_subscriptions for s in subs) or (
            not subs and self.failing_subscriptions
        ):
            return (
                500,
                {},
                {"error": {"code": "InternalServerError", "message": "Something failed."}},
            )
        with self._lock:
            self.queries.append(query)
        visible = (set(subs) if subs else set(self.subscriptions)) - self.hidden_subscriptions
        if query.startswith("resourcecontainers"):
            rows = [
                {
                    "id": f"/subscriptions/{s}",
                    "type": "microsoft.resources/subscriptions",
                    "subscriptionId": s,
                    "resourceGroup": "",
                    "tags": {},
                }
                for s in sorted(visible)
                if s in self.subscriptions
            ]
            rows += [
                {
                    "id": f"/subscriptions/{s}/resourceGroups/{g}",
                    "type": "microsoft.resources/subscriptions/resourcegroups",
                    "subscriptionId": s,
                    "resourceGroup": g,
                    "tags": t,
                }
                for (s, g), t in sorted(self.groups.items())
                if s in visible
            ]
        else:
            try:
                match = _where(query)
            except ValueError as exc:
                return 400, {}, {"error": {"code": "BadRequest", "message": str(exc)}}
            rows = [
                self._public(r)
                for _, r in sorted(self.resources.items())
                if r["subscriptionId"].lower() in visible and match(r)
            ]
        options = body.get("options") or {}
        top = min(int(options.get("$top") or 1000), self.page_size)
        start = (
            int(base64.b64decode(options["$skipToken"]).decode())
            if options.get("$skipToken")
            else 0
        )
        page = rows[start : start + top]
        payload: dict[str, Any] = {
            "totalRecords": len(rows),
            "count": len(page),
            "resultTruncated": "false",
            "data": page,
            "facets": [],
        }
        if start + top < len(rows):
            payload["$skipToken"] = base64.b64encode(str(start + top).encode()).decode()
        return 200, {}, payload

    @staticmethod
    def _public(row: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in row.items() if not k.startswith("_")}

    # ARM

    def _batch(self, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        requests = body.get("requests") or []
        if len(requests) > 20:
            return (
                400,
                {},
                {"error": {"code": "BatchRequestTooLarge", "message": "At most 20 requests."}},
            )
        responses = []
        for item in requests:
            url = urlparse(item["url"])
            with self._lock:
                self.calls["arm-inner"] += 1
                throttled = self.throttle["arm-inner"] > 0
                if throttled:
                    self.throttle["arm-inner"] -= 1
            if throttled:
                status, headers, content = (
                    429,
                    {"Retry-After": self.retry_after},
                    {"error": {"code": "TooManyRequests", "message": "Rate limit exceeded."}},
                )
            else:
                status, headers, content = self.arm_get(url.path, parse_qs(url.query))
            responses.append(
                {
                    "name": item.get("name"),
                    "httpStatusCode": status,
                    "headers": headers,
                    "content": content,
                    "contentLength": len(json.dumps(content)),
                }
            )
        with self._lock:
            if self.batch_accepted > 0:
                self.batch_accepted -= 1
                location = f"/batchResults/{uuid.uuid4().hex}"
                self._results[location] = {"responses": responses}
                return (
                    202,
                    {
                        "Location": f"{self.url}{location}?api-version=2020-06-01",
                        "Retry-After": "0",
                    },
                    None,
                )
        return 200, {}, {"responses": responses}

    def arm_get(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], Any]:
        lower = path.lower()
        if any(lower.startswith(p) for p in self.forbidden):
            return (
                403,
                {},
                {
                    "error": {
                        "code": "AuthorizationFailed",
                        "message": f"The client does not have authorization over scope '{path}'.",
                    }
                },
            )
        if lower.endswith("/providers/microsoft.insights/diagnosticsettings"):
            target = lower[: -len("/providers/microsoft.insights/diagnosticsettings")]
            owner = target.removesuffix("/blobservices/default")
            if owner not in self.resources:
                return 404, {}, _not_found(path)
            return 200, {}, {"value": self.diagnostics.get(target, [])}
        if lower.endswith("/config/web"):
            site = self.resources.get(lower[: -len("/config/web")])
            if site is None:
                return 404, {}, _not_found(path)
            return (
                200,
                {},
                {
                    "id": path,
                    "name": "web",
                    "type": "Microsoft.Web/sites/config",
                    "properties": site.get("_config", {}),
                },
            )
        m = re.match(
            r"^/subscriptions/([^/]+)/resourcegroups/([^/]+)/providers/microsoft\.authorization/locks$",
            lower,
        )
        if m:
            if (m[1], m[2]) not in self.groups:
                return (
                    404,
                    {},
                    {"error": {"code": "ResourceGroupNotFound", "message": "Not found."}},
                )
            locks = self.locks.get((m[1], m[2]), [])
            start = int(query.get("$skiptoken", ["0"])[0])
            page = locks[start : start + self.lock_page_size]
            payload: dict[str, Any] = {"value": page}
            if start + self.lock_page_size < len(locks):
                payload["nextLink"] = (
                    f"{self.url}{path}?api-version=2016-09-01"
                    f"&$skiptoken={start + self.lock_page_size}"
                )
            return 200, {}, payload
        row = self.resources.get(lower)
        if row is None:
            return 404, {}, _not_found(path)
        return 200, {}, self._public(row)

    # Log Analytics

    def _logs(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        source = path[len("/v1") :].removesuffix("/query")
        if source.startswith("/workspaces/"):
            source = source[len("/workspaces/") :]
        query = body.get("query", "")
        with self._lock:
            self.log_queries.append((source, query))
        if any(source.lower().startswith(p) for p in self.forbidden):
            return (
                403,
                {},
                {
                    "error": {
                        "code": "InsufficientAccessError",
                        "message": "The provided credentials have insufficient access to perform "
                        "the requested operation",
                    }
                },
            )
        if "summarize" not in query or not re.match(r"^\s*(requests|AppRequests)\b", query):
            return (
                400,
                {},
                {
                    "error": {
                        "code": "BadArgumentError",
                        "message": "The request had some invalid properties",
                    }
                },
            )
        total, ok, p95 = self.logs.get(source.lower(), (0, 0, None))
        return (
            200,
            {},
            {
                "tables": [
                    {
                        "name": "PrimaryResult",
                        "columns": [
                            {"name": "total", "type": "long"},
                            {"name": "successful", "type": "long"},
                            {"name": "p95_ms", "type": "real"},
                        ],
                        "rows": [[total, ok, p95]],
                    }
                ]
            },
        )


def _not_found(path: str) -> dict[str, Any]:
    return {
        "error": {"code": "ResourceNotFound", "message": f"The Resource '{path}' was not found."}
    }


_CLAUSES = (
    (re.compile(r"^type in~ \((.*)\)$"), lambda vals, r: r["type"].lower() in vals),
    (
        re.compile(r"^subscriptionId in~ \((.*)\)$"),
        lambda vals, r: r["subscriptionId"].lower() in vals,
    ),
    (re.compile(r"^id in~ \((.*)\)$"), lambda vals, r: r["id"].lower() in vals),
)
_RG = re.compile(r"^\(subscriptionId =~ '([^']*)' and resourceGroup in~ \((.*)\)\)$")
_TAG = re.compile(r"^tostring\(tags\['([^']*)'\]\) in~ \((.*)\)$")


def _values(text: str) -> set[str]:
    return {v.lower() for v in re.findall(r"'((?:[^'\\]|\\.)*)'", text)}


def _where(query: str) -> Any:
    """A predicate for the ``where`` clause the inventory writes; ValueError for anything else."""
    m = re.match(r"^resources\n\| where (.*)\n\| project [^\n]+$", query, re.S)
    if not m:
        raise ValueError("unsupported query shape")
    tests = []
    for clause in m[1].split("\n    or "):
        for pattern, test in _CLAUSES:
            if (found := pattern.match(clause)) is not None:
                vals = _values(found[1])
                tests.append(lambda r, vals=vals, test=test: test(vals, r))
                break
        else:
            if (found := _RG.match(clause)) is not None:
                sub, rgs = found[1].lower(), _values(found[2])
                tests.append(
                    lambda r, sub=sub, rgs=rgs: (
                        r["subscriptionId"].lower() == sub and r["resourceGroup"].lower() in rgs
                    )
                )
            elif (found := _TAG.match(clause)) is not None:
                key, vals = found[1].lower(), _values(found[2])
                tests.append(
                    lambda r, key=key, vals=vals: any(
                        k.lower() == key and str(v).lower() in vals
                        for k, v in (r.get("tags") or {}).items()
                    )
                )
            else:
                raise ValueError(f"unsupported clause: {clause[:80]}")
    return lambda row: any(t(row) for t in tests)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeAzure

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else {}
        if self.path == "/ready":
            status, headers, content = 200, {}, {"ok": True}
        else:
            headers_in = {k.lower(): v for k, v in self.headers.items()}
            status, headers, content = self.fake.handle(method, self.path, body, headers_in)
        data = b"" if content is None else json.dumps(content).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-ms-request-id", uuid.uuid4().hex)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")


@contextmanager
def serve(fake: FakeAzure | None = None) -> Iterator[FakeAzure]:
    """Run ``fake`` on a free loopback port until the block ends; ``fake.url`` is its base URL."""
    fake = fake or FakeAzure()
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.request_queue_size = 128
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-azure", daemon=True
    )
    thread.start()
    _wait_until_ready(fake.url)
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def _wait_until_ready(url: str, timeout: float = 5.0) -> None:
    import http.client

    host, port = urlparse(url).hostname, urlparse(url).port
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = http.client.HTTPConnection(host or "127.0.0.1", port, timeout=1)
            conn.request("GET", "/ready")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)
