"""Fixture repositories under ``fixtures/<case>/``, each with an ``expected.yaml`` that states
the facts the built-in probes must report for it (``null`` meaning unknown)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

import probes
from scanner.models import Observation, Target
from scanner.probe import Probe
from scanner.repository import COLLECTOR, RepoSnapshot

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    expected: dict[str, Any]

    def __str__(self) -> str:
        return self.name


@cache
def all_cases() -> tuple[Case, ...]:
    return tuple(
        Case(d.name, d, yaml.safe_load((d / "expected.yaml").read_text()))
        for d in sorted(FIXTURES.iterdir())
        if (d / "expected.yaml").is_file()
    )


def cases_for(probe: Probe) -> list[tuple[Case, str]]:
    """(case, fact key) for every fixture that states an expectation about one of the probe's
    facts."""
    return [(c, k) for c in all_cases() for k in probe.fact_keys if k in c.expected]


def snapshot_of(path: Path) -> RepoSnapshot:
    return COLLECTOR.collect(Target("repository", str(path)))


def observe(probe: Probe, snapshot: RepoSnapshot) -> dict[str, Observation]:
    observations = {o.key: o for o in probe.observe(snapshot)}
    assert set(observations) == set(probe.fact_keys), "a probe reports every fact it declares"
    return observations


def observe_all(snapshot: RepoSnapshot) -> dict[str, Observation]:
    found: dict[str, Observation] = {}
    for probe in probes.fundamentals_probes():
        if probe.target_kind != "repository":
            continue
        found.update(observe(probe, snapshot))
    return found


def check(case: Case, probe: Probe, key: str) -> None:
    """The probe reports ``key`` for the case as expected, with evidence a reader can follow."""
    observation = observe(probe, snapshot_of(case.path))[key]
    expected = case.expected[key]
    if expected is None:
        assert observation.is_unknown, f"{case}: {key} should be unknown, got {observation.value!r}"
        assert observation.reason, f"{case}: an unknown fact says why"
        return
    assert observation.value == expected, f"{case}: {key}: {observation}"
    if expected is True or (isinstance(expected, list) and expected):
        assert observation.locators, f"{case}: {key} is true but has no locator"
        for locator in observation.locators:
            assert locator.path and (case.path / locator.path).is_file(), locator
            if locator.line is not None:
                lines = (case.path / locator.path).read_text().splitlines()
                assert 1 <= locator.line <= len(lines), locator
    if expected is False:
        assert not observation.locators
