"""The estate's inventory from Azure Resource Graph: one paged query for every service's resources.

The first scope that asks fills the cache for every scope registered with the estate, so a
nightly scan of a thousand services spends a handful of paged queries rather than one ARM call
per resource group. The ``where`` clause covers the union of the catalog's resource groups, tag
selectors and monitoring resources; resources are then attributed to services locally. When the
union is too long for one query it is split into several, each still paged.

Resource Graph leaves out subscriptions the caller cannot read instead of failing, so a second,
small query over ``resourcecontainers`` says which subscriptions and resource groups were
visible: a scope whose subscription or resource group was not is *unreadable* (its facts become
unknown, naming the Reader role), never empty. A query that fails after retries is run again
per subscription, so one failing subscription does not stop the others.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from azure.core.exceptions import AzureError, ClientAuthenticationError, HttpResponseError
from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

if TYPE_CHECKING:
    from scanner.azure.estate import Estate
    from scanner.azure.settings import AzureScope

log = logging.getLogger(__name__)

PAGE_SIZE = 1000  # Resource Graph's largest page
MAX_SUBSCRIPTIONS = 1000  # per request
MAX_QUERY_CHARS = 12_000  # keep each query well inside Resource Graph's request limits
CHUNK = 200  # values per `in~` list

# Monitoring resources are read subscription-wide: alert rules, action groups and web tests often
# live in a shared resource group, and they are attributed by what they point at.
MONITORING_TYPES = (
    "microsoft.insights/metricalerts",
    "microsoft.insights/scheduledqueryrules",
    "microsoft.insights/activitylogalerts",
    "microsoft.insights/actiongroups",
    "microsoft.insights/webtests",
    "microsoft.insights/components",
)
COLUMNS = (
    "id, name, type, kind, location, resourceGroup, subscriptionId, tags, sku, zones, properties"
)
CONTAINERS_QUERY = (
    "resourcecontainers\n"
    "| where type in~ ('microsoft.resources/subscriptions',"
    " 'microsoft.resources/subscriptions/resourcegroups')\n"
    "| project id, type, subscriptionId, resourceGroup, tags"
)
READER = "the Reader role"


class ScopeUnreadable(Exception):
    """The scope's inventory could not be read; the message says why and which role is needed."""


