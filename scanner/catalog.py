"""The catalog: services from ``config.toml`` and from Backstage ``catalog-info.yaml`` files.

A Backstage entity of kind ``Component`` becomes a :class:`~scanner.models.Service`: its name,
``spec.owner``, ``spec.system``, ``spec.lifecycle``, and annotations — Backstage's own for remote
repositories and ours (``fundamentals.io/…``) for tier, Golden Thread, domain, platform, local
checkouts and Azure scopes (the full table is in ``docs/estate.md`` and :data:`ANNOTATIONS`).

Reading never stops at a bad entry: each one is reported with ``file:line`` and skipped, and the
valid ones still load. Imported services are stored in the ``service`` table with their origin;
one gone from the catalog is *retired* (``retired_at``), never deleted with its history.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from scanner import tables as t
from scanner.config import SERVICE_NAME, Config
from scanner.errors import InputError
from scanner.models import Service, Tier
from scanner.safeyaml import YamlError, YamlMap, load_all
from scanner.store import Store, service_from_row, sources_json
from scanner.store import now as utcnow

MAX_CATALOG_BYTES = 5_000_000
CATALOG_FILE = "catalog-info.yaml"

# Our annotations: annotation → what it sets. Sources become Targets of that kind when a
# collector for the kind is installed (see ``engine.targets_for``).
ANNOTATIONS: dict[str, str] = {
    "fundamentals.io/tier": "criticality tier: " + ", ".join(t.value for t in Tier),
    "fundamentals.io/golden-thread": '"true" or "false": the service is on the Golden Thread',
    "fundamentals.io/domain": "business domain (for `scan --all --domain`)",
    "fundamentals.io/platform": "platform the service runs on",
    "fundamentals.io/repository-path": "local checkout(s), comma-separated, relative to the file",
    "fundamentals.io/azure-subscription": "Azure subscription id (source `azure`)",
    "fundamentals.io/azure-resource-groups": "its resource groups, comma-separated",
    "fundamentals.io/azure-tag-selector": "`key=value` selecting the service's resources",
    "fundamentals.io/azure-log-analytics-workspace": "Log Analytics workspace resource id",
    "fundamentals.io/azure-app-insights": "Application Insights component resource id",
}
# Backstage's own annotations we read: annotation → the source kind it fills.
BACKSTAGE_SOURCES = {
    "github.com/project-slug": "github",
    "dev.azure.com/project-repo": "azure_devops",
}
OWNER_PREFIXES = ("group:default/", "group:", "user:default/", "user:", "default/")


@dataclass(frozen=True)
class CatalogEntry:
    service: Service
    origin: str  # "backstage:<file>:<line>" or "config:<file>:<line>"


@dataclass(frozen=True)
class CatalogProblem:
    path: str
    line: int
    message: str
    name: str | None = None  # the entry's name when it could be read

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class CatalogRead:
    """What a set of catalog files holds: valid entries, and problems with file:line."""

    files: list[str] = field(default_factory=list)
    entries: list[CatalogEntry] = field(default_factory=list)
    problems: list[CatalogProblem] = field(default_factory=list)
    ignored: int = 0  # entities of other kinds (System, API, Group, …)
    unreadable: set[str] = field(default_factory=set)  # files that could not be read at all

    @property
    def kept_names(self) -> set[str]:
        """Names of invalid entries: their stored services stay as they were, not retired."""
        return {p.name for p in self.problems if p.name}


@dataclass(frozen=True)
class SyncResult:
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    retired: list[str]

    def as_dict(self) -> dict[str, list[str]]:
        return {k: list(getattr(self, k)) for k in ("added", "updated", "unchanged", "retired")}


# --- reading catalog files ---------------------------------------------------------------------


def catalog_files(patterns: Sequence[str]) -> list[str]:
    """Files named by PATH or GLOB arguments; a folder means every catalog-info.yaml below it."""
    found: dict[str, None] = {}
    for pattern in patterns:
        path = Path(pattern).expanduser()
        if path.is_dir():
            matches = sorted(str(p) for p in path.rglob(CATALOG_FILE))
        elif path.is_file():
            matches = [str(path)]
        else:
            matches = sorted(p for p in glob.glob(str(path), recursive=True) if os.path.isfile(p))
        if not matches:
            raise InputError(f"{pattern}: no catalog file found")
        found.update(dict.fromkeys(os.path.abspath(m) for m in matches))
    return list(found)


def read_catalog(patterns: Sequence[str]) -> CatalogRead:
    read = CatalogRead(files=catalog_files(patterns))
    seen: dict[str, str] = {}
    for path in read.files:
        for item in _read_file(path, read):
            if isinstance(item, CatalogProblem):
                read.problems.append(item)
                continue
            name = item.service.name
            if name in seen:
                line = int(item.origin.rsplit(":", 1)[1])
                read.problems.append(
                    CatalogProblem(
                        path, line, f"duplicate service {name!r} (first at {seen[name]})"
                    )
                )
                continue
            seen[name] = item.origin.removeprefix("backstage:")
            read.entries.append(item)
    return read


def _read_file(path: str, read: CatalogRead) -> Iterable[CatalogEntry | CatalogProblem]:
    try:
        if os.path.getsize(path) > MAX_CATALOG_BYTES:
            read.unreadable.add(path)
            yield CatalogProblem(path, 1, f"file larger than {MAX_CATALOG_BYTES:,} bytes")
            return
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
        documents = load_all(text)
    except (OSError, UnicodeDecodeError) as exc:
        read.unreadable.add(path)
        yield CatalogProblem(path, 1, f"cannot read: {exc}")
        return
    except YamlError as exc:
        read.unreadable.add(path)
        yield CatalogProblem(path, exc.line or 1, f"malformed YAML: {exc.detail}")
        return
    for document in documents:
        if document is None:
            continue
        if not isinstance(document, YamlMap):
            yield CatalogProblem(path, 1, "a catalog document must be a mapping")
            continue
        kind = document.get("kind")
        if not isinstance(kind, str):
            yield CatalogProblem(path, document.line, "entity has no `kind`")
            continue
        if kind.lower() != "component":
            read.ignored += 1
            continue
        yield entity_to_entry(document, path)


def entity_to_entry(entity: YamlMap, path: str) -> CatalogEntry | CatalogProblem:
    """One Backstage Component as a catalog entry, or the first problem found in it."""
    metadata = entity.get("metadata")
    if not isinstance(metadata, YamlMap):
        return CatalogProblem(path, entity.line, "Component has no `metadata` mapping")
    name = metadata.get("name")
    if not isinstance(name, str) or not SERVICE_NAME.match(name):
        return CatalogProblem(
            path,
            metadata.line_of("name"),
            "metadata.name must be letters, digits, '.', '_' and '-' (max 128)",
        )

    def problem(where: YamlMap, key: str, message: str) -> CatalogProblem:
        return CatalogProblem(path, where.line_of(key), f"{name}: {message}", name)

    spec = entity.get("spec", YamlMap())
    if not isinstance(spec, YamlMap):
        return problem(entity, "spec", "`spec` must be a mapping")
    fields: dict[str, str] = {}
    for key in ("owner", "system", "lifecycle"):
        value = spec.get(key, "")
        if not isinstance(value, str):
            return problem(spec, key, f"spec.{key} must be text")
        fields[key] = value
    annotations = metadata.get("annotations", YamlMap())
    if not isinstance(annotations, YamlMap):
        return problem(metadata, "annotations", "metadata.annotations must be a mapping")
    values: dict[str, str] = {}
    for key, value in annotations.items():
        if not isinstance(key, str) or not isinstance(value, str | bool):
            return problem(annotations, key, f"annotation {key!r} must have a text value")
        if key.startswith("fundamentals.io/") and key not in ANNOTATIONS:
            known = ", ".join(sorted(ANNOTATIONS))
            return problem(annotations, key, f"unknown annotation {key!r} (known: {known})")
        values[key] = str(value).lower() if isinstance(value, bool) else value.strip()
    try:
        service = _service(name, fields, values, os.path.dirname(path))
    except _Bad as bad:
        return problem(annotations, bad.key, str(bad))
    return CatalogEntry(service, f"backstage:{path}:{entity.line}")


class _Bad(ValueError):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _service(name: str, fields: dict[str, str], values: dict[str, str], base: str) -> Service:
    tier = Tier.NON_CRITICAL
    if "fundamentals.io/tier" in values:
        try:
            tier = Tier(values["fundamentals.io/tier"])
        except ValueError:
            raise _Bad(
                "fundamentals.io/tier",
                f"tier {values['fundamentals.io/tier']!r} is not one of "
                + ", ".join(t.value for t in Tier),
            ) from None
    golden = values.get("fundamentals.io/golden-thread", "false").lower()
    if golden not in ("true", "false"):
        raise _Bad("fundamentals.io/golden-thread", 'golden-thread must be "true" or "false"')
    sources: list[tuple[str, str]] = []
    for annotation, kind in BACKSTAGE_SOURCES.items():
        if values.get(annotation):
            sources.append((kind, values[annotation]))
    if "dev.azure.com/host-org" in values and any(k == "azure_devops" for k, _ in sources):
        sources = [
            (k, f"{values['dev.azure.com/host-org']}/{v}" if k == "azure_devops" else v)
            for k, v in sources
        ]
    sources += _azure_sources(values)
    repositories = tuple(
        os.path.normpath(os.path.join(base, os.path.expanduser(p.strip())))
        for p in values.get("fundamentals.io/repository-path", "").split(",")
        if p.strip()
    )
    owner = fields["owner"]
    for prefix in OWNER_PREFIXES:
        if owner.startswith(prefix):
            owner = owner[len(prefix) :]
            break
    return Service(
        name=name,
        owner=owner,
        tier=tier,
        golden_thread=golden == "true",
        domain=values.get("fundamentals.io/domain", ""),
        platform=values.get("fundamentals.io/platform", ""),
        repositories=repositories,
        system=fields["system"],
        lifecycle=fields["lifecycle"],
        sources=tuple(sources),
    )


def _azure_sources(values: dict[str, str]) -> list[tuple[str, str]]:
    """Azure scopes as ARM paths (source ``azure``), monitoring resources by their resource id."""
    sources: list[tuple[str, str]] = []
    subscription = values.get("fundamentals.io/azure-subscription", "")
    groups = [
        g.strip()
        for g in values.get("fundamentals.io/azure-resource-groups", "").split(",")
        if g.strip()
    ]
    if groups and not subscription:
        raise _Bad(
            "fundamentals.io/azure-resource-groups",
            "azure-resource-groups needs fundamentals.io/azure-subscription",
        )
    if subscription:
        scopes = [f"/subscriptions/{subscription}/resourceGroups/{g}" for g in groups]
        sources += [("azure", s) for s in scopes or [f"/subscriptions/{subscription}"]]
    selector = values.get("fundamentals.io/azure-tag-selector", "")
    if selector:
        if "=" not in selector:
            raise _Bad("fundamentals.io/azure-tag-selector", "azure-tag-selector is key=value")
        sources.append(("azure_tag", selector))
    for annotation, kind in (
        ("fundamentals.io/azure-log-analytics-workspace", "log_analytics"),
        ("fundamentals.io/azure-app-insights", "app_insights"),
    ):
        value = values.get(annotation, "")
        if value and not value.lower().startswith("/subscriptions/"):
            raise _Bad(annotation, f"{annotation} must be a resource id (/subscriptions/…)")
        if value:
            sources.append((kind, value))
    return sources


def config_entries(config: Config) -> list[CatalogEntry]:
    """The services of the config file, with ``config:<file>:<line>`` origins."""
    if config.path is None:
        return []
    from scanner.config import _line_of

    try:
        text = config.path.read_text(encoding="utf-8")
    except OSError:
        text = ""
    catalog = config.catalog()
    return [
        CatalogEntry(
            catalog[s.name], f"config:{config.path}:{_line_of(text, ('services', i, 'name'))}"
        )
        for i, s in enumerate(config.services)
    ]


# --- the stored catalog ------------------------------------------------------------------------


def sync_catalog(
    store: Store,
    entries: Sequence[CatalogEntry],
    kind: str,
    *,
    keep: Iterable[str] = (),
    keep_files: Iterable[str] = (),
    now: datetime | None = None,
) -> SyncResult:
    """Store the entries; retire services of this origin ``kind`` that are no longer listed.

    ``keep`` names services that must stay as they are (an entry that is invalid this time);
    a service declared in one of ``keep_files`` (a file that could not be read) is not retired.
    Safe to run from several processes at once (shards): a lost insert race is retried.
    """
    for attempt in range(3):
        try:
            return _sync(store, entries, kind, set(keep), set(keep_files), now or utcnow())
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _sync(
    store: Store,
    entries: Sequence[CatalogEntry],
    kind: str,
    keep: set[str],
    keep_files: set[str],
    now: datetime,
) -> SyncResult:
    added, updated, unchanged, retired = [], [], [], []
    listed = {e.service.name for e in entries}
    with store.transaction() as tx:
        rows = {r.name: r for r in tx.session.execute(select(t.ServiceRow)).scalars()}
        for entry in entries:
            svc = entry.service
            row = rows.get(svc.name)
            new = row is None
            if row is None:
                row = t.ServiceRow(name=svc.name, created_at=now)
            before = _row_state(row)
            row.owner = svc.owner
            row.tier = svc.tier.value
            row.golden_thread = svc.golden_thread
            row.domain = svc.domain
            row.platform = svc.platform
            row.system = svc.system
            row.lifecycle = svc.lifecycle
            row.sources_json = sources_json(svc)
            row.origin = entry.origin
            row.retired_at = None
            if new:
                added.append(svc.name)
            elif _row_state(row) != before:
                updated.append(svc.name)
            else:
                unchanged.append(svc.name)
            tx.session.add(row)
        prefix = f"{kind}:"
        for name, row in sorted(rows.items()):
            if (
                name in listed
                or name in keep
                or row.retired_at is not None
                or not row.origin.startswith(prefix)
                or row.origin[len(prefix) :].rsplit(":", 1)[0] in keep_files
            ):
                continue
            row.retired_at = now
            tx.session.add(row)
            retired.append(name)
        tx.session.flush()
    return SyncResult(added, updated, unchanged, retired)


def _row_state(row: t.ServiceRow) -> tuple[Any, ...]:
    return (
        row.owner,
        row.tier,
        row.golden_thread,
        row.domain,
        row.platform,
        row.system,
        row.lifecycle,
        row.sources_json,
        row.origin,
        row.retired_at,
    )


@dataclass(frozen=True)
class CatalogService:
    """A stored catalog entry, as ``catalog list`` shows it."""

    service: Service
    origin: str
    retired_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        s = self.service
        return {
            "name": s.name,
            "owner": s.owner,
            "tier": s.tier.value,
            "golden_thread": s.golden_thread,
            "domain": s.domain,
            "platform": s.platform,
            "system": s.system,
            "lifecycle": s.lifecycle,
            "repositories": list(s.repositories),
            "sources": [{"kind": k, "value": v} for k, v in s.sources],
            "origin": self.origin,
            "retired_at": self.retired_at.isoformat() if self.retired_at else None,
        }


def stored_catalog(store: Store, *, include_retired: bool = False) -> list[CatalogService]:
    """Services the catalog declares (config or Backstage), by name; retired ones on request."""
    with store.session() as session:
        query = select(t.ServiceRow).where(col(t.ServiceRow.origin) != "")
        if not include_retired:
            query = query.where(col(t.ServiceRow.retired_at).is_(None))
        rows = session.execute(query.order_by(col(t.ServiceRow.name))).scalars()
        return [CatalogService(service_from_row(r), r.origin, r.retired_at) for r in rows]


def estate(store: Store, config: Config) -> list[Service]:
    """Every service of the catalog, for ``scan --all``: the config file's (synced into the
    database first, so one removed from it is retired) and the imported ones, not retired."""
    if config.path is not None:
        sync_catalog(store, config_entries(config), "config")
    return with_azure_scopes([c.service for c in stored_catalog(store)], config)


def full_catalog(store: Store, config: Config) -> dict[str, Service]:
    """Services by name for an ad hoc ``scan PATH``: the stored catalog, then the config file's
    (so a scan of an imported service keeps its tier, owner and sources)."""
    services = {c.service.name: c.service for c in stored_catalog(store)}
    services.update(config.catalog())
    return {s.name: s for s in with_azure_scopes(list(services.values()), config)}


def with_azure_scopes(services: list[Service], config: Config) -> list[Service]:
    """Give each service its Azure scope: from the config file's ``azure`` table, else from its
    Azure catalog sources (Backstage annotations). All scopes share one reader, so the
    estate's inventory is still read once."""
    from scanner.azure.settings import config_from_sources

    configured = config.catalog()
    shared = next((s.azure.estate for s in configured.values() if s.azure is not None), None)
    result = []
    for service in services:
        if service.azure is None and service.name in configured:
            service = replace(service, azure=configured[service.name].azure)
        if service.azure is None and (scope := config_from_sources(service.sources)):
            if shared is None:
                from scanner.azure.estate import Estate

                shared = Estate(config.azure)
            service = replace(service, azure=shared.scope(service.name, scope))
        result.append(service)
    return result
