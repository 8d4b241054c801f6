"""Everything a report needs, read from the store in a handful of bulk queries.

Read-only. A report over 1,000 services × 365 nightly scans must render in seconds, so nothing
here loops over services issuing queries: the latest result of every service, the whole review
log, the actions and the scan history each come back in one query (set contents in chunks of
500 ids). History is kept compact: per service, only the days its assessment set changed —
content addressing means an unchanged nightly scan points at the same set as the night before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from scanner import tables as t
from scanner.audit import utc
from scanner.effective import EffectiveScore, fold, score
from scanner.models import Assessment, Evidence, Service
from scanner.store import _assessment, _evidence, _service

_CHUNK = 500


@dataclass(frozen=True)
class Latest:
    """A service's latest recorded result, with effective scores folded from the review log."""

    service: Service
    service_id: int
    scan_id: int
    recorded_at: datetime
    rules_digest: str
    assessments: tuple[Assessment, ...]
    evidence: tuple[Evidence, ...]
    effective: dict[str, EffectiveScore]


@dataclass(frozen=True)
class Change:
    """From ``day`` on (the last scan of that day), the service's inferred levels are ``levels``."""

    day: date
    levels: dict[str, str]  # category → inferred level


@dataclass(frozen=True)
class Snapshot:
    """The raw material of a report; ``reports.document`` turns it into the v1 document."""

    now: datetime
    since: date
    domain: str | None
    latest: tuple[Latest, ...]
    reviews: tuple[tuple[str, t.ReviewRow], ...]  # (service name, entry), in log order
    actions: tuple[tuple[str, t.ActionRow], ...]
    changes: dict[str, tuple[Change, ...]]  # service → level changes, first at or before since


def gather(store: Any, *, now: datetime, since: date, domain: str | None = None) -> Snapshot:
    """Read the latest results, reviews, actions and history since ``since`` for a report."""
    with store.session() as session:
        services = _services(session, domain)
        ids = {svc.id: svc for svc in services if svc.id is not None}
        latest_rows = _latest_service_scans(session, list(ids))
        review_rows = _reviews(session, list(ids))
        states = fold(row for _, row in review_rows)
        assessment_sets = _assessments(session, {ss.assessment_set_id for ss in latest_rows})
        evidence_sets = _evidence_sets(session, {ss.evidence_set_id for ss in latest_rows})
        latest = []
        for ss in latest_rows:
            svc = ids[ss.service_id]
            rows = assessment_sets.get(ss.assessment_set_id, [])
            effective = {
                row.category: score(
                    svc.name, row, states.get((ss.service_id, row.category)), now, ss.scan_id
                )
                for row in rows
            }
            latest.append(
                Latest(
                    service=_service(svc),
                    service_id=ss.service_id,
                    scan_id=ss.scan_id,
                    recorded_at=utc(ss.finished_at) or now,
                    rules_digest=ss.rules_digest,
                    assessments=tuple(_assessment(row) for row in rows),
                    evidence=tuple(
                        sorted(evidence_sets.get(ss.evidence_set_id, []), key=lambda e: e.key)
                    ),
                    effective=effective,
                )
            )
        names = {i: svc.name for i, svc in ids.items()}
        changes = _changes(session, names, since)
        actions = (
            [
                (names[row.service_id], row)
                for row in session.execute(
                    select(t.ActionRow)
                    .where(col(t.ActionRow.service_id).in_(list(ids)))
                    .order_by(col(t.ActionRow.id))
                ).scalars()
            ]
            if ids
            else []
        )
    latest.sort(key=lambda r: (r.service.domain, r.service.name))
    return Snapshot(
        now=now,
        since=since,
        domain=domain,
        latest=tuple(latest),
        reviews=tuple((names[row.service_id], row) for _, row in review_rows),
        actions=tuple(actions),
        changes=changes,
    )


def _services(session: Session, domain: str | None) -> list[t.ServiceRow]:
    query = select(t.ServiceRow).where(col(t.ServiceRow.retired_at).is_(None))
    if domain is not None:
        query = query.where(col(t.ServiceRow.domain) == domain)
    return list(session.execute(query.order_by(col(t.ServiceRow.name))).scalars())


def _latest_service_scans(session: Session, service_ids: Sequence[int]) -> list[t.ServiceScanRow]:
    if not service_ids:
        return []
    latest = (
        select(func.max(t.ServiceScanRow.id))
        .group_by(col(t.ServiceScanRow.service_id))
        .scalar_subquery()
    )
    rows = session.execute(
        select(t.ServiceScanRow).where(col(t.ServiceScanRow.id).in_(latest))
    ).scalars()
    wanted = set(service_ids)
    return [row for row in rows if row.service_id in wanted]