class Inventory:
    """Resource Graph rows indexed for attribution. Fill with ``ensure``; thread-safe via it."""

    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        self.by_id: dict[str, dict[str, Any]] = {}
        self.by_rg: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self.by_sub: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.by_tag: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self.monitoring: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.visible_subs: set[str] = set()
        self.visible_rgs: set[tuple[str, str]] = set()
        self.rg_tags: dict[tuple[str, str], dict[str, str]] = {}
        self.failed: dict[str, str] = {}  # subscription (or "*") -> why
        self._covered: set[str] = set()
        self._containers_read = False
        self._fill_lock = threading.Lock()

    # --- reading ----------------------------------------------------------------------------

    def ensure(self, scope: AzureScope) -> None:
        """Make sure ``scope`` (and every other registered scope not yet read) is in the cache."""
        with self.estate._lock:
            if scope.location in self._covered:
                return
            pending = {s.location: s for s in self.estate.scopes if s.location not in self._covered}
            pending[scope.location] = scope
        # One reader at a time: a second thread waits, then finds its scope covered.
        with self._fill_lock:
            pending = {k: v for k, v in pending.items() if k not in self._covered}
            if not pending:
                return
            self._fill(list(pending.values()))
            self._covered.update(pending)

    def _fill(self, scopes: list[AzureScope]) -> None:
        listed = [s for s in scopes if s.subscriptions]
        subs = sorted({sub.lower() for s in listed for sub in s.subscriptions})
        if not self._containers_read or any(
            sub not in self.visible_subs and sub not in self.failed for sub in subs
        ):
            self._read_containers(subs, any(not s.subscriptions for s in scopes))
        for chunk in _chunks(subs, MAX_SUBSCRIPTIONS):
            for query in build_queries(listed):
                self._query_isolated(query, chunk)
        tag_only = [s for s in scopes if not s.subscriptions]
        if tag_only:
            for query in build_queries(tag_only):
                self._query_isolated(query, None)

    def _read_containers(self, subs: list[str], everywhere: bool) -> None:
        groups: list[list[str] | None] = list(_chunks(subs, MAX_SUBSCRIPTIONS))
        if everywhere:
            groups.append(None)
        for group in groups:
            self._isolated(CONTAINERS_QUERY, group, self._add_containers, "list resource groups")
        self._containers_read = True

    def _add_containers(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            sub = str(row.get("subscriptionId", "")).lower()
            if str(row.get("type", "")).lower() == "microsoft.resources/subscriptions":
                self.visible_subs.add(sub)
            else:
                key = (sub, str(row.get("resourceGroup", "")).lower())
                self.visible_rgs.add(key)
                self.rg_tags[key] = dict(row.get("tags") or {})

    def _query_isolated(self, query: str, subs: list[str] | None) -> None:
        self._isolated(query, subs, self._add, "query Resource Graph")

    def _isolated(
        self,
        query: str,
        subs: list[str] | None,
        add: Callable[[Iterable[dict[str, Any]]], None],
        doing: str,
    ) -> None:
        """Run one query; if it fails, run it per subscription so the others still succeed."""
        readable = None if subs is None else [s for s in subs if s not in self.failed]
        if readable == []:
            return
        try:
            add(self._pages(query, readable))
            return
        except AzureError as exc:
            if readable is None or len(readable) == 1:
                for sub in readable or ["*"]:
                    self.failed[sub] = _why(exc, doing)
                return
            log.info("Resource Graph failed across %d subscriptions; one at a time", len(readable))
        for sub in readable:
            try:
                add(self._pages(query, [sub]))
            except AzureError as exc:
                self.failed[sub] = _why(exc, doing)

    def _pages(self, query: str, subs: list[str] | None) -> Iterator[dict[str, Any]]:
        graph = self.estate.graph
        options = self.estate.call_options(self.estate.endpoints.resource_manager)
        token: str | None = None
        rows: list[dict[str, Any]] = []
        while True:
            request = QueryRequest(
                query=query,
                subscriptions=subs,
                options=QueryRequestOptions(
                    top=PAGE_SIZE, skip_token=token, result_format="objectArray"
                ),
            )
            response = graph.resources(request, **options)
            data: Any = response.data or []
            rows.extend(data)
            token = response.skip_token
            if not token:
                break
        # Rows are yielded only once every page is in: a half-read inventory is never used.
        yield from rows

    def _add(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            rid = str(row.get("id", "")).lower()
            if not rid or rid in self.by_id:
                continue
            self.by_id[rid] = row
            sub = str(row.get("subscriptionId", "")).lower()
            kind = str(row.get("type", "")).lower()
            if kind in MONITORING_TYPES:
                self.monitoring[sub].append(row)
            self.by_rg[(sub, str(row.get("resourceGroup", "")).lower())].append(row)
            self.by_sub[sub].append(row)
            for key, value in (row.get("tags") or {}).items():
                self.by_tag[(key.lower(), str(value).lower())].append(row)

    # --- attribution ------------------------------------------------------------------------

    def resources_of(self, scope: AzureScope) -> list[dict[str, Any]]:
        """The scope's own resources, or ``ScopeUnreadable`` naming what could not be read."""
        self.ensure(scope)
        subs = [s.lower() for s in scope.subscriptions]
        for sub in subs or ["*"]:
            if sub in self.failed:
                raise ScopeUnreadable(self.failed[sub])
        for sub in subs:
            if sub not in self.visible_subs and not any(
                (sub, rg.lower()) in self.visible_rgs for rg in scope.resource_groups
            ):
                raise ScopeUnreadable(
                    f"subscription {sub} is not visible: it does not exist or the scanner's "
                    f"identity lacks {READER} on it"
                )
        missing = [
            rg
            for rg in scope.resource_groups
            if not any((sub, rg.lower()) in self.visible_rgs for sub in subs)
        ]
        if missing:
            raise ScopeUnreadable(
                f"resource group(s) {', '.join(missing)} not found in {', '.join(subs)}, or the "
                f"scanner's identity lacks {READER} on them"
            )
        if scope.resource_groups:
            rows = [
                r
                for sub in subs
                for rg in scope.resource_groups
                for r in self.by_rg[(sub, rg.lower())]
            ]
        elif scope.tags:
            key, value = scope.tags[0]
            rows = [
                r for r in self.by_tag[(key.lower(), value.lower())] if not subs or _sub(r) in subs
            ]
        else:
            rows = [r for sub in subs for r in self.by_sub[sub]]
        if scope.tags:
            rows = [r for r in rows if _has_tags(r, scope.tags)]
        return sorted(rows, key=lambda r: str(r["id"]).lower())

    def monitoring_of(
        self, scope: AzureScope, resources: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Alert rules, action groups, web tests and components in the subscriptions involved."""
        subs = {s.lower() for s in scope.subscriptions} | {_sub(r) for r in resources}
        rows = [r for sub in sorted(subs) for r in self.monitoring[sub]]
        if scope.application_insights:
            extra = self.by_id.get(scope.application_insights.lower())
            if extra is not None and extra not in rows:
                rows.append(extra)
        return sorted(rows, key=lambda r: str(r["id"]).lower())

    def resource_group_tags(self, sub: str, rg: str) -> dict[str, str]:
        return self.rg_tags.get((sub.lower(), rg.lower()), {})


def build_queries(scopes: list[AzureScope]) -> list[str]:
    """KQL over ``resources`` for the union of the scopes, split to stay under the length cap."""
    clauses: list[str] = [f"type in~ ({_list(MONITORING_TYPES)})"]
    by_sub: dict[str, set[str]] = defaultdict(set)
    whole: set[str] = set()
    by_tag: dict[str, set[str]] = defaultdict(set)
    ids: set[str] = set()
    for scope in scopes:
        if scope.resource_groups:
            for sub in scope.subscriptions:
                by_sub[sub.lower()].update(rg.lower() for rg in scope.resource_groups)
        elif scope.tags:
            key, value = scope.tags[0]
            by_tag[key].add(value)
        else:
            whole.update(s.lower() for s in scope.subscriptions)
        if scope.application_insights:
            ids.add(scope.application_insights.lower())
    for chunk in _value_chunks(sorted(whole)):
        clauses.append(f"subscriptionId in~ ({_list(chunk)})")
    for sub, rgs in sorted(by_sub.items()):
        if sub in whole:
            continue
        for chunk in _value_chunks(sorted(rgs)):
            clauses.append(
                f"(subscriptionId =~ {_literal(sub)} and resourceGroup in~ ({_list(chunk)}))"
            )
    for key, values in sorted(by_tag.items()):
        for chunk in _value_chunks(sorted(values)):
            clauses.append(f"tostring(tags[{_literal(key)}]) in~ ({_list(chunk)})")
    for chunk in _value_chunks(sorted(ids)):
        clauses.append(f"id in~ ({_list(chunk)})")
    queries: list[str] = []
    current: list[str] = []
    for clause in clauses:
        if current and sum(len(c) + 4 for c in current) + len(clause) > MAX_QUERY_CHARS:
            queries.append(_query(current))
            current = []
        current.append(clause)
    queries.append(_query(current))
    return queries


def _query(clauses: list[str]) -> str:
    return "resources\n| where " + "\n    or ".join(clauses) + f"\n| project {COLUMNS}"


def _literal(value: str) -> str:
    """A KQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _list(values: Iterable[str]) -> str:
    return ", ".join(_literal(v) for v in values)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _value_chunks(items: list[str]) -> Iterator[list[str]]:
    """At most ``CHUNK`` values and half a query's length per ``in~`` list."""
    chunk: list[str] = []
    length = 0
    for item in items:
        if chunk and (len(chunk) >= CHUNK or length + len(item) + 4 > MAX_QUERY_CHARS // 2):
            yield chunk
            chunk, length = [], 0
        chunk.append(item)
        length += len(item) + 4
    if chunk:
        yield chunk


def _sub(row: dict[str, Any]) -> str:
    return str(row.get("subscriptionId", "")).lower()


def _has_tags(row: dict[str, Any], wanted: tuple[tuple[str, str], ...]) -> bool:
    tags = {str(k).lower(): str(v).lower() for k, v in (row.get("tags") or {}).items()}
    return all(tags.get(k.lower()) == v.lower() for k, v in wanted)


SIGN_IN = "could not sign in to Azure: no source of DefaultAzureCredential gave a token"


def _why(exc: AzureError, doing: str) -> str:
    if isinstance(exc, ClientAuthenticationError) and exc.status_code is None:
        return SIGN_IN
    if isinstance(exc, HttpResponseError) and exc.status_code == 403:
        return f"HTTP 403 trying to {doing}: the scanner's identity needs {READER} on the scope"
    if isinstance(exc, HttpResponseError) and exc.status_code is not None:
        return f"HTTP {exc.status_code} trying to {doing} (after retries)"
    return f"could not {doing}: {type(exc).__name__}"
