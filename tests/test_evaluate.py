"""Evidence → assessments: three-valued semantics, the trace, the default pack's fixtures, speed."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import cel
import pytest

from scanner import safeyaml
from scanner.evaluate import assess, assess_all, fact_context
from scanner.models import Evidence, Level, Tier, Truth
from scanner.rules import Category, Criterion, Framework, default_rules_dir, load_framework
from tests.test_rules import FACTS

TODAY = date(2026, 6, 1)
ALL = frozenset(FACTS)
NONE: frozenset[str] = frozenset()


def criterion(
    id: str,
    expr: str,
    facts: tuple[str, ...],
    level: Level = Level.AMBER,
    since: date | None = None,
) -> Criterion:
    return Criterion(
        id=id,
        level=level,
        expression=expr,
        description=f"{id} holds",
        facts=facts,
        effective_from=since,
        source="test.yaml:1",
        program=cel.compile(expr),
    )


def category(*criteria: Criterion, tiers: tuple[Tier, ...] | None = None) -> Category:
    return Category(
        id="cat",
        name="Category",
        pillar="test",
        definitions={},
        guidance="https://fundamentals.example/guidance/cat",
        remediation={},
        tiers=tiers,
        criteria=criteria,
        source="test.yaml:1",
    )


def evidence(*items: tuple[str, Any], reason: str = "403 from the API") -> dict[str, Evidence]:
    return {
        key: Evidence(
            key=key,
            value=value,
            probe="test",
            probe_version="1",
            reason=reason if value is None else None,
            id=index,
        )
        for index, (key, value) in enumerate(items, start=1)
    }


README = criterion("readme", "repo.readme", ("repo.readme",))
RUNBOOK = criterion("runbook", "repo.runbook", ("repo.runbook",), Level.GREEN)
DOCS = category(README, RUNBOOK)


def level_of(
    cat: Category,
    facts: dict[str, Evidence],
    assessable: frozenset[str] = ALL,
    tier: Tier = Tier.NON_CRITICAL,
    today: date = TODAY,
) -> Level:
    return assess(cat, facts, tier=tier, assessable=assessable, today=today).level


# --- two-valued basics -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("readme", "runbook", "expected"),
    [(False, True, Level.RED), (True, False, Level.AMBER), (True, True, Level.GREEN)],
)
def test_rag(readme: bool, runbook: bool, expected: Level) -> None:
    facts = evidence(("repo.readme", readme), ("repo.runbook", runbook))
    assert level_of(DOCS, facts) is expected


def test_no_criteria_at_a_level_means_satisfied() -> None:
    assert level_of(category(README), evidence(("repo.readme", True))) is Level.GREEN
    assert level_of(category(), {}) is Level.GREEN


def test_fact_context_holds_only_known_values() -> None:
    facts = evidence(("ci.runs_tests", True), ("ci.deploys", None), ("repo.stacks", ["go"]))
    assert fact_context(facts) == {"ci": {"runs_tests": True}, "repo": {"stacks": ["go"]}}


# --- three-valued ----------------------------------------------------------------------------


def test_unknown_is_never_red() -> None:
    result = assess(
        DOCS,
        evidence(("repo.readme", None), ("repo.runbook", False)),
        tier=Tier.NON_CRITICAL,
        assessable=ALL,
        today=TODAY,
    )
    assert result.level is Level.UNKNOWN
    assert result.at_least is None
    assert result.trace[0].result is Truth.UNKNOWN
    assert "repo.readme unknown (403 from the API)" in result.note


def test_false_and_unknown_is_red() -> None:
    both = category(
        criterion("both", "repo.readme && repo.codeowners", ("repo.codeowners", "repo.readme"))
    )
    facts = evidence(("repo.readme", False), ("repo.codeowners", None))
    assert level_of(both, facts) is Level.RED


def test_true_or_unknown_is_true() -> None:
    either = category(
        criterion(
            "ci",
            "ci.github_actions || ci.azure_pipelines",
            ("ci.azure_pipelines", "ci.github_actions"),
        )
    )
    assert level_of(either, evidence(("ci.github_actions", True))) is Level.GREEN
    assert (
        level_of(either, evidence(("ci.github_actions", False), ("ci.azure_pipelines", None)))
        is Level.UNKNOWN
    )


def test_not_assessed_when_no_source_provides_the_fact() -> None:
    result = assess(DOCS, {}, tier=Tier.NON_CRITICAL, assessable=NONE, today=TODAY)
    assert result.level is Level.NOT_ASSESSED
    assert {r.result for r in result.trace} == {Truth.NOT_ASSESSED}
    assert "no source provides repo.readme" in result.note


def test_unknown_when_a_source_exists_but_did_not_report() -> None:
    result = assess(DOCS, {}, tier=Tier.NON_CRITICAL, assessable=ALL, today=TODAY)
    assert result.level is Level.UNKNOWN
    assert "repo.readme was not reported" in result.note


def test_unknown_evidence_is_unknown_even_without_a_declared_source() -> None:
    assert level_of(DOCS, evidence(("repo.readme", None)), assessable=NONE) is Level.UNKNOWN


def test_mixed_not_assessed_and_unknown_is_unknown() -> None:
    cat = category(README, criterion("owners", "repo.codeowners", ("repo.codeowners",)))
    facts = evidence(("repo.readme", None))
    assert level_of(cat, facts, assessable=NONE) is Level.UNKNOWN
    assert level_of(cat, {}, assessable=NONE) is Level.NOT_ASSESSED


def test_at_least_amber_when_amber_is_proven() -> None:
    result = assess(
        DOCS, evidence(("repo.readme", True)), tier=Tier.NON_CRITICAL, assessable=NONE, today=TODAY
    )
    assert result.level is Level.NOT_ASSESSED
    assert result.at_least is Level.AMBER
    assert result.next_level is Level.GREEN
    assert result.note == "could not decide runbook: no source provides repo.runbook"


def test_green_false_decides_amber_despite_other_unknowns() -> None:
    cat = category(README, RUNBOOK, criterion("slo", "slo.defined", ("slo.defined",), Level.GREEN))
    facts = evidence(("repo.readme", True), ("repo.runbook", False), ("slo.defined", None))
    result = assess(cat, facts, tier=Tier.NON_CRITICAL, assessable=ALL, today=TODAY)
    assert result.level is Level.AMBER
    assert result.note == ""


def test_amber_unknown_green_false_has_no_floor() -> None:
    result = assess(
        DOCS,
        evidence(("repo.readme", None), ("repo.runbook", False)),
        tier=Tier.NON_CRITICAL,
        assessable=ALL,
        today=TODAY,
    )
    assert (result.level, result.at_least) == (Level.UNKNOWN, None)


# --- effective_from and tiers ----------------------------------------------------------------


def test_future_criterion_is_traced_but_does_not_count() -> None:
    later = criterion("later", "repo.runbook", ("repo.runbook",), Level.AMBER, date(2027, 1, 1))
    cat = category(README, later)
    facts = evidence(("repo.readme", True), ("repo.runbook", False))
    before = assess(cat, facts, tier=Tier.NON_CRITICAL, assessable=ALL, today=date(2026, 12, 31))
    assert before.level is Level.GREEN
    assert before.trace[1].result is Truth.FALSE and before.trace[1].counts is False
    assert level_of(cat, facts, today=date(2027, 1, 1)) is Level.RED


def test_future_criterion_unknown_does_not_make_the_level_unknown() -> None:
    later = criterion("later", "repo.runbook", ("repo.runbook",), Level.GREEN, date(2027, 1, 1))
    facts = evidence(("repo.readme", True), ("repo.runbook", None))
    assert level_of(category(README, later), facts) is Level.GREEN


def test_not_applicable_tier() -> None:
    critical = category(README, tiers=(Tier.BUSINESS_CRITICAL, Tier.MISSION_CRITICAL))
    result = assess(critical, {}, tier=Tier.NON_CRITICAL, assessable=ALL, today=TODAY)
    assert result.level is Level.NOT_APPLICABLE
    assert result.trace == ()
    assert "business-critical" in result.note
    assert (
        level_of(critical, evidence(("repo.readme", False)), tier=Tier.MISSION_CRITICAL)
        is Level.RED
    )


# --- the trace -------------------------------------------------------------------------------


def test_trace_records_facts_and_evidence() -> None:
    cat = category(
        criterion("both", "repo.readme && repo.codeowners", ("repo.codeowners", "repo.readme")),
        RUNBOOK,
    )
    facts = evidence(("repo.runbook", True), ("repo.readme", True), ("repo.codeowners", True))
    result = assess(cat, facts, tier=Tier.NON_CRITICAL, assessable=ALL, today=TODAY)
    both, runbook = result.trace
    assert both.facts == ("repo.codeowners", "repo.readme")
    assert both.evidence_ids == (2, 3)
    assert runbook.evidence_ids == (1,)
    assert result.evidence_ids == (1, 2, 3)
    assert both.level is Level.AMBER and both.description == "both holds"
    assert both.expression == "repo.readme && repo.codeowners"
    assert both.error is None


def test_trace_keeps_the_evaluation_error_of_an_undetermined_criterion() -> None:
    result = assess(DOCS, {}, tier=Tier.NON_CRITICAL, assessable=ALL, today=TODAY)
    assert result.trace[0].error
    assert result.evidence_ids == ()


def test_assess_all_matches_assess(framework: Framework) -> None:
    facts = evidence(*((key, True) for key, spec in FACTS.items() if spec.type == "bool"))
    results = assess_all(framework, facts, tier=Tier.BUSINESS_CRITICAL, assessable=ALL, today=TODAY)
    assert [a.category for a in results] == [c.id for c in framework.categories]
    for cat, result in zip(framework.categories, results, strict=True):
        assert result == assess(
            cat, facts, tier=Tier.BUSINESS_CRITICAL, assessable=ALL, today=TODAY
        )


# --- the default pack's fixtures -------------------------------------------------------------


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework([default_rules_dir()], FACTS)


def _fixture_cases() -> list[Any]:
    cases = []
    for path in sorted((default_rules_dir() / "fixtures").glob("*.yaml")):
        for category_id, examples in safeyaml.load(path.read_bytes()).items():
            for example in examples:
                cases.append(
                    pytest.param(category_id, example, id=f"{category_id}:{example['name']}")
                )
    return cases


FIXTURES = _fixture_cases()


@pytest.mark.parametrize(("category_id", "example"), FIXTURES)
def test_fixture(framework: Framework, category_id: str, example: dict[str, Any]) -> None:
    facts = example["facts"]
    assert set(facts) <= FACTS.keys(), f"fixture uses undeclared facts {set(facts) - FACTS.keys()}"
    result = assess(
        framework.category(category_id),
        evidence(*facts.items()),
        tier=Tier(example.get("tier", Tier.NON_CRITICAL)),
        assessable=frozenset(example.get("assessable", facts)),
        today=example.get("today", date.today()),
    )
    assert result.level is Level(example["expected"]), result.trace


def test_every_category_has_red_amber_and_green_fixtures(framework: Framework) -> None:
    expected: dict[str, set[str]] = {}
    for param in FIXTURES:
        category_id, example = param.values
        expected.setdefault(category_id, set()).add(example["expected"])
    assert set(expected) == {c.id for c in framework.categories}
    for category_id, levels in expected.items():
        assert {"red", "amber", "green"} <= levels, category_id


# --- speed -----------------------------------------------------------------------------------


def test_assessing_1000_services_is_fast(framework: Framework) -> None:
    keys = sorted(FACTS)
    services = []
    for n in range(1000):
        items = []
        for i, key in enumerate(keys):
            if (n + i) % 7 == 0:
                continue  # no source reported it
            value: Any = None if (n * i) % 11 == 0 else (n + i) % 3 != 0
            if FACTS[key].type == "list[str]" and value is not None:
                value = ["python"] if value else []
            items.append((key, value))
        services.append(evidence(*items))
    start = time.perf_counter()
    for facts in services:
        assess_all(framework, facts, tier=Tier.MISSION_CRITICAL, assessable=ALL, today=TODAY)
    elapsed = time.perf_counter() - start
    per_category = elapsed / (1000 * len(framework.categories))
    assert per_category < 100e-6, f"{per_category * 1e6:.1f} µs per category"


def test_rules_dir_is_a_folder() -> None:
    assert isinstance(default_rules_dir(), Path)
    assert (default_rules_dir() / "monitoring.yaml").is_file()
