"""A seeded estate for report tests: several domains, a year of scans, reviews and actions.

Written through the store's own APIs (transactions, the review functions, actions); only the
recorded times are moved into the past afterwards, since a scan is always stamped "now".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import col

from scanner import tables as t
from scanner.actions import add_action
from scanner.identity import Actor, Roles
from scanner.models import (
    Assessment,
    CriterionResult,
    Evidence,
    Level,
    Locator,
    Service,
    Tier,
    Truth,
)
from scanner.reviews import challenge, confirm, override
from scanner.rules import Framework
from scanner.store import Store

NOW = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
START = NOW - timedelta(days=365)

SERVICES = (
    Service(
        "payments-api",
        "team-payments",
        Tier.MISSION_CRITICAL,
        True,
        "payments",
        "aks",
        ("https://github.com/example/payments-api",),
    ),
    Service(
        "ledger",
        "team-payments",
        Tier.BUSINESS_CRITICAL,
        True,
        "payments",
        "aks",
        ("https://github.com/example/ledger",),
    ),
    Service(
        "invoices",
        "team-payments",
        Tier.NON_CRITICAL,
        False,
        "payments",
        "app-service",
        ("https://github.com/example/invoices",),
    ),
    Service(
        "tracking",
        "team-logistics",
        Tier.BUSINESS_OPERATIONAL,
        False,
        "logistics",
        "functions",
        ("https://dev.azure.com/example/logistics/_git/tracking",),
    ),
    Service(
        "routing",
        "team-logistics",
        Tier.MISSION_CRITICAL,
        True,
        "logistics",
        "aks",
        ("https://github.com/example/routing",),
    ),
    Service(
        "depots",
        "team-logistics",
        Tier.EXPERIMENTAL,
        False,
        "logistics",
        "app-service",
        ("/src/depots",),
    ),
    Service(
        "login",
        "team-identity",
        Tier.MISSION_CRITICAL,
        True,
        "identity",
        "aks",
        ("https://github.com/example/login",),
    ),
    Service(
        "profiles",
        "team-identity",
        Tier.NON_CRITICAL,
        False,
        "identity",
        "functions",
        ("https://github.com/example/profiles",),
    ),
)
OWNER = Actor("ana@example.com", "env")
RELIABILITY = Actor("rel@example.com", "env")
ROLES = Roles(
    reliability_engineers=frozenset({"sre"}),
    teams={
        "team-payments": frozenset({"ana@example.com"}),
        "team-logistics": frozenset({"ana@example.com"}),
        "team-identity": frozenset({"ana@example.com"}),
        "sre": frozenset({"rel@example.com"}),
    },
)
CATALOG = {s.name: s for s in SERVICES}
# Weekly scans for a year, then nightly for the last fortnight.
SCAN_DAYS = sorted(
    {START + timedelta(days=d) for d in range(0, 351, 7)}
    | {NOW - timedelta(days=d) for d in range(14, -1, -1)}
)


def level_on(service_index: int, category_index: int, day: datetime) -> Level:
    """Deterministic levels that improve over the year, with one category never readable."""
    if (service_index + category_index) % 11 == 5:
        return Level.UNKNOWN
    progress = (day - START).days // 90  # 0..4: a step up each quarter for some categories
    rank = (service_index * 3 + category_index * 5) % 3 + (
        progress if (service_index + category_index) % 4 == 0 else 0
    )
    return (Level.RED, Level.AMBER, Level.GREEN)[min(rank, 2)]


def record(store: Store, framework: Framework, when: datetime) -> int:
    scan_id = store.start_scan(framework.digest, "test")
    for s_index, service in enumerate(SERVICES):
        levels = {
            c.id: level_on(s_index, c_index, when) for c_index, c in enumerate(framework.categories)
        }
        facts = facts_at(framework, levels)
        # tracking's files move about each quarter: same levels, new evidence (reviews go stale)
        line = 7 + ((when - START).days // 90 if service.name == "tracking" else 0)
        with store.transaction() as tx:
            stored = {
                e.key: e
                for e in tx.add_evidence(
                    [
                        Evidence(
                            key=key,
                            value=value,
                            reason=reason,
                            probe="seed",
                            probe_version="1",
                            locators=(
                                Locator(path=f"src/{key.replace('.', '/')}.yaml", line=line),
                            ),
                        )
                        for key, (value, reason) in sorted(facts.items())
                    ]
                )
            }
            assessments = assessments_at(framework, levels, stored)
            tx.add_service_scan(
                scan_id=scan_id,
                service=service,
                evidence=list(stored.values()),
                assessments=assessments,
                target_runs=[],
                rules_digest=framework.digest,
            )
    store.finish_scan(scan_id, "complete")
    with store.session() as session:
        stamp = when
        session.execute(
            update(t.ScanRow)
            .where(col(t.ScanRow.id) == scan_id)
            .values(started_at=stamp, finished_at=stamp)
        )
        session.execute(
            update(t.ServiceScanRow)
            .where(col(t.ServiceScanRow.scan_id) == scan_id)
            .values(finished_at=stamp)
        )
        session.commit()
    return scan_id


def seed(store: Store, framework: Framework) -> None:
    """The estate, its year of scans, and the review conversation around it."""
    who = {"roles": ROLES, "catalog": CATALOG}
    for when in SCAN_DAYS:
        record(store, framework, when)
        if when == SCAN_DAYS[20]:
            # Reviewed mid-year: the quarterly improvement since makes these stale.
            confirm(
                store,
                "payments-api",
                "logging",
                actor=OWNER,
                now=when,
                expires_at=NOW + timedelta(days=200),
                **who,
            )
            confirm(
                store,
                "tracking",
                "logging",
                actor=OWNER,
                now=when,
                expires_at=NOW + timedelta(days=200),
                **who,
            )
    late = NOW - timedelta(days=2)
    override(
        store,
        "ledger",
        "alerting",
        "green",
        reason="evidence-elsewhere",
        note="alerts live in the shared monitoring repo",
        actor=RELIABILITY,
        now=late,
        expires_at=NOW + timedelta(days=10),
        **who,
    )
    override(
        store,
        "invoices",
        "slos",
        "green",
        reason="compensating-control",
        note="availability tracked by the platform",
        actor=OWNER,
        now=late,
        expires_at=NOW + timedelta(days=120),
        **who,
    )
    challenge(
        store,
        "routing",
        "redundancy",
        reason="false-positive",
        note="runs in three zones, set by the platform",
        proposed="green",
        actor=OWNER,
        now=late,
        **who,
    )
    confirm(store, "login", "logging", actor=OWNER, now=late, **who)
    add_action(
        store,
        "payments-api",
        "slos",
        "Agree SLOs with the product owner",
        owner="ana@example.com",
        due=date(2025, 5, 1),
        now=START + timedelta(days=200),
    )
    add_action(
        store,
        "routing",
        "redundancy",
        "Document zone redundancy in the repo",
        owner="team-logistics",
        due=date(2025, 9, 1),
        now=late,
    )


def facts_at(
    framework: Framework, levels: dict[str, Level]
) -> dict[str, tuple[object, str | None]]:
    """Made-up facts (value, unknown reason) consistent with the given levels."""
    facts: dict[str, tuple[object, str | None]] = {}
    for category in framework.categories:
        level = levels[category.id]
        for criterion in category.criteria:
            for fact in criterion.facts:
                if level is Level.UNKNOWN:
                    facts[fact] = (None, "the pipeline file could not be parsed")
                elif fact not in facts or facts[fact][0] is None:
                    facts[fact] = (level.rank >= criterion.level.rank, None)
    return facts


def assessments_at(
    framework: Framework, levels: dict[str, Level], stored: dict[str, Evidence]
) -> list[Assessment]:
    """Made-up assessments at the given levels, each with a trace over the stored evidence:
    criteria up to the level hold, those above it fail (all unknown for an unknown level)."""
    assessments = []
    for category in framework.categories:
        level = levels[category.id]
        trace = tuple(
            CriterionResult(
                id=cr.id,
                level=cr.level,
                expression=cr.expression,
                description=cr.description,
                result=Truth.UNKNOWN
                if level is Level.UNKNOWN
                else Truth.TRUE
                if level.rank >= cr.level.rank
                else Truth.FALSE,
                facts=cr.facts,
                evidence_ids=tuple(stored[f].id or 0 for f in cr.facts),
            )
            for cr in category.criteria
        )
        assessments.append(
            Assessment(
                category=category.id,
                level=level,
                trace=trace,
                note="evidence unreadable" if level is Level.UNKNOWN else "",
                evidence_ids=tuple(sorted({i for c in trace for i in c.evidence_ids})),
            )
        )
    return assessments
