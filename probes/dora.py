"""DORA over the last 90 days: deployment frequency, lead time, change failure rate, restore time.

From deployments to production-like environments (GitHub deployments with their latest status,
one GraphQL query; Azure DevOps environment deployment records). Without any, from the runs of
the deploy workflow / pipeline (a name with deploy, release, cd, publish or rollout) on the
default branch. ``dora.method`` says which was used.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from probes.platform_answers import ask, unknown_all
from scanner.models import FactSpec, Locator, Observation
from scanner.probe import Probe
from scanner.remote.platform import DEPLOY_NAME, PlatformSnapshot

WINDOW_DAYS = 90

FACTS = (
    FactSpec(
        "dora.method",
        "str",
        "Where the DORA figures come from: deployments, deploy-runs, or none.",
    ),
    FactSpec(
        "dora.deployment_frequency_per_week",
        "float",
        "Successful production deployments per week over 90 days.",
    ),
    FactSpec(
        "dora.lead_time_hours",
        "float",
        "Median hours from commit to its successful production deployment.",
    ),
    FactSpec(
        "dora.change_failure_rate",
        "float",
        "Failed production deployments ÷ all finished ones (0–1).",
    ),
    FactSpec(
        "dora.time_to_restore_hours",
        "float",
        "Median hours from a failed deployment to the next successful one (0: no failures).",
    ),
)
KEYS = tuple(f.key for f in FACTS)


@dataclass(frozen=True)
class Release:
    at: datetime
    done: datetime
    succeeded: bool
    committed_at: datetime | None


def observe(snapshot: PlatformSnapshot) -> Iterator[Observation]:
    since = snapshot.now - timedelta(days=WINDOW_DAYS)
    method = "deployments"
    answer, reason = ask(lambda: snapshot.deployments(since))
    releases: list[Release] = []
    url = ""
    if answer is not None:
        deployments, url = answer
        releases = [
            Release(d.created_at, d.finished_at or d.created_at, d.succeeded, d.committed_at)
            for d in deployments
            if d.succeeded is not None
        ]
    if not releases:
        runs_answer, runs_reason = ask(lambda: snapshot.runs(since))
        if runs_answer is None:
            if answer is None:
                yield from unknown_all(KEYS, f"{reason}; {runs_reason}")
                return
            method, reason = "none", runs_reason
        else:
            runs, url = runs_answer
            releases = [
                Release(r.created_at, r.finished_at or r.created_at, r.succeeded, r.committed_at)
                for r in runs
                if r.succeeded is not None and DEPLOY_NAME.search(r.name)
            ]
            method = "deploy-runs" if releases else "none"
    where = (Locator(url=url),) if url else ()
    yield Observation("dora.method", method, where)
    if method == "none":
        yield Observation("dora.deployment_frequency_per_week", 0.0, where)
        why = reason or f"no production deployment or deploy run in {WINDOW_DAYS} days"
        yield from unknown_all(KEYS[2:], why)
        return
    yield from _figures(releases, where)


def _figures(releases: Sequence[Release], where: tuple[Locator, ...]) -> Iterator[Observation]:
    ordered = sorted(releases, key=lambda r: r.at)
    good = [r for r in ordered if r.succeeded]
    failed = [r for r in ordered if not r.succeeded]
    yield Observation(
        "dora.deployment_frequency_per_week", round(len(good) / (WINDOW_DAYS / 7), 2), where
    )
    leads = [_hours(r.done - r.committed_at) for r in good if r.committed_at is not None]
    if leads:
        yield Observation("dora.lead_time_hours", round(statistics.median(leads), 2), where)
    else:
        yield Observation.unknown("dora.lead_time_hours", "no deployed commit's date is known")
    yield Observation("dora.change_failure_rate", round(len(failed) / len(ordered), 3), where)
    restores = []
    broken_since: datetime | None = None
    for release in ordered:
        if not release.succeeded and broken_since is None:
            broken_since = release.done
        elif release.succeeded and broken_since is not None:
            restores.append(_hours(release.done - broken_since))
            broken_since = None
    if restores or not failed:
        value = round(statistics.median(restores), 2) if restores else 0.0
        yield Observation("dora.time_to_restore_hours", value, where)
    else:
        yield Observation.unknown(
            "dora.time_to_restore_hours",
            "the last failed deployment has not been followed by a success yet",
        )


def _hours(delta: timedelta) -> float:
    return max(0.0, delta.total_seconds() / 3600)


PROBE = Probe(
    id="dora",
    version="1",
    target_kind="platform",
    facts=FACTS,
    observe=observe,
    description="Computes the four DORA metrics from production deployments (or deploy runs).",
)
