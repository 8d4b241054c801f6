"""The shared reader of one Azure estate: credential, SDK clients, retries and call accounting.

One ``Estate`` serves every service of a catalog, so the inventory (``scanner.azure.inventory``)
is read once for all of them. The clients are the real SDK clients: Resource Graph
(azure-mgmt-resourcegraph), a plain ARM pipeline for ``/batch`` and raw GETs, and
``LogsQueryClient`` (azure-monitor-query). All retry 429 (honouring ``Retry-After``) and 5xx
with exponential back-off, POST queries included: every request we send only reads.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from azure.core.pipeline import policies
from azure.core.pipeline.policies import RetryPolicy
from azure.mgmt.core import ARMPipelineClient
from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

from scanner.azure.settings import AzureScope, AzureServiceConfig, AzureSettings
from scanner.meter import count_call

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.mgmt.resourcegraph import ResourceGraphClient
    from azure.monitor.query import LogsQueryClient

    from scanner.azure.inventory import Inventory

USER_AGENT = "fundamentals-scanner"


class _ReadOnlyRetry(RetryPolicy):
    """Retry POSTs like GETs: Resource Graph, ``/batch`` and log queries only read."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._method_whitelist = frozenset({*self._method_whitelist, "POST"})


class Estate:
    """Clients and caches shared by all Azure scopes of one catalog. Thread-safe."""

    def __init__(
        self,
        settings: AzureSettings | None = None,
        *,
        credential: TokenCredential | None = None,
    ) -> None:
        self.settings = settings or AzureSettings()
        self.endpoints = self.settings.endpoints
        self._credential = credential
        self.scopes: list[AzureScope] = []
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._clients: dict[str, Any] = {}
        self._inventory: Inventory | None = None

    # --- scopes -----------------------------------------------------------------------------

    def scope(self, service: str, config: AzureServiceConfig) -> AzureScope:
        """A service's scope, registered so the shared inventory query covers it."""
        return self.register(AzureScope.from_config(service, config))

    def register(self, scope: AzureScope) -> AzureScope:
        scope = replace(scope, estate=self)
        with self._lock:
            self.scopes.append(scope)
        return scope

    @property
    def inventory(self) -> Inventory:
        from scanner.azure.inventory import Inventory

        with self._lock:
            if self._inventory is None:
                self._inventory = Inventory(self)
            return self._inventory

    # --- accounting -------------------------------------------------------------------------

    def count(self, what: str, n: int = 1) -> None:
        with self._lock:
            self.calls[what] += n
        # And in the scan's per-service accounting (service_scan.api_calls), by API.
        count_call(f"azure:{what}", calls=n)

    def _on_response(self, response: Any) -> None:
        status = response.http_response.status_code
        path = urlparse(response.http_request.url).path.lower()
        if "microsoft.resourcegraph" in path:
            kind = "resource-graph"
        elif path.rstrip("/").endswith("/batch"):
            kind = "arm-batch"
        elif path.startswith("/v1/"):
            kind = "log-analytics"
        else:
            kind = "arm"
        self.count(kind)
        if status == 429:
            self.count("throttled")
        elif status >= 500:
            self.count("server-errors")

    # --- clients ----------------------------------------------------------------------------

    @property
    def credential(self) -> TokenCredential:
        with self._lock:
            if self._credential is None:
                from azure.identity import DefaultAzureCredential

                self._credential = DefaultAzureCredential(authority=self.endpoints.authority)
            return self._credential

    def call_options(self, endpoint: str) -> dict[str, Any]:
        """Per-call options: bearer tokens over http only for the loopback endpoints allowed."""
        return {"enforce_https": False} if endpoint.startswith("http://") else {}

    def _retry(self) -> _ReadOnlyRetry:
        return _ReadOnlyRetry(
            retry_total=self.settings.retry_total,
            retry_backoff_factor=self.settings.retry_backoff,
            retry_backoff_max=max(self.settings.retry_backoff * 8, 1.0),
        )

    def _client(self, name: str, make: Any) -> Any:
        with self._lock:
            client = self._clients.get(name)
        if client is None:
            made = make()
            with self._lock:
                client = self._clients.setdefault(name, made)
        return client

    @property
    def graph(self) -> ResourceGraphClient:
        def make() -> ResourceGraphClient:
            from azure.mgmt.resourcegraph import ResourceGraphClient

            return ResourceGraphClient(
                self.credential,
                base_url=self.endpoints.resource_manager,
                credential_scopes=[self.endpoints.arm_audience + "/.default"],
                retry_policy=self._retry(),
                raw_response_hook=self._on_response,
                user_agent=USER_AGENT,
                connection_pool_maxsize=self.settings.concurrency * 2,
            )

        client: ResourceGraphClient = self._client("graph", make)
        return client

    @property
    def arm(self) -> ARMPipelineClient:
        """A bare ARM pipeline for ``/batch`` and the GETs no management package wraps."""

        def make() -> ARMPipelineClient:
            return ARMPipelineClient(
                base_url=self.endpoints.resource_manager,
                policies=[
                    policies.RequestIdPolicy(),
                    policies.HeadersPolicy(),
                    policies.UserAgentPolicy(USER_AGENT),
                    self._retry(),
                    ARMChallengeAuthenticationPolicy(
                        self.credential, self.endpoints.arm_audience + "/.default"
                    ),
                    policies.CustomHookPolicy(raw_response_hook=self._on_response),
                    policies.NetworkTraceLoggingPolicy(),
                ],
            )

        client: ARMPipelineClient = self._client("arm", make)
        return client

    @property
    def logs(self) -> LogsQueryClient:
        def make() -> LogsQueryClient:
            from azure.monitor.query import LogsQueryClient

            return LogsQueryClient(
                self.credential,
                endpoint=self.endpoints.logs,
                audience=self.endpoints.logs_audience,
                retry_policy=self._retry(),
                raw_response_hook=self._on_response,
                user_agent=USER_AGENT,
            )

        client: LogsQueryClient = self._client("logs", make)
        return client
