"""Does a CI pipeline run the automated tests?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from probes.observations import boolean, matching_steps, script, task_input
from scanner.models import FactSpec, Observation
from scanner.probe import Probe
from scanner.repository import RepoSnapshot, Step

FACTS = (FactSpec("ci.runs_tests", "bool", "A CI job step runs automated tests."),)

_SKIPS_TESTS = re.compile(r"-DskipTests\b|-Dmaven\.test\.skip=true|-x\s+test\b", re.IGNORECASE)
_TEST_COMMAND = re.compile(
    r"""
      \bdotnet\s+(test|vstest)\b
    | \b(mvn|mvnw(\.cmd)?)\b[^\n]*\s(test|verify|install|package|deploy)\b
    | \b(gradle|gradlew(\.bat)?)\b[^\n]*\s:?(test|check|build|integrationTest)\b
    | (^|[\s;&|(])(pytest|py\.test|tox|nox|gotestsum|jest|vitest|mocha|karma|ava)(\s|$|;)
    | \bpython[\d.]*\s+-m\s+(pytest|unittest|tox|nox)\b
    | \b(npm|pnpm|yarn|bun)\s+(run\s+)?(test|t)([:\s;&|]|$)
    | \bnpx\s+(jest|vitest|mocha|playwright\s+test|cypress\s+run)\b
    | \bgo\s+test\b
    | \bmake\s+(test|check)\b
    | \b(hatch|uv|poetry|pdm)\s+(run\s+)?(pytest|test)\b
    """,
    re.VERBOSE | re.MULTILINE,
)
# GitHub actions that run or report tests.
_TEST_ACTIONS = re.compile(
    r"^(dorny/test-reporter|EnricoMi/publish-unit-test-result-action|mikepenz/action-junit-report"
    r"|cypress-io/github-action)$",
    re.IGNORECASE,
)


def _test_task(step: Step) -> bool:
    """Azure Pipelines tasks that run tests or publish their results."""
    name = step.task_name.lower()
    if name in ("vstest", "publishtestresults", "dotnetcorecli", "maven", "gradle", "npm", "go"):
        if name in ("vstest", "publishtestresults"):
            return True
        if name == "dotnetcorecli":
            return task_input(step, "command").strip().lower() == "test"
        if name == "maven":
            goals = task_input(step, "goals", default="package")
            options = task_input(step, "options")
            return bool(re.search(r"\b(test|verify|install|package|deploy)\b", goals)) and not (
                _SKIPS_TESTS.search(options) or _SKIPS_TESTS.search(goals)
            )
        if name == "gradle":
            tasks = task_input(step, "tasks", default="build")
            return bool(re.search(r"\b(test|check|build)\b", tasks)) and not _SKIPS_TESTS.search(
                tasks + " " + task_input(step, "options")
            )
        if name == "npm":
            return bool(re.match(r"(run\s+)?test\b", task_input(step, "customCommand").strip()))
        if name == "go":
            return task_input(step, "command").strip().lower() == "test"
    if name in ("gradle/gradle-build-action", "gradle/actions/setup-gradle"):
        return bool(re.search(r"\b(test|check|build)\b", task_input(step, "arguments")))
    return bool(_TEST_ACTIONS.match(step.task_name))


def _runs_tests(step: Step) -> bool:
    text = script(step)
    return any(
        _TEST_COMMAND.search(line) and not _SKIPS_TESTS.search(line) for line in text.splitlines()
    )


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    found = matching_steps(snapshot, task=_test_task)
    found += [s for s in matching_steps(snapshot, run=_TEST_COMMAND) if _runs_tests(s)]
    found.sort(key=lambda s: (s.path, s.line))
    yield boolean("ci.runs_tests", found, snapshot.pipeline_problems())


PROBE = Probe(
    id="ci-tests",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for test commands and test tasks in pipeline steps.",
)
