"""Is the service built into a container image (a Dockerfile or Containerfile)?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from probes.observations import boolean
from scanner.models import FactSpec, Observation
from scanner.probe import Probe
from scanner.repository import RepoSnapshot

FACTS = (FactSpec("container.dockerfile", "bool", "A Dockerfile or Containerfile exists."),)

DOCKERFILE = re.compile(
    r"(Dockerfile|Containerfile)([.-](?!(py|md|txt|cs|go|java|js|ts|json|ya?ml|sh)$)[^/]+)?"
    r"|[^/]+\.(Dockerfile|Containerfile)",
    re.IGNORECASE,
)


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    yield boolean("container.dockerfile", snapshot.files_named(DOCKERFILE))


PROBE = Probe(
    id="dockerfile",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for Dockerfile, Dockerfile.*, *.Dockerfile and Containerfile anywhere.",
)
