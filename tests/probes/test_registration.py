"""The built-in probes as a plugin: registered like a third party's, unique, tested, documented."""

from __future__ import annotations

import importlib
import importlib.metadata
import re
from pathlib import Path

import pluggy

import probes
from scanner import hookspecs
from scanner.models import FACT_TYPES
from tests.probes.cases import all_cases

DOCS = Path(__file__).parents[2] / "docs" / "probes.md"
ALL = probes.fundamentals_probes()
REPOSITORY = [p for p in ALL if p.target_kind == "repository"]
PLATFORM = [p for p in ALL if p.target_kind == "platform"]


def test_the_builtin_probes_are_found_through_the_entry_point_group() -> None:
    entry_points = importlib.metadata.entry_points(group="fundamentals")

    assert "probes" in {e.value for e in entry_points}


def test_a_plugin_manager_collects_the_probes_and_the_collector() -> None:
    manager = pluggy.PluginManager("fundamentals")
    manager.add_hookspecs(hookspecs)
    manager.register(probes)

    registered = [p for batch in manager.hook.fundamentals_probes() for p in batch]
    collectors = [c for batch in manager.hook.fundamentals_collectors() for c in batch]

    assert [p.id for p in registered] == [p.id for p in ALL]
    assert [c.kind for c in collectors] == ["repository", "platform", "azure", "azure-monitor"]


def test_probe_ids_and_fact_keys_are_unique() -> None:
    ids = [p.id for p in ALL]
    keys = [k for p in ALL for k in p.fact_keys]

    assert len(ids) == len(set(ids))
    assert len(keys) == len(set(keys))
    assert all(f.type in FACT_TYPES for p in ALL for f in p.facts)
    assert {p.target_kind for p in ALL} == {"repository", "platform", "azure", "azure-monitor"}


def test_each_probe_lives_in_a_module_named_for_it_with_its_facts_beside_it() -> None:
    for probe in ALL:
        module = probe.observe.__module__
        assert module.startswith("probes.")
        assert module.rsplit(".", 1)[1].replace("_", "-") == probe.id, module
        assert vars(importlib.import_module(module))["FACTS"] == probe.facts


def test_every_fact_has_a_fixture_where_it_holds_and_one_where_it_does_not() -> None:
    # Platform probes are tested against the fake GitHub / Azure DevOps (tests/probes/test_*).
    for probe in REPOSITORY:
        for fact in probe.facts:
            values = [c.expected[fact.key] for c in all_cases() if fact.key in c.expected]
            assert any(v for v in values), f"{fact.key}: no fixture where it is true/non-empty"
            assert any(v is False or v == [] for v in values), f"{fact.key}: no failing fixture"


def test_every_stack_has_a_fixture() -> None:
    stacks = {s for c in all_cases() for s in c.expected.get("repo.stacks") or ()}

    assert stacks == {"dotnet", "java", "python", "node", "go"}


def test_every_probe_and_fact_is_documented() -> None:
    rows = [line for line in DOCS.read_text().splitlines() if line.startswith("| `")]
    documented = {
        (m[1], m[2], m[3])
        for line in rows
        if (m := re.match(r"\| `([^`]+)` \| `([^`]+)` \| ([^|]+?) \|", line))
    }

    for probe in ALL:
        for fact in probe.facts:
            assert (probe.id, fact.key, fact.type) in documented, fact.key


def test_every_probe_has_its_test_module() -> None:
    here = Path(__file__).parent
    for probe in ALL:
        module = probe.observe.__module__.rsplit(".", 1)[1]
        assert (here / f"test_{module}.py").is_file(), module
