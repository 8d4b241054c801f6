"""Which technology stacks does the repository build?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scanner.models import FactSpec, Locator, Observation
from scanner.probe import Probe
from scanner.repository import RepoSnapshot

FACTS = (
    FactSpec(
        "repo.stacks",
        "list[str]",
        "Stacks with a project manifest in the repository: subset of dotnet, java, python, node, "
        "go (sorted).",
    ),
)

# A stack counts when a project manifest declares it, not when a stray script uses its language.
STACK_MANIFESTS = {
    "dotnet": re.compile(r".+\.(csproj|fsproj|vbproj|sln|slnx)|global\.json", re.IGNORECASE),
    "java": re.compile(r"pom\.xml|build\.gradle(\.kts)?|settings\.gradle(\.kts)?"),
    "python": re.compile(r"pyproject\.toml|setup\.py|setup\.cfg|Pipfile|.*requirements.*\.txt"),
    "node": re.compile(r"package\.json"),
    "go": re.compile(r"go\.mod"),
}


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    evidence = {}
    for stack, pattern in STACK_MANIFESTS.items():
        paths = snapshot.files_named(pattern)
        if stack == "python" and not paths:  # requirements/base.txt, requirements/dev.txt
            paths = [p for p in snapshot.with_suffix(".txt") if "requirements/" in p]
        if paths:
            evidence[stack] = paths[0]
    stacks = sorted(evidence)
    yield Observation("repo.stacks", stacks, tuple(Locator(path=evidence[s]) for s in stacks))


PROBE = Probe(
    id="stacks",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for .NET, Maven/Gradle, Python, Node and Go project manifests.",
)
