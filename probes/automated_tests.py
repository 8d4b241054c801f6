"""Does the repository contain automated tests?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from probes.observations import boolean
from scanner.models import FactSpec, Observation
from scanner.probe import Probe
from scanner.repository import RepoSnapshot

FACTS = (FactSpec("tests.present", "bool", "Automated tests exist in the repository."),)

_CODE = r"\.(cs|fs|vb|java|kt|scala|groovy|py|js|jsx|mjs|cjs|ts|tsx|go)$"
# Test files by the naming conventions of each stack's test runners (case matters: a file
# named Latest.java is not a test).
_TEST_FILE = re.compile(
    r"""test_.+\.py | .+_test\.py | conftest\.py
      | .+_test\.go
      | .+\.(test|spec)\.(js|jsx|mjs|cjs|ts|tsx)
      | .+(Tests?|IT|Spec)\.(cs|fs|vb|java|kt|scala|groovy)
      | .+\.(Unit|Integration|Functional|Component|Acceptance)?Tests?\.(cs|fs|vb)proj""",
    re.VERBOSE,
)
# Code under a folder that test runners treat as tests.
_TEST_FOLDER = re.compile(rf"(^|/)(tests?|__tests__|spec|src/test|[^/]+\.Tests?)/.*{_CODE}", re.I)


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    found = snapshot.files_named(_TEST_FILE)
    if not found:
        found = [p for p in snapshot.files if _TEST_FOLDER.search(p)]
    yield boolean("tests.present", found)


PROBE = Probe(
    id="automated-tests",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for test files and test folders by each stack's conventions.",
)