def _reviews(session: Session, service_ids: Sequence[int]) -> list[tuple[int, t.ReviewRow]]:
    wanted = set(service_ids)
    rows = session.execute(select(t.ReviewRow).order_by(col(t.ReviewRow.id))).scalars()
    return [(row.service_id, row) for row in rows if row.service_id in wanted]


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    items = sorted(ids)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _assessments(session: Session, set_ids: set[int]) -> dict[int, list[t.AssessmentRow]]:
    found: dict[int, list[t.AssessmentRow]] = {}
    for chunk in _chunks(set_ids):
        rows = session.execute(
            select(col(t.AssessmentSetMember.set_id), t.AssessmentRow)
            .join(
                t.AssessmentRow, col(t.AssessmentRow.id) == col(t.AssessmentSetMember.assessment_id)
            )
            .where(col(t.AssessmentSetMember.set_id).in_(chunk))
        )
        for set_id, row in rows:
            found.setdefault(set_id, []).append(row)
    for rows_ in found.values():
        rows_.sort(key=lambda r: r.category)
    return found


def _evidence_sets(session: Session, set_ids: set[int]) -> dict[int, list[Evidence]]:
    found: dict[int, list[Evidence]] = {}
    for chunk in _chunks(set_ids):
        rows = session.execute(
            select(col(t.EvidenceSetMember.set_id), t.EvidenceRow)
            .join(t.EvidenceRow, col(t.EvidenceRow.id) == col(t.EvidenceSetMember.evidence_id))
            .where(col(t.EvidenceSetMember.set_id).in_(chunk))
        )
        for set_id, row in rows:
            found.setdefault(set_id, []).append(_evidence(row))
    return found


def _levels(session: Session, set_ids: set[int]) -> dict[int, dict[str, str]]:
    """Category → inferred level of each assessment set (no traces: history needs only levels)."""
    found: dict[int, dict[str, str]] = {}
    for chunk in _chunks(set_ids):
        rows = session.execute(
            select(
                col(t.AssessmentSetMember.set_id),
                col(t.AssessmentRow.category),
                col(t.AssessmentRow.level),
            )
            .join(
                t.AssessmentRow, col(t.AssessmentRow.id) == col(t.AssessmentSetMember.assessment_id)
            )
            .where(col(t.AssessmentSetMember.set_id).in_(chunk))
        )
        for set_id, category, level in rows:
            found.setdefault(set_id, {})[category] = level
    return found


def _changes(session: Session, names: dict[int, str], since: date) -> dict[str, tuple[Change, ...]]:
    """Per service, the days its assessment set changed, starting with the set in force on
    ``since`` (the last scan before it) so that every trend starts from a known state."""
    if not names:
        return {}
    start = datetime(since.year, since.month, since.day, tzinfo=UTC)
    carried_in = (
        select(func.max(t.ServiceScanRow.id))
        .where(col(t.ServiceScanRow.finished_at) < start)
        .group_by(col(t.ServiceScanRow.service_id))
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            col(t.ServiceScanRow.service_id),
            col(t.ServiceScanRow.finished_at),
            col(t.ServiceScanRow.assessment_set_id),
        )
        .where(
            (col(t.ServiceScanRow.finished_at) >= start) | col(t.ServiceScanRow.id).in_(carried_in)
        )
        .order_by(col(t.ServiceScanRow.service_id), col(t.ServiceScanRow.id))
    ).all()
    per_service: dict[int, list[tuple[date, int]]] = {}
    for service_id, finished_at, set_id in rows:
        if service_id not in names:
            continue
        day = max((utc(finished_at) or start).date(), since)
        points = per_service.setdefault(service_id, [])
        if points and points[-1][0] == day:
            points[-1] = (day, set_id)  # the last scan of a day stands for that day
        elif not points or points[-1][1] != set_id:
            points.append((day, set_id))
    levels = _levels(session, {s for points in per_service.values() for _, s in points})
    changes: dict[str, tuple[Change, ...]] = {}
    for service_id, points in per_service.items():
        kept: list[Change] = []
        for day, set_id in points:
            now_levels = levels.get(set_id, {})
            if kept and kept[-1].levels == now_levels:
                continue  # a new set (e.g. new evidence) with the same levels is no change
            kept.append(Change(day, now_levels))
        changes[names[service_id]] = tuple(kept)
    return changes
