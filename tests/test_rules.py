"""Loading and validating the framework: every kind of rule-file error names its file and line."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from scanner.errors import InputError, RulesError
from scanner.models import FactSpec, Level, Tier
from scanner.rules import Framework, default_rules_dir, load_framework

# The facts the repository probes declare, restated here so these tests do not depend on them.
_DECLARED = """
repo.readme bool, repo.codeowners bool, repo.security_policy bool, repo.runbook bool,
repo.stacks list[str], ci.github_actions bool, ci.azure_pipelines bool, ci.runs_tests bool,
ci.deploys bool, ci.environments bool, iac.pipeline bool, deps.update_bot bool, security.sast bool,
security.secret_scanning bool, tests.present bool, tests.performance bool, iac.kinds list[str],
iac.zone_redundant bool, container.dockerfile bool, logging.structured bool, telemetry.sdk bool,
health.endpoint bool, resilience.library bool, alerts.as_code bool, dashboards.as_code bool,
slo.defined bool,
azure.redundancy.zone_redundant bool, azure.redundancy.multi_region bool,
azure.redundancy.multi_instance bool, azure.redundancy.storage_replication list[str],
azure.recovery.key_vault_protected bool, azure.recovery.backups bool, azure.recovery.locked bool,
azure.health.app_service_health_check bool, azure.health.aks_monitoring bool,
azure.monitoring.diagnostic_settings bool, azure.monitoring.app_insights bool,
azure.monitoring.availability_tests bool, azure.monitoring.alerts_wired bool,
azure.monitoring.service_health_alert bool, azure.security.https_only bool,
azure.security.min_tls_12 bool, azure.security.private_network bool, azure.sli.measured bool,
azure.sli.availability float, azure.sli.latency_p95_ms float, azure.slo.availability_met bool,
azure.slo.latency_met bool, azure.slo.error_budget_remaining float,
dora.deployment_frequency_per_week float, dora.lead_time_hours float,
dora.change_failure_rate float, dora.time_to_restore_hours float,
scm.pr_required bool, scm.required_approvals int, scm.codeowner_review_required bool,
scm.required_status_checks list[str], scm.protection_includes_admins bool
"""
FACTS: dict[str, FactSpec] = {
    key: FactSpec(key=key, type=kind, meaning=f"test fact {key}")
    for key, kind in (item.split() for item in _DECLARED.split(",") if item.strip())
}

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules.md"

TEMPLATE = """\
pillar: ops
name: Operations
description: Test pillar.
categories:
  - id: docs
    name: Documentation
    rationale: Why it matters.
    guidance: https://fundamentals.example/guidance/docs
    definitions:
      red: No README.
      amber: A README.
      green: A runbook too.
    remediation:
      amber: Write a README.
      green: Write a runbook.
    criteria:
      amber:
        - id: readme
          description: A README exists.
          expr: repo.readme
      green:
        - id: runbook
          description: A runbook exists.
          expr: repo.runbook
