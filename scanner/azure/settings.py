"""What the configuration says about Azure: the cloud's endpoints, and each service's scope.

``[azure]`` at the top level names the cloud (or explicit endpoints — how tests point the real SDK
clients at a fake server, keeping the real token audience). A service's ``azure`` table names its
subscriptions, resource groups or tag selector, its monitoring resources, its SLO targets and,
optionally, its own KQL for the SLIs.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

if TYPE_CHECKING:
    from scanner.azure.estate import Estate


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Cloud:
    """A sovereign cloud: where its APIs are, and the audiences its tokens are issued for."""

    resource_manager: str
    logs: str
    authority: str
    arm_audience: str
    logs_audience: str


CLOUDS = {
    "public": Cloud(
        "https://management.azure.com",
        "https://api.loganalytics.io",
        "login.microsoftonline.com",
        "https://management.azure.com",
        "https://api.loganalytics.io",
    ),
    "usgov": Cloud(
        "https://management.usgovcloudapi.net",
        "https://api.loganalytics.us",
        "login.microsoftonline.us",
        "https://management.usgovcloudapi.net",
        "https://api.loganalytics.us",
    ),
    "china": Cloud(
        "https://management.chinacloudapi.cn",
        "https://api.loganalytics.azure.cn",
        "login.chinacloudapi.cn",
        "https://management.chinacloudapi.cn",
        "https://api.loganalytics.azure.cn",
    ),
}

# The SLI queries. They run over the last 28 days (the client passes the timespan) and must
# return one row with the columns total (long), successful (long) and p95_ms (real).
# {service} is replaced by the service's name as a KQL string literal.
APP_INSIGHTS_QUERY = (
    "requests\n"
    "| summarize total = count(), successful = countif(success == true),"
    " p95_ms = percentile(duration, 95)"
)
WORKSPACE_QUERY = (
    "AppRequests\n"
    "| where AppRoleName =~ {service}\n"
    "| summarize total = count(), successful = countif(Success == true),"
    " p95_ms = percentile(DurationMs, 95)"
)
SLI_DAYS = 28


class AzureSettings(_Strict):
    """The top-level ``[azure]`` table."""

    cloud: Literal["public", "usgov", "china"] = "public"
    resource_manager: str | None = None  # overrides the cloud's endpoint; audience unchanged
    logs: str | None = None
    authority: str | None = None
    retry_total: int = Field(default=4, ge=0, le=10)
    retry_backoff: float = Field(default=0.8, ge=0, le=60)
    concurrency: int = Field(default=8, ge=1, le=64)
    # Evidence of an unchanged inventory is reused for at most this many days, because
    # diagnostic settings, locks and site configuration are not part of the inventory.
    refresh_days: int = Field(default=7, ge=1, le=365)

    @field_validator("resource_manager", "logs")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is None:
            return None
        url = urlparse(value)
        if url.scheme == "http" and not _is_loopback(url.hostname or ""):
            raise ValueError("plain http is allowed for loopback test servers only")
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @property
    def endpoints(self) -> Cloud:
        base = CLOUDS[self.cloud]
        return Cloud(
            resource_manager=self.resource_manager or base.resource_manager,
            logs=self.logs or base.logs,
            authority=self.authority or base.authority,
            arm_audience=base.arm_audience,
            logs_audience=base.logs_audience,
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SloTargets(_Strict):
    availability: float | None = Field(default=None, gt=0, lt=100)  # percent, e.g. 99.9
    latency_p95_ms: float | None = Field(default=None, gt=0)


class SliQueries(_Strict):
    """KQL overriding the default SLI query (same output columns)."""

    application_insights: str | None = None
    workspace: str | None = None


class AzureServiceConfig(_Strict):
    """A service's ``azure`` table."""

    subscriptions: list[str] = Field(default_factory=list)
    resource_groups: list[str] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)
    production_resource_groups: list[str] | None = None
    log_analytics_workspace: str | None = None
    application_insights: str | None = None
    slo: SloTargets = Field(default_factory=SloTargets)
    queries: SliQueries = Field(default_factory=SliQueries)

    @model_validator(mode="after")
    def _scoped(self) -> AzureServiceConfig:
        if not self.subscriptions and not self.tags:
            raise ValueError("name subscriptions, or a tag selector (tags = { service = ... })")
        if self.resource_groups and not self.subscriptions:
            raise ValueError("resource_groups need the subscriptions they are in")
        return self


