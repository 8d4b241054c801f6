"""Write scans straight into the store, with hand-made evidence and assessments.

Review and gate tests need recorded results without depending on the probes or the rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
from scanner.store import Store

PAYMENTS = Service(
    name="payments-api", owner="team-payments", tier=Tier.MISSION_CRITICAL, golden_thread=True
)
WIKI = Service(name="wiki", owner="team-payments", tier=Tier.NON_CRITICAL)
CATALOG = {s.name: s for s in (PAYMENTS, WIKI)}

OWNER = Actor("ana@example.com", "env")
OTHER_OWNER = Actor("bo@example.com", "env")
RELIABILITY = Actor("rel@example.com", "env")
RELIABILITY_2 = Actor("rita@example.com", "env")
STRANGER = Actor("eve@example.com", "env")

ROLES = Roles(
    reliability_engineers=frozenset({"sre"}),
    teams={
        "team-payments": frozenset({"ana@example.com", "bo@example.com"}),
        "sre": frozenset({"rel@example.com", "rita@example.com"}),
    },
)

CONFIG_TOML = """
[roles]
reliability_engineers = ["sre"]

[[teams]]
name = "team-payments"
members = ["ana@example.com", "bo@example.com"]

[[teams]]
name = "sre"
members = ["rel@example.com", "rita@example.com"]

[[services]]
name = "payments-api"
owner = "team-payments"
tier = "mission-critical"
golden_thread = true

[[services]]
name = "wiki"
owner = "team-payments"
tier = "non-critical"
"""


def record_scan(
    store: Store,
    service: Service,
    levels: Mapping[str, str],
    evidence: Mapping[str, Any] | None = None,
) -> int:
    """One complete scan of ``service``: each category at the given level.

    Each category is judged on one fact ``fact.<category>`` whose value defaults to the level;
    pass ``evidence`` to change a fact (and so the evidence digest) without changing the level.
    """
    evidence = evidence or {}
    scan_id = store.start_scan("test-rules", "test")
    with store.transaction() as tx:
        stored = {
            e.key: e
            for e in tx.add_evidence(
                [
                    Evidence(
                        key=f"fact.{category}",
                        value=evidence.get(category, level),
                        probe="test",
                        probe_version="1",
                        locators=(Locator(path=f"deploy/{category}.yaml", line=3),),
                    )
                    for category, level in levels.items()
                ]
            )
        }
        assessments = []
        for category, level in levels.items():
            fact = stored[f"fact.{category}"]
            assert fact.id is not None
            assessments.append(
                Assessment(
                    category=category,
                    level=Level(level),
                    trace=(
                        CriterionResult(
                            id=f"{category}-green",
                            level=Level.GREEN,
                            expression=f'fact.{category} == "green"',
                            description=f"{category} is green",
                            result=Truth.TRUE if level == "green" else Truth.FALSE,
                            facts=(f"fact.{category}",),
                            evidence_ids=(fact.id,),
                        ),
                    ),
                    evidence_ids=(fact.id,),
                )
            )
        tx.add_service_scan(
            scan_id=scan_id,
            service=service,
            evidence=list(stored.values()),
            assessments=assessments,
            target_runs=[],
            rules_digest="test-rules",
        )
    store.finish_scan(scan_id, "complete")
    return scan_id
