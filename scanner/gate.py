"""The CI gate: effective scores of one service, checked against a policy and a baseline.

``evaluate`` is a pure function of scores, policy and baseline. ``gate_latest`` reads the store;
``run_gate`` scans a checkout first. Exit codes: 0 pass, 1 fail (the CLI adds 2 input, 3 fault).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from scanner.effective import EffectiveScore, effective_scores, history, record_retirements
from scanner.errors import CatalogError, FundamentalsError, InputError
from scanner.models import Level, Locator, Service, Truth
from scanner.policy import Policy

BASELINE_FORMAT = "fundamentals-baseline/1"


@dataclass(frozen=True)
class GateCheck:
    """One category's verdict."""

    category: str
    pillar: str | None
    inferred: Level
    effective: Level
    required: Level | None
    baseline: Level | None
    outcome: str  # pass | fail | warn | skip
    reason: str
    why: str = ""  # why effective differs from inferred (from the review log)
    review_id: int | None = None
    locators: tuple[Locator, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "pillar": self.pillar,
            "inferred": self.inferred.value,
            "effective": self.effective.value,
            "required": self.required.value if self.required else None,
            "baseline": self.baseline.value if self.baseline else None,
            "outcome": self.outcome,
            "reason": self.reason,
            "why": self.why,
            "review_id": self.review_id,
            "locators": [loc.as_dict() for loc in self.locators],
        }


@dataclass(frozen=True)
class GateResult:
    service: Service
    scan_id: int | None
    policy: str
    mode: str
    checks: tuple[GateCheck, ...]
    baseline_ref: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def failures(self) -> tuple[GateCheck, ...]:
        return tuple(c for c in self.checks if c.outcome == "fail")

    @property
    def warnings(self) -> tuple[GateCheck, ...]:
        return tuple(c for c in self.checks if c.outcome == "warn")

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.service.name,
            "tier": self.service.tier.value,
            "golden_thread": self.service.golden_thread,
            "scan_id": self.scan_id,
            "policy": self.policy,
            "mode": self.mode,
            "baseline": self.baseline_ref,
            "passed": self.passed,
            "exit_code": self.exit_code,
            "failures": len(self.failures),
            "warnings": len(self.warnings),
            "checks": [c.as_dict() for c in self.checks],
            "notes": list(self.notes),
        }


def evaluate(
    service: Service,
    scores: Sequence[EffectiveScore],
    policy: Policy,
    *,
    pillars: Mapping[str, str] | None = None,
    baseline: Mapping[str, Level] | None = None,
    locators: Mapping[str, tuple[Locator, ...]] | None = None,
    baseline_ref: str | None = None,
) -> GateResult:
    """Judge each category's effective level against the policy and, if given, the baseline."""
    if policy.needs_baseline and baseline is None:
        raise InputError(f"policy {policy.name!r} runs in {policy.mode} mode: give --baseline")
    pillars = pillars or {}
    checks = []
    for s in sorted(scores, key=lambda s: s.category):
        pillar = pillars.get(s.category)
        required, source = policy.required(service, s.category, pillar)
        before = (baseline or {}).get(s.category)
        outcome, reason = _judge(s, required, source, before, policy)
        checks.append(
            GateCheck(
                category=s.category,
                pillar=pillar,
                inferred=s.inferred,
                effective=s.effective,
                required=required,
                baseline=before,
                outcome=outcome,
                reason=reason,
                why=s.why if s.differs or s.stale else "",
                review_id=s.review_id,
                locators=(locators or {}).get(s.category, ()),
            )
        )
    scan_id = scores[0].scan_id if scores else None
    return GateResult(service, scan_id, policy.name, policy.mode, tuple(checks), baseline_ref)


def _judge(
    s: EffectiveScore,
    required: Level | None,
    source: str,
    before: Level | None,
    policy: Policy,
) -> tuple[str, str]:
    level = s.effective
    if level is Level.NOT_APPLICABLE:
        return "skip", "not applicable to this tier"
    verdicts: list[tuple[str, str]] = []
    if required is not None:
        proven = level if level.rank >= 0 else s.at_least
        if proven is not None and proven.rank >= required.rank:
            pass
        elif level.rank < 0:
            verdicts.append(
                (
                    policy.unknown,
                    f"{level.value}: could not be established ({source} needs {required.value})",
                )
            )
        else:
            outcome = "warn" if policy.mode == "no-regression" else "fail"
            verdicts.append((outcome, f"{level.value} is below {required.value} ({source})"))
    if before is not None and before.rank >= 0:
        if level.rank < 0:
            verdicts.append(
                (policy.unknown, f"{level.value} now; was {before.value} in the baseline")
            )
        elif level.rank < before.rank:
            verdicts.append(
                ("fail", f"dropped from {before.value} to {level.value} since the baseline")
            )
    for wanted in ("fail", "warn"):
        hits = [r for o, r in verdicts if o == wanted]
        if hits:
            return wanted, "; ".join(hits)
    if required is not None:
        return "pass", f"meets {required.value} ({source})"
    return "pass", "no requirement"