@dataclass(frozen=True)
class AzureScope:
    """One service's part of the estate: what its targets point at.

    ``estate`` is the shared reader (clients, inventory cache) all scopes of a catalog use.
    """

    service: str
    subscriptions: tuple[str, ...] = ()
    resource_groups: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    production_resource_groups: tuple[str, ...] | None = None
    log_analytics_workspace: str | None = None
    application_insights: str | None = None
    slo: SloTargets = field(default_factory=SloTargets)
    queries: SliQueries = field(default_factory=SliQueries)
    estate: Estate | None = field(default=None, compare=False, repr=False, hash=False)

    @property
    def location(self) -> str:
        """A stable name for the scope, used as the target's location."""
        subs = ",".join(sorted(s.lower() for s in self.subscriptions)) or "*"
        parts = [subs]
        if self.resource_groups:
            parts.append("rg:" + ",".join(sorted(r.lower() for r in self.resource_groups)))
        if self.tags:
            parts.append("tag:" + ",".join(f"{k}={v}" for k, v in sorted(self.tags)))
        return "/".join(parts)

    @classmethod
    def from_config(cls, service: str, config: AzureServiceConfig) -> AzureScope:
        return cls(
            service=service,
            subscriptions=tuple(config.subscriptions),
            resource_groups=tuple(config.resource_groups),
            tags=tuple(sorted(config.tags.items())),
            production_resource_groups=(
                tuple(config.production_resource_groups)
                if config.production_resource_groups is not None
                else None
            ),
            log_analytics_workspace=config.log_analytics_workspace,
            application_insights=config.application_insights,
            slo=config.slo,
            queries=config.queries,
        )


# Catalog sources (Backstage annotations, ``sources`` in config) that describe an Azure scope.
AZURE_SOURCE_KINDS = frozenset({"azure", "azure_tag", "log_analytics", "app_insights"})


def config_from_sources(sources: Iterable[tuple[str, str]]) -> AzureServiceConfig | None:
    """The ``azure`` table equivalent of a service's Azure catalog sources, or None if none.

    ``azure`` sources are ARM scope paths (``/subscriptions/<id>[/resourceGroups/<name>]``),
    ``azure_tag`` a ``key=value`` selector, ``log_analytics`` / ``app_insights`` resource ids.
    """
    subscriptions: list[str] = []
    groups: list[str] = []
    tags: dict[str, str] = {}
    monitoring: dict[str, str] = {}
    for kind, value in sources:
        if kind == "azure":
            parts = value.strip("/").split("/")
            if len(parts) >= 2 and parts[0].lower() == "subscriptions":
                subscriptions.append(parts[1])
            if len(parts) >= 4 and parts[2].lower() == "resourcegroups":
                groups.append(parts[3])
        elif kind == "azure_tag" and "=" in value:
            key, _, wanted = value.partition("=")
            tags[key.strip()] = wanted.strip()
        elif kind in ("log_analytics", "app_insights"):
            monitoring[kind] = value
    if not subscriptions and not tags:
        return None
    return AzureServiceConfig(
        subscriptions=list(dict.fromkeys(subscriptions)),
        resource_groups=list(dict.fromkeys(groups)),
        tags=tags,
        log_analytics_workspace=monitoring.get("log_analytics"),
        application_insights=monitoring.get("app_insights"),
    )
