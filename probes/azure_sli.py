"""How available and how fast was the service over the last 28 days, against its objectives?"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.azure.collector import MonitorSnapshot
from scanner.azure.settings import SLI_DAYS
from scanner.models import FactSpec, Locator, Observation
from scanner.probe import Probe

FACTS = (
    FactSpec(
        "azure.sli.measured",
        "bool",
        "Requests of the service were recorded in Application Insights / Log Analytics in the "
        "last 28 days, so its SLIs can be measured.",
    ),
    FactSpec(
        "azure.sli.availability",
        "float",
        "Percentage of successful requests over the last 28 days.",
    ),
    FactSpec(
        "azure.sli.latency_p95_ms",
        "float",
        "95th percentile request duration in milliseconds over the last 28 days.",
    ),
    FactSpec(
        "azure.slo.availability_met",
        "bool",
        "The measured availability meets the service's availability objective.",
    ),
    FactSpec(
        "azure.slo.latency_met",
        "bool",
        "The measured p95 latency is within the service's latency objective.",
    ),
    FactSpec(
        "azure.slo.error_budget_remaining",
        "float",
        "Percentage of the 28-day error budget left (negative when overspent).",
    ),
)
KEYS = [f.key for f in FACTS]


def observe(snapshot: MonitorSnapshot) -> Iterator[Observation]:
    if snapshot.error or snapshot.row is None:
        for key in KEYS:
            yield Observation.unknown(key, snapshot.error or "no SLI data")
        return
    where = (Locator(resource_id=snapshot.source, query=snapshot.query),)
    total = int(snapshot.row.get("total") or 0)
    successful = int(snapshot.row.get("successful") or 0)
    p95 = snapshot.row.get("p95_ms")
    yield Observation("azure.sli.measured", total > 0, where)
    if total == 0:
        for key in KEYS[1:]:
            yield Observation.unknown(key, f"no requests recorded in the last {SLI_DAYS} days")
        return
    availability = round(100.0 * successful / total, 4)
    yield Observation("azure.sli.availability", availability, where)
    if p95 is None:
        yield Observation.unknown("azure.sli.latency_p95_ms", "the query returned no p95_ms")
    else:
        yield Observation("azure.sli.latency_p95_ms", round(float(p95), 2), where)
    slo = snapshot.scope.slo
    no_target = "no {} objective configured for the service (azure.slo.{} in the catalog)"
    if slo.availability is None:
        reason = no_target.format("availability", "availability")
        yield Observation.unknown("azure.slo.availability_met", reason)
        yield Observation.unknown("azure.slo.error_budget_remaining", reason)
    else:
        yield Observation("azure.slo.availability_met", availability >= slo.availability, where)
        failed = 1.0 - successful / total
        budget = 1.0 - slo.availability / 100.0
        yield Observation(
            "azure.slo.error_budget_remaining", round(100.0 * (1.0 - failed / budget), 2), where
        )
    if slo.latency_p95_ms is None:
        yield Observation.unknown(
            "azure.slo.latency_met", no_target.format("latency", "latency_p95_ms")
        )
    elif p95 is None:
        yield Observation.unknown("azure.slo.latency_met", "the query returned no p95_ms")
    else:
        yield Observation("azure.slo.latency_met", float(p95) <= slo.latency_p95_ms, where)


PROBE = Probe(
    id="azure-sli",
    version="1",
    target_kind="azure-monitor",
    facts=FACTS,
    observe=observe,
    description="Availability and p95 latency over 28 days from Application Insights requests "
    "(or AppRequests in a workspace), against the service's SLO targets.",
)
