"""Typed, immutable value objects that flow between the stages.

catalog → targets → probes → evidence → rules → assessments → reviews → effective scores

Database rows live in ``scanner.tables``; these are the plain values the stages pass around.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

FACT_TYPES = ("bool", "int", "float", "str", "list[str]")


class Level(enum.StrEnum):
    """The outcome of one category for one service."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    UNKNOWN = "unknown"  # a source was asked, but the evidence could not be read
    NOT_ASSESSED = "not_assessed"  # no configured source can provide the evidence
    NOT_APPLICABLE = "not_applicable"  # the category does not apply to the service's tier

    @property
    def rank(self) -> int:
        """Order of the RAG levels; -1 for the states that are not a level."""
        return {"red": 0, "amber": 1, "green": 2}.get(self.value, -1)

    @property
    def letter(self) -> str:
        return {
            "red": "R",
            "amber": "A",
            "green": "G",
            "unknown": "?",
            "not_assessed": "-",
            "not_applicable": "n/a",
        }[self.value]


RAG_LEVELS = (Level.RED, Level.AMBER, Level.GREEN)


class Tier(enum.StrEnum):
    """Criticality tiers, least to most critical."""

    EXPERIMENTAL = "experimental"
    NON_CRITICAL = "non-critical"
    BUSINESS_OPERATIONAL = "business-operational"
    BUSINESS_CRITICAL = "business-critical"
    MISSION_CRITICAL = "mission-critical"


# --- catalog and targets ---------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    """One entry of the catalog."""

    name: str
    owner: str = ""
    tier: Tier = Tier.NON_CRITICAL
    golden_thread: bool = False
    domain: str = ""
    platform: str = ""
    repositories: tuple[str, ...] = ()
    system: str = ""
    lifecycle: str = ""
    # Remote sources by kind, e.g. (("github", "org/repo"), ("azure_devops", "org/project/repo")):
    # each pair whose kind has a registered collector becomes a Target (docs/estate.md).
    sources: tuple[tuple[str, str], ...] = ()
    azure: Any = None  # scanner.azure.settings.AzureScope: the service's part of the estate
    github: tuple[str, ...] = ()  # "owner/name" on the configured GitHub (or Enterprise) host
    azure_devops: tuple[str, ...] = ()  # "org/project/repo" in Azure Repos / Pipelines

    def source(self, kind: str) -> str | None:
        return next((value for k, value in self.sources if k == kind), None)


@dataclass(frozen=True)
class Target:
    """One concrete thing a probe can inspect, made from a service's sources."""

    kind: str  # e.g. "repository"
    location: str  # e.g. a local path, "owner/name", an Azure scope
    # What the collector needs beyond the location (e.g. an AzureScope); not part of identity.
    source: Any = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.kind}:{self.location}"


# --- probes and evidence ---------------------------------------------------------------------


@dataclass(frozen=True)
class FactSpec:
    """A fact a probe can emit: its key, its type and a one-line meaning."""

    key: str
    type: str
    meaning: str

    def __post_init__(self) -> None:
        if self.type not in FACT_TYPES:
            raise ValueError(f"fact {self.key}: type {self.type!r} is not one of {FACT_TYPES}")


@dataclass(frozen=True)
class Locator:
    """Where a fact came from. Paths are repository-relative, POSIX style."""

    path: str | None = None
    line: int | None = None
    url: str | None = None
    resource_id: str | None = None
    query: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    def __str__(self) -> str:
        if self.path:
            return f"{self.path}:{self.line}" if self.line else self.path
        return self.url or self.resource_id or self.query or ""


@dataclass(frozen=True)
class Observation:
    """What a probe reports about one fact.

    ``value`` is None exactly when the fact could not be established; ``reason`` then says why.
    """

    key: str
    value: Any
    locators: tuple[Locator, ...] = ()
    reason: str | None = None

    @classmethod
    def unknown(cls, key: str, reason: str) -> Observation:
        return cls(key=key, value=None, reason=reason)

    @property
    def is_unknown(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Evidence:
    """One observed fact with its provenance, as stored and as used by rules."""

    key: str
    value: Any
    probe: str
    probe_version: str
    locators: tuple[Locator, ...] = ()
    reason: str | None = None
    id: int | None = None  # database id once stored

    @property
    def is_unknown(self) -> bool:
        return self.value is None


# --- rules and assessments -------------------------------------------------------------------


class Truth(enum.StrEnum):
    """Three-valued result of one criterion."""

    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"
    NOT_ASSESSED = "not_assessed"


@dataclass(frozen=True)
class CriterionResult:
    """One line of an assessment's trace."""

    id: str
    level: Level  # the level this criterion guards (amber or green)
    expression: str
    description: str
    result: Truth
    facts: tuple[str, ...] = ()
    evidence_ids: tuple[int, ...] = ()
    error: str | None = None
    counts: bool = True  # False before the criterion's effective_from date

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "level": self.level.value,
            "expression": self.expression,
            "description": self.description,
            "result": self.result.value,
            "facts": list(self.facts),
            "evidence_ids": list(self.evidence_ids),
            "error": self.error,
            "counts": self.counts,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CriterionResult:
        return cls(
            id=data["id"],
            level=Level(data["level"]),
            expression=data["expression"],
            description=data["description"],
            result=Truth(data["result"]),
            facts=tuple(data.get("facts", ())),
            evidence_ids=tuple(data.get("evidence_ids", ())),
            error=data.get("error"),
            counts=data.get("counts", True),
        )


@dataclass(frozen=True)
class Assessment:
    """The inferred level of one category for one service, with the trace that explains it."""

    category: str
    level: Level
    trace: tuple[CriterionResult, ...] = ()
    at_least: Level | None = None  # for unknown/not_assessed: the level already proven
    note: str = ""
    evidence_ids: tuple[int, ...] = field(default=())

    @property
    def next_level(self) -> Level | None:
        base = self.level if self.level.rank >= 0 else self.at_least
        if base is None:
            return Level.AMBER
        return {Level.RED: Level.AMBER, Level.AMBER: Level.GREEN}.get(base)

    def missing_for(self, level: Level) -> tuple[CriterionResult, ...]:
        """Criteria that still stand between this assessment and ``level``."""
        return tuple(
            c
            for c in self.trace
            if c.level.rank <= level.rank and c.counts and c.result is not Truth.TRUE
        )
