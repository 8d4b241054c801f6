"""Does GitHub accept the CODEOWNERS file (no unknown owners, no syntax errors)?"""

from __future__ import annotations

from collections.abc import Iterator

from probes.platform_answers import ask
from scanner.models import FactSpec, Locator, Observation
from scanner.probe import Probe
from scanner.remote.platform import PlatformSnapshot

FACTS = (
    FactSpec(
        "scm.codeowners_valid",
        "bool",
        "GitHub reports no errors in CODEOWNERS on the default branch (codeowners/errors).",
    ),
)


def observe(snapshot: PlatformSnapshot) -> Iterator[Observation]:
    answer, reason = ask(snapshot.codeowners_errors)
    if answer is None:
        yield Observation.unknown("scm.codeowners_valid", reason)
        return
    errors, url = answer
    # The errors themselves (path:line: kind) go into the locators, so `evidence` shows them.
    locators = (Locator(url=url), *(Locator(query=e) for e in errors[:4]))
    yield Observation("scm.codeowners_valid", not errors, locators)


PROBE = Probe(
    id="codeowners-validity",
    version="1",
    target_kind="platform",
    facts=FACTS,
    observe=observe,
    description="Asks GitHub whether the CODEOWNERS file has errors.",
)
