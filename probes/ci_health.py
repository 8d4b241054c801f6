"""Is the default branch's CI healthy, and do its runs report test results?"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from probes.platform_answers import ask
from scanner.models import FactSpec, Locator, Observation
from scanner.probe import Probe
from scanner.remote.platform import PlatformSnapshot

WINDOW_DAYS = 30

FACTS = (
    FactSpec(
        "ci.default_branch_success_rate",
        "float",
        "Finished default-branch workflow/pipeline runs that succeeded over 30 days (0–1).",
    ),
    FactSpec(
        "ci.tests_reported",
        "bool",
        "CI publishes test results (a test check run on the head commit; Azure test runs).",
    ),
)


def observe(snapshot: PlatformSnapshot) -> Iterator[Observation]:
    since = snapshot.now - timedelta(days=WINDOW_DAYS)
    answer, reason = ask(lambda: snapshot.runs(since))
    if answer is None:
        yield Observation.unknown("ci.default_branch_success_rate", reason)
    else:
        runs, url = answer
        finished = [r for r in runs if r.succeeded is not None]
        if finished:
            rate = round(sum(1 for r in finished if r.succeeded) / len(finished), 3)
            yield Observation("ci.default_branch_success_rate", rate, (Locator(url=url),))
        else:
            yield Observation.unknown(
                "ci.default_branch_success_rate", f"no finished run in {WINDOW_DAYS} days"
            )
    tests, reason = ask(snapshot.tests_reported)
    if tests is None:
        yield Observation.unknown("ci.tests_reported", reason)
    else:
        reported, urls = tests
        yield Observation("ci.tests_reported", reported, tuple(Locator(url=u) for u in urls[:5]))


PROBE = Probe(
    id="ci-health",
    version="1",
    target_kind="platform",
    facts=FACTS,
    observe=observe,
    description="Reads default-branch runs of the last 30 days and test reporting in CI.",
)
