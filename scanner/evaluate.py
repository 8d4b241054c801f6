"""Evidence → assessments. Pure functions: no I/O, no clock (``today`` is an argument).

Logic is three-valued. Only facts with known values enter the CEL context, so CEL's ``&&`` and
``||`` decide what they can without the rest (``false && <missing>`` is false) and an evaluation
error means the criterion is undetermined. An undetermined criterion is *not assessed* when every
fact it lacks has no configured source, else *unknown*. A category is never Red only because we
could not look.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import cel

from scanner.models import Assessment, CriterionResult, Evidence, Level, Tier, Truth
from scanner.rules import Category, Criterion, Framework

_UNDETERMINED = (Truth.UNKNOWN, Truth.NOT_ASSESSED)


def assess(
    category: Category,
    evidence: Mapping[str, Evidence],
    *,
    tier: Tier,
    assessable: frozenset[str],
    today: date,
) -> Assessment:
    """The level of one category for one service, with the trace that explains it."""
    return _assess(category, evidence, cel.Context(fact_context(evidence)), tier, assessable, today)


def assess_all(
    framework: Framework,
    evidence: Mapping[str, Evidence],
    *,
    tier: Tier,
    assessable: frozenset[str],
    today: date,
) -> list[Assessment]:
    """Assess every category of the framework, in framework order."""
    # One converted CEL environment per service: converting the facts is the expensive part
    # (~20 µs); each criterion then evaluates in well under a microsecond.
    context = cel.Context(fact_context(evidence))
    return [_assess(c, evidence, context, tier, assessable, today) for c in framework.categories]


def fact_context(evidence: Mapping[str, Evidence]) -> dict[str, Any]:
    """The nested CEL context of the facts with known values: ``{"ci": {"runs_tests": True}}``."""
    context: dict[str, Any] = {}
    for key, item in evidence.items():
        if item.value is None:
            continue
        *parents, leaf = key.split(".")
        node = context
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):  # a fact that is also a namespace: keep the first
                break
        else:
            node[leaf] = item.value
    return context


def _assess(
    category: Category,
    evidence: Mapping[str, Evidence],
    context: cel.Context,
    tier: Tier,
    assessable: frozenset[str],
    today: date,
) -> Assessment:
    if not category.applies_to(tier):
        tiers = ", ".join(t.value for t in category.tiers or ())
        return Assessment(
            category=category.id,
            level=Level.NOT_APPLICABLE,
            note=f"applies only to tiers {tiers}; this service is {tier.value}",
        )
    trace = tuple(_criterion(c, evidence, context, assessable, today) for c in category.criteria)
    level, at_least = _level(trace)
    note = _note(trace, evidence, assessable) if level in _UNDETERMINED_LEVELS else ""
    return Assessment(
        category=category.id,
        level=level,
        trace=trace,
        at_least=at_least,
        note=note,
        evidence_ids=tuple(sorted({i for r in trace for i in r.evidence_ids})),
    )


_UNDETERMINED_LEVELS = (Level.UNKNOWN, Level.NOT_ASSESSED)


def _criterion(
    criterion: Criterion,
    evidence: Mapping[str, Evidence],
    context: cel.Context,
    assessable: frozenset[str],
    today: date,
) -> CriterionResult:
    error: str | None = None
    try:
        value = criterion.program.execute(context)
    except Exception as exc:  # noqa: BLE001 - CEL reports missing facts as KeyError/RuntimeError
        value, error = None, _short(exc)
    if isinstance(value, bool):
        result = Truth.TRUE if value else Truth.FALSE
    else:
        if error is None:
            error = f"expression returned {type(value).__name__}, not a boolean"
        missing = _undetermined_facts(criterion.facts, evidence)
        if missing and all(k not in evidence and k not in assessable for k in missing):
            result = Truth.NOT_ASSESSED
        else:
            result = Truth.UNKNOWN
    ids = tuple(
        sorted({e.id for k in criterion.facts if (e := evidence.get(k)) and e.id is not None})
    )
    return CriterionResult(
        id=criterion.id,
        level=criterion.level,
        expression=criterion.expression,
        description=criterion.description,
        result=result,
        facts=criterion.facts,
        evidence_ids=ids,
        error=error,
        counts=criterion.counts_on(today),
    )


def _undetermined_facts(facts: Iterable[str], evidence: Mapping[str, Evidence]) -> list[str]:
    return [k for k in facts if (e := evidence.get(k)) is None or e.value is None]


def _level(trace: Sequence[CriterionResult]) -> tuple[Level, Level | None]:
    """The level the counting criteria prove, and the floor already proven if undetermined."""
    amber = [r.result for r in trace if r.counts and r.level is Level.AMBER]
    green = [r.result for r in trace if r.counts and r.level is Level.GREEN]
    if Truth.FALSE in amber:
        return Level.RED, None
    if all(r is Truth.TRUE for r in amber):
        if Truth.FALSE in green:
            return Level.AMBER, None
        if all(r is Truth.TRUE for r in green):
            return Level.GREEN, None
        floor: Level | None = Level.AMBER
    else:
        floor = None
    undetermined = [r for r in (*amber, *green) if r in _UNDETERMINED]
    if all(r is Truth.NOT_ASSESSED for r in undetermined):
        return Level.NOT_ASSESSED, floor
    return Level.UNKNOWN, floor


def _note(
    trace: Sequence[CriterionResult], evidence: Mapping[str, Evidence], assessable: frozenset[str]
) -> str:
    """Which counting criteria could not be decided, and why."""
    parts: list[str] = []
    for result in trace:
        if not result.counts or result.result not in _UNDETERMINED:
            continue
        reasons = []
        for key in _undetermined_facts(result.facts, evidence):
            item = evidence.get(key)
            if item is not None:
                reasons.append(f"{key} unknown ({item.reason or 'no reason given'})")
            elif key in assessable:
                reasons.append(f"{key} was not reported")
            else:
                reasons.append(f"no source provides {key}")
        if not reasons:
            reasons.append(result.error or "evaluation failed")
        parts.append(f"{result.id}: {'; '.join(reasons)}")
    return "could not decide " + " | ".join(parts) if parts else ""


def _short(exc: BaseException) -> str:
    text = str(exc.args[0]) if exc.args else type(exc).__name__
    if isinstance(exc, KeyError):
        return f"missing {text!r}"
    return text.split(". ")[0][:200]
