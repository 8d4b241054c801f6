"""Is there a README at the root of the repository?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from probes.observations import boolean
from scanner.models import FactSpec, Observation
from scanner.probe import Probe
from scanner.repository import RepoSnapshot

FACTS = (FactSpec("repo.readme", "bool", "A README file exists at the repository root."),)

README_NAME = re.compile(r"readme(\.(md|markdown|rst|txt|adoc|asciidoc|org))?", re.IGNORECASE)


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    found = [p for p in snapshot.files if "/" not in p and README_NAME.fullmatch(p)]
    yield boolean("repo.readme", found)


PROBE = Probe(
    id="readme",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for README, README.md, README.rst … at the repository root.",
)