"""


def write(tmp_path: Path, text: str, name: str = "ops.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def errors_of(*paths: Path) -> list[str]:
    with pytest.raises(RulesError) as caught:
        load_framework(list(paths), FACTS)
    return str(caught.value).splitlines()


def single_error(tmp_path: Path, text: str) -> tuple[Path, str]:
    path = write(tmp_path, text)
    errors = errors_of(path)
    assert len(errors) == 1, errors
    return path, errors[0]


# --- the default pack ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework([default_rules_dir()], FACTS)


def test_default_pack_loads(framework: Framework) -> None:
    assert [p.name for p in framework.pillars] == [
        "Monitoring & Observability",
        "Deployability",
        "Resilience",
        "Security & Operability",
    ]
    assert len(framework.categories) >= 14
    ids = [c.id for c in framework.categories]
    assert len(ids) == len(set(ids))
    assert framework.facts_used <= FACTS.keys()


def test_default_pack_categories_are_complete(framework: Framework) -> None:
    for category in framework.categories:
        assert set(category.definitions) == {Level.RED, Level.AMBER, Level.GREEN}, category.id
        assert set(category.remediation) == {Level.AMBER, Level.GREEN}, category.id
        assert category.guidance.startswith("https://"), category.id
        assert category.rationale, category.id
        assert category.criteria_for(Level.AMBER), category.id
        assert category.criteria_for(Level.GREEN), category.id
        assert category.source.startswith(str(default_rules_dir())), category.source


def test_default_pack_tiers(framework: Framework) -> None:
    performance = framework.category("performance-testing")
    assert performance.tiers == (Tier.BUSINESS_CRITICAL, Tier.MISSION_CRITICAL)
    assert not performance.applies_to(Tier.NON_CRITICAL)
    assert framework.category("logging").tiers is None


def test_default_pack_loads_fast() -> None:
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        load_framework([default_rules_dir()], FACTS)
        best = min(best, time.perf_counter() - start)
    assert best < 0.05, f"loading the default pack took {best * 1000:.1f} ms"


def test_digest_is_stable_and_tracks_content(tmp_path: Path) -> None:
    path = write(tmp_path, TEMPLATE)
    first = load_framework([path], FACTS).digest
    assert first == load_framework([path], FACTS).digest
    assert len(first) == 64
    write(tmp_path, TEMPLATE.replace("A README exists.", "A README file exists."))
    assert load_framework([path], FACTS).digest != first


def test_category_lookup(framework: Framework) -> None:
    assert framework.category("logging").pillar == "monitoring"
    with pytest.raises(KeyError, match="no category 'nope'"):
        framework.category("nope")


def test_docs_cover_every_category_and_criterion(framework: Framework) -> None:
    docs = DOCS.read_text()
    for category in framework.categories:
        assert f"`{category.id}`" in docs, category.id
        assert category.guidance in docs, category.id
        for criterion in category.criteria:
            assert f"`{criterion.id}`" in docs, f"{category.id}/{criterion.id}"
            assert criterion.expression in docs, f"{category.id}/{criterion.id}"


# --- what a loaded rule looks like -----------------------------------------------------------


def test_loaded_criterion(tmp_path: Path) -> None:
    text = TEMPLATE.replace(
        "expr: repo.runbook",
        'expr: repo.runbook && repo.stacks.exists(s, s == "ci.x") && "x" in iac.kinds\n'
        "          effective_from: 2030-01-02",
    )
    path = write(tmp_path, text)
    category = load_framework([path], FACTS).category("docs")
    amber, green = category.criteria
    assert amber.level is Level.AMBER and green.level is Level.GREEN
    assert amber.facts == ("repo.readme",)
    # the comprehension variable and the string literal are not facts
    assert green.facts == ("iac.kinds", "repo.runbook", "repo.stacks")
    assert green.effective_from == date(2030, 1, 2)
    assert green.source == f"{path}:{line_of(text, '- id: runbook')}"
    assert category.source == f"{path}:{line_of(text, '- id: docs')}"
    assert not green.counts_on(date(2030, 1, 1)) and green.counts_on(date(2030, 1, 2))


def test_criterion_equality_ignores_the_compiled_program(tmp_path: Path) -> None:
    path = write(tmp_path, TEMPLATE)
    one = load_framework([path], FACTS).category("docs")
    two = load_framework([path], FACTS).category("docs")
    assert one.criteria == two.criteria
    assert hash(one.criteria[0]) == hash(two.criteria[0])
    assert "program" not in repr(one.criteria[0])


def test_folders_load_in_pillar_order(tmp_path: Path) -> None:
    write(tmp_path, TEMPLATE.replace("pillar: ops", "pillar: zulu\norder: 1"), "a.yaml")
    second = TEMPLATE.replace("pillar: ops", "pillar: alpha\norder: 2").replace(
        "id: docs", "id: docs2"
    )
    write(tmp_path, second, "b.yaml")
    framework = load_framework([tmp_path], FACTS)
    assert [p.id for p in framework.pillars] == ["zulu", "alpha"]


# --- validation errors: each names path:line -------------------------------------------------


def test_rules_error_is_an_input_error() -> None:
    assert issubclass(RulesError, InputError)


def test_yaml_syntax_error(tmp_path: Path) -> None:
    text = TEMPLATE.replace("red: No README.", "red: [No README.")
    path, error = single_error(tmp_path, text)
    assert error.startswith(f"{path}:{line_of(text, 'amber: A README.')}: YAML syntax error")


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    text = TEMPLATE.replace("amber: A README.", "amber: A README.\n      amber: Again.")
    path, error = single_error(tmp_path, text)
    assert error.startswith(f"{path}:{line_of(text, 'amber: Again.')}: YAML syntax error")
    assert "duplicate key 'amber'" in error


def test_missing_key(tmp_path: Path) -> None:
    text = TEMPLATE.replace("    guidance: https://fundamentals.example/guidance/docs\n", "")
    path, error = single_error(tmp_path, text)
    assert (
        error
        == f"{path}:{line_of(text, '- id: docs')}: category is missing required key 'guidance'"
    )


def test_unknown_key_suggests(tmp_path: Path) -> None:
    text = TEMPLATE.replace("description: A README exists.", "descripton: A README exists.")
    path, error = single_error(tmp_path, text)
    assert error.startswith(f"{path}:{line_of(text, 'descripton')}: unknown key 'descripton'")
    assert "did you mean 'description'?" in error


def test_missing_and_unknown_level(tmp_path: Path) -> None:
    text = TEMPLATE.replace("      green: A runbook too.\n", "      blue: A runbook too.\n")
    path = write(tmp_path, text)
    errors = errors_of(path)
    assert (
        f"{path}:{line_of(text, 'definitions:')}: definitions is missing required level 'green'"
        in errors
    )
    assert any(
        e.startswith(f"{path}:{line_of(text, 'blue:')}: unknown level 'blue'") for e in errors
    )


def test_bad_criteria_level(tmp_path: Path) -> None:
    text = TEMPLATE.replace(
        "      green:\n        - id: runbook", "      red:  # no\n        - id: runbook"
    )
    path, error = single_error(tmp_path, text)
    assert error.startswith(f"{path}:{line_of(text, '# no')}: unknown level 'red' in criteria")


def test_bad_tier(tmp_path: Path) -> None:
    text = TEMPLATE.replace("    name: Documentation", "    name: Documentation\n    tiers: [gold]")
    path, error = single_error(tmp_path, text)
    assert error.startswith(f"{path}:{line_of(text, 'tiers:')}: unknown tier 'gold'")
    assert "mission-critical" in error


def test_bad_date(tmp_path: Path) -> None:
    text = TEMPLATE.replace(
        "expr: repo.runbook", "expr: repo.runbook\n          effective_from: 2025-13-01"
    )
    path, error = single_error(tmp_path, text)
    assert error.startswith(
        f"{path}:{line_of(text, 'effective_from')}: effective_from must be a date"
    )


def test_bad_id(tmp_path: Path) -> None:
    text = TEMPLATE.replace("- id: readme", "- id: Read Me")
    path, error = single_error(tmp_path, text)
    assert error.startswith(f"{path}:{line_of(text, 'Read Me')}: id 'Read Me' must be lower-case")


def test_duplicate_criterion_names_both_places(tmp_path: Path) -> None:
    text = TEMPLATE.replace("- id: runbook", "- id: readme")
    path, error = single_error(tmp_path, text)
    first = f"{path}:{line_of(text, '- id: readme')}"
    second = f"{path}:{line_of(text, 'A runbook exists.') - 1}"
    assert error == f"{second}: duplicate criterion id 'readme' (also at {first})"


def test_duplicate_pillar_and_category_across_files(tmp_path: Path) -> None:
    one = write(tmp_path, TEMPLATE, "one.yaml")
    two = write(tmp_path, TEMPLATE, "two.yaml")
    errors = errors_of(one, two)
    assert errors == [
        f"{two}:1: duplicate pillar id 'ops' (also at {one}:1)",
        f"{two}:5: duplicate category id 'docs' (also at {one}:5)",
    ]


def test_cel_syntax_error(tmp_path: Path) -> None:
    text = TEMPLATE.replace("expr: repo.readme", "expr: repo.readme &&")
    path, error = single_error(tmp_path, text)
    assert error.startswith(f"{path}:{line_of(text, 'repo.readme &&')}: CEL syntax error in readme")


def test_unknown_fact_names_closest(tmp_path: Path) -> None:
    text = TEMPLATE.replace("expr: repo.readme", "expr: repo.read_me || ci.runs_test")
    path = write(tmp_path, text)
    errors = errors_of(path)
    line = line_of(text, "repo.read_me")
    assert errors == [
        f"{path}:{line}: 'repo.read_me' is an undeclared fact; did you mean 'repo.readme'?",
        f"{path}:{line}: 'ci.runs_test' is an undeclared fact; did you mean 'ci.runs_tests'?",
    ]


def test_unknown_namespace(tmp_path: Path) -> None:
    text = TEMPLATE.replace("expr: repo.readme", "expr: cii.runs_tests")
    path, error = single_error(tmp_path, text)
    assert error == (
        f"{path}:{line_of(text, 'cii.')}: 'cii.runs_tests' is an undeclared fact; "
        "did you mean 'ci.runs_tests'?"
    )


def test_namespace_is_not_a_fact(tmp_path: Path) -> None:
    text = TEMPLATE.replace("expr: repo.readme", 'expr: has(ci.deploys) || "x" in repo')
    path, error = single_error(tmp_path, text)
    assert error.startswith(f"{path}:{line_of(text, 'has(')}: 'repo' is a namespace, not a fact")


@pytest.mark.parametrize(
    "expr",
    ["iac.kinds > 1", "size(ci.runs_tests) > 0", "repo.stacks.exists(s, s > 1)"],
)
def test_type_error(tmp_path: Path, expr: str) -> None:
    text = TEMPLATE.replace("expr: repo.readme", f"expr: {expr}")
    path, error = single_error(tmp_path, text)
    assert error.startswith(f"{path}:{line_of(text, expr)}: type error in readme")


def test_type_error_found_with_placeholder_false(tmp_path: Path) -> None:
    # Only the all-false placeholder reaches the ill-typed branch.
    text = TEMPLATE.replace("expr: repo.readme", "expr: repo.readme || iac.kinds > 1")
    path, error = single_error(tmp_path, text)
    assert error.startswith(f"{path}:{line_of(text, 'iac.kinds > 1')}: type error in readme")


def test_non_boolean_expression(tmp_path: Path) -> None:
    text = TEMPLATE.replace("expr: repo.readme", "expr: size(iac.kinds)")
    path, error = single_error(tmp_path, text)
    assert error == f"{path}:{line_of(text, 'size(')}: readme must be a boolean expression, not int"


def test_all_errors_are_reported_together(tmp_path: Path) -> None:
    text = (
        TEMPLATE.replace("expr: repo.readme", "expr: repo.readm")
        .replace("expr: repo.runbook", "expr: repo.runbook ||")
        .replace("    name: Documentation", "    name: Documentation\n    tiers: [gold]")
    )
    other = write(tmp_path, "pillar: x\nname: [oops\n", "other.yaml")
    path = write(tmp_path, text)
    errors = errors_of(path, other)
    assert len(errors) == 4, errors
    assert [e.split(": ")[0] for e in errors] == [
        f"{path}:{line_of(text, 'tiers:')}",
        f"{path}:{line_of(text, 'repo.readm')}",
        f"{path}:{line_of(text, 'repo.runbook ||')}",
        f"{other}:3",
    ]


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert errors_of(missing) == [f"{missing}:1: rule file does not exist"]


def test_file_must_be_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "- just\n- a list\n")
    assert errors_of(path)[0].startswith(f"{path}:1: a rule file must be a mapping")
