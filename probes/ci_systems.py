"""Which CI systems the repository defines pipelines for."""

from __future__ import annotations

from collections.abc import Iterator

from probes.observations import boolean
from scanner.models import FactSpec, Observation
from scanner.probe import Probe
from scanner.repository import RepoSnapshot
from scanner.repository.pipelines import AZURE, GITHUB

FACTS = (
    FactSpec("ci.github_actions", "bool", "At least one GitHub Actions workflow is defined."),
    FactSpec("ci.azure_pipelines", "bool", "At least one Azure Pipelines YAML file is defined."),
)


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    for key, system in (("ci.github_actions", GITHUB), ("ci.azure_pipelines", AZURE)):
        found = [p.path for p in snapshot.pipelines if p.system == system]
        yield boolean(key, found, snapshot.pipeline_problems(system))


PROBE = Probe(
    id="ci-systems",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Parses .github/workflows/*.yml and Azure Pipelines YAML files.",
)
