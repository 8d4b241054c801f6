"""What a scan found, read back from the store: the closing summary of a nightly scan.

Counts (recorded, unchanged, with unreadable targets), API calls per source and how many were
free, and what changed since each service's previous result: level changes, reviews that the
new evidence has made stale, and overdue actions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from scanner import tables as t
from scanner.actions import Action, list_actions
from scanner.audit import utc
from scanner.effective import assessment_rows, fold, review_rows
from scanner.models import Level
from scanner.store import Store, now


@dataclass(frozen=True)
class LevelChange:
    service: str
    category: str
    before: Level
    after: Level

    def as_dict(self) -> dict[str, str]:
        return {
            "service": self.service,
            "category": self.category,
            "before": self.before.value,
            "after": self.after.value,
        }


@dataclass(frozen=True)
class StaleReview:
    service: str
    category: str
    review_id: int
    kind: str  # override | confirm | accept

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class ScanSummary:
    scan_id: int
    status: str
    run_key: str | None
    recorded: int = 0
    unchanged: int = 0  # every target's evidence reused
    unreadable: int = 0  # at least one target could not be read (its facts are unknown)
    api_calls: dict[str, list[int]] = field(default_factory=dict)  # source → [calls, free]
    level_changes: list[LevelChange] = field(default_factory=list)
    new_stale_reviews: list[StaleReview] = field(default_factory=list)
    overdue_actions: list[Action] = field(default_factory=list)

    def as_dict(self, today: date | None = None) -> dict[str, Any]:
        return {
            "scan_id": self.scan_id,
            "status": self.status,
            "run_key": self.run_key,
            "recorded": self.recorded,
            "unchanged": self.unchanged,
            "unreadable": self.unreadable,
            "api_calls": {k: {"calls": v[0], "free": v[1]} for k, v in self.api_calls.items()},
            "level_changes": [c.as_dict() for c in self.level_changes],
            "new_stale_reviews": [r.as_dict() for r in self.new_stale_reviews],
            "overdue_actions": [a.as_dict(today) for a in self.overdue_actions],
        }


def summarize(
    store: Store,
    scan_id: int,
    services: Sequence[str] | None = None,
    *,
    today: date | None = None,
) -> ScanSummary:
    """The summary of scan ``scan_id`` (restricted to ``services`` when given)."""
    wanted = set(services) if services is not None else None
    with store.session() as session:
        scan = session.get(t.ScanRow, scan_id)
        assert scan is not None
        summary = ScanSummary(scan_id, scan.status, scan.run_key)
        current = {
            name: ss
            for ss, name in session.execute(
                select(t.ServiceScanRow, col(t.ServiceRow.name))
                .join(t.ServiceRow, col(t.ServiceRow.id) == col(t.ServiceScanRow.service_id))
                .where(col(t.ServiceScanRow.scan_id) == scan_id)
            )
            if wanted is None or name in wanted
        }
        summary.recorded = len(current)
        _count_targets(session, scan_id, current, summary)
        for ss in current.values():
            for source, (calls, free) in json.loads(ss.api_calls or "{}").items():
                entry = summary.api_calls.setdefault(source, [0, 0])
                entry[0] += calls
                entry[1] += free
        previous = _previous(session, scan_id)
        changed = {
            name: (previous[ss.service_id], ss)
            for name, ss in current.items()
            if ss.service_id in previous
            and previous[ss.service_id].assessment_set_id != ss.assessment_set_id
        }
        _changes(session, changed, summary)
    names = set(current)
    summary.overdue_actions = [
        a for a in list_actions(store, overdue=True, today=today) if a.service in names
    ]
    return summary


def _count_targets(
    session: Session, scan_id: int, current: dict[str, t.ServiceScanRow], summary: ScanSummary
) -> None:
    ids = {ss.id for ss in current.values()}
    statuses: dict[int, set[str]] = {}
    for ss_id, status in session.execute(
        select(col(t.TargetRunRow.service_scan_id), col(t.TargetRunRow.status))
        .join(t.ServiceScanRow, col(t.ServiceScanRow.id) == col(t.TargetRunRow.service_scan_id))
        .where(col(t.ServiceScanRow.scan_id) == scan_id)
    ):
        if ss_id in ids:
            statuses.setdefault(ss_id, set()).add(status)
    summary.unchanged = sum(1 for s in statuses.values() if s == {"unchanged"})
    summary.unreadable = sum(1 for s in statuses.values() if "error" in s)


def _previous(session: Session, scan_id: int) -> dict[int, t.ServiceScanRow]:
    """Each service's result in the latest scan before ``scan_id`` that recorded it."""
    latest = (
        select(func.max(col(t.ServiceScanRow.id)))
        .where(col(t.ServiceScanRow.scan_id) < scan_id)
        .group_by(col(t.ServiceScanRow.service_id))
        .scalar_subquery()
    )
    rows = session.execute(
        select(t.ServiceScanRow).where(col(t.ServiceScanRow.id).in_(latest))
    ).scalars()
    return {r.service_id: r for r in rows}


def _changes(
    session: Session,
    changed: dict[str, tuple[t.ServiceScanRow, t.ServiceScanRow]],
    summary: ScanSummary,
) -> None:
    if not changed:
        return
    states = fold(review_rows(session, [cur.service_id for _, cur in changed.values()]))
    moment = now()
    for name in sorted(changed):
        before_ss, after_ss = changed[name]
        before = assessment_rows(session, before_ss.assessment_set_id)
        after = assessment_rows(session, after_ss.assessment_set_id)
        for category, row in after.items():
            old = before.get(category)
            if old is not None and old.level != row.level:
                summary.level_changes.append(
                    LevelChange(name, category, Level(old.level), Level(row.level))
                )
            state = states.get((after_ss.service_id, category))
            if state is None or old is None:
                continue
            for review in (state.override, state.confirm):
                if review is None or review.id is None or not review.evidence_digest:
                    continue
                expires = utc(review.expires_at)
                if expires is not None and expires <= moment:
                    continue
                # Stale now, and not before: this scan's evidence is what moved away from it.
                if (
                    review.evidence_digest != row.evidence_digest
                    and review.evidence_digest == old.evidence_digest
                ):
                    summary.new_stale_reviews.append(
                        StaleReview(name, category, review.id, review.kind)
                    )
