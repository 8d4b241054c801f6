"""Does the repository tell people how to report a vulnerability (SECURITY.md)?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from probes.observations import boolean
from scanner.models import FactSpec, Observation
from scanner.probe import Probe
from scanner.repository import RepoSnapshot

FACTS = (
    FactSpec(
        "repo.security_policy",
        "bool",
        "A SECURITY.md policy exists at the root, .github/ or docs/.",
    ),
)

_POLICY = re.compile(r"((\.github|docs)/)?security(\.(md|markdown|rst|txt|adoc))?", re.IGNORECASE)


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    yield boolean("repo.security_policy", [p for p in snapshot.files if _POLICY.fullmatch(p)])


PROBE = Probe(
    id="security-policy",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for SECURITY.md where GitHub reads it.",
)
