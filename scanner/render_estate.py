"""Printing the nightly scan's closing summary (text and JSON)."""

from __future__ import annotations

from typing import Any

import click

from scanner.estate import ALREADY, DEFERRED, FAILED, SCANNED, UNCHANGED, EstateOutcome, Finalized
from scanner.scan_summary import ScanSummary

SHOWN = 20  # items listed per section before "… and N more"


def outcome_json(outcome: EstateOutcome, summary: ScanSummary) -> dict[str, Any]:
    return {
        "scan_id": outcome.scan_id,
        "run_key": outcome.run_key,
        "shard": str(outcome.shard) if outcome.shard else None,
        "status": outcome.status,
        "selected": len(outcome.selected),
        "scanned": outcome.count(SCANNED),
        "unchanged": outcome.count(UNCHANGED),
        "already_recorded": outcome.count(ALREADY),
        "failed": outcome.failed,
        "deferred": outcome.deferred,
        "api_calls": {k: {"calls": v[0], "free": v[1]} for k, v in outcome.api_calls.items()},
        "summary": summary.as_dict(),
    }


def print_outcome(outcome: EstateOutcome, summary: ScanSummary) -> None:
    where = f"scan {outcome.scan_id}"
    if outcome.run_key:
        where += f" (run {outcome.run_key}"
        where += f", shard {outcome.shard})" if outcome.shard else ")"
    state = "shard done; run stays open for `scan finalize`" if outcome.shard else outcome.status
    click.echo(f"{where}: {state}")
    click.echo(
        f"  services: {len(outcome.selected)} selected · {outcome.count(SCANNED)} scanned · "
        f"{outcome.count(UNCHANGED)} unchanged · {len(outcome.failed)} failed · "
        f"{len(outcome.deferred)} deferred"
        + (f" · {outcome.count(ALREADY)} already recorded" if outcome.count(ALREADY) else "")
    )
    _api_calls(outcome.api_calls)
    for name, why in _first(sorted(outcome.failed.items())):
        click.echo(f"  {FAILED}: {name}: {why}")
    for name, why in _first(sorted(outcome.deferred.items())):
        click.echo(f"  {DEFERRED}: {name}: {why}")
    _changes(summary)


def _api_calls(calls: dict[str, list[int]]) -> None:
    if not calls:
        click.echo("  API calls: none")
        return
    parts = [f"{source} {c:,} ({free:,} free)" for source, (c, free) in sorted(calls.items())]
    click.echo("  API calls: " + " · ".join(parts))


def _changes(summary: ScanSummary) -> None:
    if summary.unreadable:
        click.echo(f"  {summary.unreadable} service(s) had a target that could not be read")
    click.echo(f"  since the previous scan: {len(summary.level_changes)} level change(s)")
    for c in _first(summary.level_changes):
        arrow = "▲" if c.after.rank > c.before.rank else "▼" if c.after.rank >= 0 else "·"
        click.echo(f"    {arrow} {c.service} {c.category}: {c.before.value} → {c.after.value}")
    if summary.new_stale_reviews:
        click.echo(f"  {len(summary.new_stale_reviews)} review(s) newly stale (evidence changed):")
        for r in _first(summary.new_stale_reviews):
            click.echo(f"    {r.service} {r.category}: {r.kind} #{r.review_id}")
    click.echo(f"  overdue actions: {len(summary.overdue_actions)}")
    for a in _first(summary.overdue_actions):
        click.echo(f"    #{a.id} {a.service} {a.category}: due {a.due} ({a.owner}) {a.text}")


def _first(items: list[Any]) -> list[Any]:
    if len(items) > SHOWN:
        click.echo(f"    (first {SHOWN} of {len(items)})")
    return items[:SHOWN]


def finalized_json(result: Finalized, summary: ScanSummary) -> dict[str, Any]:
    return {
        "scan_id": result.scan_id,
        "status": result.status,
        "shards": result.shards,
        "missing_shards": [f"{i}/{result.shards}" for i in result.missing],
        "note": result.note,
        "summary": summary.as_dict(),
    }


def print_finalized(result: Finalized, summary: ScanSummary) -> None:
    if result.status == "open":
        missing = ", ".join(f"{i}/{result.shards}" for i in result.missing) or "none recorded"
        click.echo(f"scan {result.scan_id}: still open — shard(s) not in: {missing}")
        return
    click.echo(f"scan {result.scan_id}: {result.status} ({result.shards} shard(s))")
    if result.note:
        click.echo(f"  {result.note}")
    click.echo(f"  services recorded: {summary.recorded} · unchanged: {summary.unchanged}")
    _api_calls(summary.api_calls)
    _changes(summary)