# --- reading the store -------------------------------------------------------------------------


def _locators(store: Any, service: str) -> tuple[Service | None, dict[str, tuple[Locator, ...]]]:
    """Where each category's unmet criteria looked (their evidence locators)."""
    results = store.latest_results([service])
    if not results:
        return None, {}
    result = results[0]
    by_id = {e.id: e for e in result.evidence.values()}
    found: dict[str, tuple[Locator, ...]] = {}
    for a in result.assessments:
        unmet = [c for c in a.trace if c.result is not Truth.TRUE] or list(a.trace)
        locs: list[Locator] = []
        for c in unmet:
            for key in c.facts:
                if key in result.evidence:
                    locs += result.evidence[key].locators
            for i in c.evidence_ids:
                if i in by_id:
                    locs += by_id[i].locators
        found[a.category] = tuple(dict.fromkeys(locs))
    return result.service, found


def gate_latest(
    store: Any,
    service: str,
    policy: Policy,
    *,
    catalog: Mapping[str, Service] | None = None,
    pillars: Mapping[str, str] | None = None,
    baseline: Mapping[str, Level] | None = None,
    baseline_ref: str | None = None,
    now: datetime | None = None,
) -> GateResult:
    """Gate a service on its latest recorded scan (records due retirements first)."""
    record_retirements(store, now=now)
    stored, locators = _locators(store, service)
    if stored is None:
        raise CatalogError(f"no recorded scan for service {service!r}")
    svc = (catalog or {}).get(service, stored)
    scores = effective_scores(store, [service], now=now)
    return evaluate(
        svc,
        scores,
        policy,
        pillars=pillars,
        baseline=baseline,
        locators=locators,
        baseline_ref=baseline_ref,
    )


def run_gate(
    paths: Sequence[str],
    service: str,
    policy: Policy,
    *,
    store: Any,
    registry: Any,
    framework: Any,
    catalog: Mapping[str, Service],
    baseline_ref: str | None = None,
    now: datetime | None = None,
) -> GateResult:
    """Scan the checkout(s) with the local probes, record the result, then gate on it.

    Raises ``ScanFault`` when the service's result could not be recorded (exit 3).
    """
    from scanner.engine import scan, services_for_paths

    # The baseline is read before the scan, so "previous" means the scan before this one.
    baseline = (
        load_baseline(baseline_ref, store, service, before_scan=True) if baseline_ref else None
    )
    services = services_for_paths(paths, service, dict(catalog))
    outcome = scan(services, store=store, registry=registry, framework=framework)
    if service in outcome.failed:
        raise ScanFault(f"scan of {service} was not recorded: {outcome.failed[service]}")
    pillars = {c.id: c.pillar for c in framework.categories}
    return gate_latest(
        store,
        service,
        policy,
        catalog=catalog,
        pillars=pillars,
        baseline=baseline,
        baseline_ref=baseline_ref,
        now=now,
    )


class ScanFault(FundamentalsError):
    """The scan itself failed: the gate cannot judge (exit 3)."""


# --- baselines ---------------------------------------------------------------------------------


def load_baseline(
    ref: str, store: Any, service: str, *, before_scan: bool = False
) -> dict[str, Level]:
    """Levels to compare against: a baseline JSON file, a scan id, or ``previous``/``latest``.

    From a scan, each category's *effective* level as it stood while that scan was the latest.
    """
    path = Path(ref)
    if path.suffix == ".json" or path.is_file():
        return _baseline_file(path, service)
    points = history(store, service)
    scan_ids = sorted({p.scan_id for p in points})
    if not scan_ids:
        raise InputError(f"baseline {ref!r}: {service} has no recorded scan")
    if ref == "latest":
        chosen = scan_ids[-1]
    elif ref == "previous":
        # Read before the gate's own scan is recorded, the latest *is* the previous one.
        if len(scan_ids) < (1 if before_scan else 2):
            raise InputError(f"baseline 'previous': {service} has no earlier scan")
        chosen = scan_ids[-1] if before_scan else scan_ids[-2]
    elif ref.isdigit() and int(ref) in scan_ids:
        chosen = int(ref)
    else:
        raise InputError(
            f"baseline {ref!r} is not a file, 'latest', 'previous' or a scan id of {service} "
            f"({', '.join(map(str, scan_ids[-5:]))})"
        )
    return {p.category: p.effective for p in points if p.scan_id == chosen}


def _baseline_file(path: Path, service: str) -> dict[str, Level]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read baseline: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT:
        raise InputError(f"{path}: not a baseline file (expected format {BASELINE_FORMAT!r})")
    scores = data.get("services", {}).get(service)
    if not isinstance(scores, dict):
        raise InputError(f"{path}: no baseline for service {service!r}")
    try:
        return {str(k): Level(v) for k, v in scores.items()}
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None


def baseline_json(results: Sequence[GateResult]) -> dict[str, Any]:
    """A baseline file to commit: each service's effective levels now."""
    return {
        "format": BASELINE_FORMAT,
        "services": {
            r.service.name: {c.category: c.effective.value for c in r.checks} for r in results
        },
    }
