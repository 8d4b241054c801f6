"""Does the repository carry operational documentation: a runbook, playbook, on-call or
troubleshooting guide?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from probes.observations import boolean, first
from probes.readme import README_NAME
from scanner.models import FactSpec, Locator, Observation
from scanner.probe import Probe
from scanner.repository import RepoSnapshot

FACTS = (
    FactSpec(
        "repo.runbook",
        "bool",
        "Operational documentation exists (runbook, playbook, on-call or troubleshooting guide).",
    ),
)

_TOPIC = r"(run-?books?|play-?books?|on-?call|troubleshoot(ing)?|operations-guide|ops-guide)"
# A document whose name, or whose folder's name, is one of the topics.
_DOCUMENT = re.compile(
    rf"(^|/){_TOPIC}([-_. ][^/]*)?(/[^/]+)*\.(md|markdown|rst|txt|adoc|asciidoc|docx|pdf|html)$",
    re.IGNORECASE,
)
_DOC_SUFFIXES = (".md", ".markdown", ".rst", ".txt", ".adoc", ".asciidoc", ".docx", ".pdf", ".html")
# A README section about operating the service counts too.
_HEADING = re.compile(
    r"^#{1,4}\s.*\b(run-?book|play-?book|on-?call|troubleshoot(ing)?)\b", re.IGNORECASE | re.M
)


def _readme_sections(snapshot: RepoSnapshot) -> Iterator[Locator]:
    for path in snapshot.files:
        if "/" not in path and README_NAME.fullmatch(path):
            match = snapshot.grep(_HEADING, paths=[path])
            if match:
                yield Locator(path=match.path, line=match.line)


def observe(snapshot: RepoSnapshot) -> Iterator[Observation]:
    found = first(
        lambda: [p for p in snapshot.with_suffix(*_DOC_SUFFIXES) if _DOCUMENT.search(p)],
        lambda: _readme_sections(snapshot),
    )
    yield boolean("repo.runbook", found)


PROBE = Probe(
    id="runbook",
    version="1",
    target_kind="repository",
    facts=FACTS,
    observe=observe,
    description="Looks for runbook/playbook/on-call/troubleshooting documents or README sections.",
)
