"""Does the repository hold load or performance tests?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from probes.observations import boolean, dependencies_matching, first, matching_steps
from scanner.models import FactSpec, Observation
from scanner.probe import Probe
from scanner.repository import RepoSnapshot

FACTS = (
    FactSpec(
        "tests.performance",
        "bool",
        "Load or performance test assets exist (k6, Locust, JMeter, Gatling, Artillery, NBomber, "
        "Azure Load Testing).",
    ),
)

_LIBRARIES = {
    "nuget": (r"NBomber(\..+)?",),
    "maven": (r"io\.gatling(\..+)?:.+", r"org\.apache\.jmeter:.+"),
    "pypi": (r"locust",),
    "npm": (r"artillery(-.+)?", r"k6", r"@types/k6", r"autocannon"),
}
_FILES = re.compile(
    r".+\.jmx|locustfile\.py|.*Simulation\.(scala|java|kt)|artillery.*\.ya?ml", re.IGNORECASE
)
_K6 = re.compile(r"""^\s*import\b[^\n]*\bfrom\s+["']k6(/[\w/-]+)?["']""", re.MULTILINE)
_LOCUST = re.compile(r"^\s*(from\s+locust\s+import|import\s+locust)\b", re.MULTILINE)
# Azure Load Testing's test configuration file.
_ALT_CONFIG = re.compile(r"^(testPlan|testId):\s*\S", re.MULTILINE)
_ALT_ACTIONS = re.compile(r"^azure/load-testing$|^AzureLoadTest$", re.IGNORECASE)


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    yaml = snapshot.with_suffix(".yaml", ".yml")
    code = (".js", ".ts", ".mjs", ".py")
    found = first(
        lambda: snapshot.files_named(_FILES),
        lambda: dependencies_matching(snapshot, _LIBRARIES),
        lambda: matching_steps(snapshot, uses=_ALT_ACTIONS),
        lambda: [snapshot.grep(_ALT_CONFIG, paths=yaml)],
        lambda: [snapshot.grep(_K6, suffixes=code[:3])],
        lambda: [snapshot.grep(_LOCUST, suffixes=code[3:])],
    )
    problems = snapshot.dependency_problems()
    if not found:  # a script that could not be read may be the load test
        problems += snapshot.unreadable_in(yaml + snapshot.with_suffix(*code))
    yield boolean("tests.performance", found, problems)


PROBE = Probe(
    id="performance-tests",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for JMeter plans, k6/Locust/Gatling/Artillery scripts, NBomber and Azure "
    "Load Testing configuration.",
)
