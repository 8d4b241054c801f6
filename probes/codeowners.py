"""Does the repository name owners for its code (a CODEOWNERS file)?"""

from __future__ import annotations

from collections.abc import Iterator

from probes.observations import boolean
from scanner.models import FactSpec, Observation
from scanner.probe import Probe
from scanner.repository import RepoSnapshot

FACTS = (
    FactSpec("repo.codeowners", "bool", "A CODEOWNERS file exists at the root, .github/ or docs/."),
)

# The three places GitHub (and Azure Repos' required reviewers by convention) look.
LOCATIONS = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS")


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    yield boolean("repo.codeowners", [p for p in LOCATIONS if snapshot.exists(p)])


PROBE = Probe(
    id="codeowners",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for CODEOWNERS where GitHub reads it.",
)
