"""Is a bot configured to propose dependency updates (Dependabot or Renovate)?"""

from __future__ import annotations

from collections.abc import Iterator

from probes.observations import boolean
from scanner.models import FactSpec, Locator, Observation
from scanner.probe import Probe
from scanner.repository import RepoSnapshot

FACTS = (
    FactSpec("deps.update_bot", "bool", "Dependabot or Renovate is configured for the repository."),
)

DEPENDABOT = (".github/dependabot.yml", ".github/dependabot.yaml")
RENOVATE = (
    "renovate.json",
    "renovate.json5",
    ".renovaterc",
    ".renovaterc.json",
    ".renovaterc.json5",
    ".github/renovate.json",
    ".github/renovate.json5",
    ".gitlab/renovate.json",
    ".gitlab/renovate.json5",
)


def _dependabot(snapshot: RepoSnapshot) -> Iterator[Locator]:
    for path in DEPENDABOT:
        if not snapshot.exists(path):
            continue
        documents = snapshot.read_yaml(path)
        config = documents[0] if documents else None
        updates = config.get("updates") if isinstance(config, dict) else None
        if isinstance(updates, list) and updates:
            yield Locator(path=path, line=getattr(config, "key_lines", {}).get("updates"))
        elif documents is not None:
            snapshot.problem(path, None, "Dependabot configuration has no 'updates' list")


def _renovate_in_package_json(snapshot: RepoSnapshot) -> Iterator[Locator]:
    if snapshot.exists("package.json"):
        data = snapshot.read_json("package.json")
        if isinstance(data, dict) and "renovate" in data:
            yield Locator(path="package.json")


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    found: list[object] = list(_dependabot(snapshot))
    found += [p for p in RENOVATE if snapshot.exists(p)]
    found += _renovate_in_package_json(snapshot)
    yield boolean("deps.update_bot", found, snapshot.problems_in(DEPENDABOT))


PROBE = Probe(
    id="update-bot",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for Dependabot and Renovate configuration files.",
)
