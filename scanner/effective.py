"""Effective scores: the review log folded over the inferred assessments.

Effective level = the live override (an ``override``, or an accepted challenge with a level),
else the inferred level, marked confirmed when a live ``confirm`` agrees with it. A review is
pinned to the evidence digest of the assessment it was made against; when the latest assessment
was judged on different evidence the review is *stale* — it still applies until it expires, but
is listed for re-review. An upward override retires itself once the inferred level reaches it.

Everything here reads; ``record_retirements`` is the one writer (it appends ``retire`` entries).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from scanner import tables as t
from scanner.audit import append, utc
from scanner.errors import CatalogError
from scanner.models import Level
from scanner.store import now as utcnow

SYSTEM_ACTOR = ("fundamentals", "system")
OVERRIDING = ("override", "accept")


@dataclass(frozen=True)
class EffectiveScore:
    """One service × category: what the scanner inferred, what counts, and why they differ."""

    service: str
    category: str
    scan_id: int
    inferred: Level
    effective: Level
    confirmed: bool
    why: str
    review_id: int | None = None  # the live override or confirmation
    stale: bool = False
    expires_at: datetime | None = None
    at_least: Level | None = None
    evidence_digest: str = ""
    pending_challenges: tuple[int, ...] = ()
    retiring: int | None = None  # an override the inferred level has reached, not yet recorded

    @property
    def differs(self) -> bool:
        return self.effective is not self.inferred

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "category": self.category,
            "scan_id": self.scan_id,
            "inferred": self.inferred.value,
            "at_least": self.at_least.value if self.at_least else None,
            "effective": self.effective.value,
            "confirmed": self.confirmed,
            "differs": self.differs,
            "why": self.why,
            "review_id": self.review_id,
            "stale": self.stale,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "pending_challenges": list(self.pending_challenges),
        }


@dataclass
class _State:
    override: t.ReviewRow | None = None
    confirm: t.ReviewRow | None = None
    pending: dict[int, t.ReviewRow] = field(default_factory=dict)


def fold(rows: Iterable[t.ReviewRow]) -> dict[tuple[int, str], _State]:
    """Replay the log (in id order) into the standing decisions per service × category."""
    states: dict[tuple[int, str], _State] = {}
    for row in rows:
        state = states.setdefault((row.service_id, row.category), _State())
        if row.kind == "confirm":
            state.confirm = row
        elif row.kind == "override":
            state.override = row
        elif row.kind == "challenge":
            assert row.id is not None
            state.pending[row.id] = row
        elif row.kind in ("accept", "reject"):
            state.pending.pop(row.refers_to or -1, None)
            if row.kind == "accept" and row.level:
                state.override = row
        elif row.kind in ("revoke", "retire"):
            if state.override is not None and state.override.id == row.refers_to:
                state.override = None
            if state.confirm is not None and state.confirm.id == row.refers_to:
                state.confirm = None
            state.pending.pop(row.refers_to or -1, None)
    return states


def _live(row: t.ReviewRow | None, now: datetime) -> bool:
    if row is None:
        return False
    expires = utc(row.expires_at)
    return expires is None or expires > now


def retires(override: t.ReviewRow, inferred: Level) -> bool:
    """An upward override retires once the inferred level reaches or passes it."""
    target = Level(override.level or "unknown")
    before = Level(override.inferred_level) if override.inferred_level else None
    upward = before is None or before.rank < target.rank
    return target.rank >= 0 and upward and inferred.rank >= target.rank


def score(
    service: str,
    assessment: t.AssessmentRow,
    state: _State | None,
    now: datetime,
    scan_id: int,
) -> EffectiveScore:
    inferred = Level(assessment.level)
    at_least = Level(assessment.at_least) if assessment.at_least else None
    base: dict[str, Any] = {
        "service": service,
        "category": assessment.category,
        "scan_id": scan_id,
        "inferred": inferred,
        "at_least": at_least,
        "evidence_digest": assessment.evidence_digest,
    }
    state = state or _State()
    pending = tuple(sorted(state.pending))
    override = state.override
    if override is not None and _live(override, now):
        assert override.id is not None
        if retires(override, inferred):
            return EffectiveScore(
                **base,
                effective=inferred,
                confirmed=False,
                why=f"override {override.id} retired: inferred level reached {override.level}",
                pending_challenges=pending,
                retiring=override.id,
            )
        stale = override.evidence_digest != assessment.evidence_digest
        what = "challenge accepted" if override.kind == "accept" else "overridden"
        why = (
            f"{what} to {override.level} by {override.actor} on "
            f"{utc(override.created_at):%Y-%m-%d} ({_reason(override)})"
        )
        if override.expires_at:
            why += f"; expires {utc(override.expires_at):%Y-%m-%d}"
        if stale:
            why += "; stale: the evidence changed since, re-review"
        return EffectiveScore(
            **base,
            effective=Level(override.level or inferred.value),
            confirmed=True,
            why=why,
            review_id=override.id,
            stale=stale,
            expires_at=utc(override.expires_at),
            pending_challenges=pending,
        )
    notes = []
    if override is not None:
        notes.append(f"override {override.id} expired on {utc(override.expires_at):%Y-%m-%d}")
    confirm = state.confirm
    if confirm is not None and _live(confirm, now):
        stale = confirm.evidence_digest != assessment.evidence_digest
        if confirm.level == inferred.value:
            why = f"confirmed by {confirm.actor} on {utc(confirm.created_at):%Y-%m-%d}"
            if stale:
                why += "; stale: the evidence changed since, re-review"
            return EffectiveScore(
                **base,
                effective=inferred,
                confirmed=True,
                why="; ".join([*notes, why]),
                review_id=confirm.id,
                stale=stale,
                expires_at=utc(confirm.expires_at),
                pending_challenges=pending,
            )
        notes.append(
            f"confirmed at {confirm.level} by {confirm.actor}, inferred is now {inferred.value}: "
            "re-review"
        )
    elif confirm is not None:
        notes.append(f"confirmation {confirm.id} expired")
    if pending:
        notes.append("challenged: " + ", ".join(str(p) for p in pending) + " pending")
    return EffectiveScore(
        **base,
        effective=inferred,
        confirmed=False,
        why="; ".join(notes) or "unconfirmed",
        pending_challenges=pending,
    )


def _reason(row: t.ReviewRow) -> str:
    if row.reason_code and row.reason_text:
        return f"{row.reason_code}: {row.reason_text}"
    return row.reason_code or row.reason_text or "no reason given"


# --- reading -----------------------------------------------------------------------------------


def latest_service_scans(
    session: Session, services: Sequence[str] | None = None
) -> list[tuple[t.ServiceScanRow, t.ServiceRow]]:
    latest = (
        select(func.max(t.ServiceScanRow.id))
        .group_by(col(t.ServiceScanRow.service_id))
        .scalar_subquery()
    )
    query = (
        select(t.ServiceScanRow, t.ServiceRow)
        .join(t.ServiceRow, col(t.ServiceRow.id) == col(t.ServiceScanRow.service_id))
        .where(col(t.ServiceScanRow.id).in_(latest))
        .order_by(col(t.ServiceRow.name))
    )
    if services is None:  # a retired service is named explicitly or not at all
        query = query.where(col(t.ServiceRow.retired_at).is_(None))
    else:
        query = query.where(col(t.ServiceRow.name).in_(list(services)))
    return [(ss, svc) for ss, svc in session.execute(query)]


def assessment_rows(session: Session, assessment_set_id: int) -> dict[str, t.AssessmentRow]:
    rows = session.execute(
        select(t.AssessmentRow)
        .join(
            t.AssessmentSetMember,
            col(t.AssessmentSetMember.assessment_id) == col(t.AssessmentRow.id),
        )
        .where(col(t.AssessmentSetMember.set_id) == assessment_set_id)
        .order_by(col(t.AssessmentRow.category))
    ).scalars()
    return {row.category: row for row in rows}


def review_rows(session: Session, service_ids: Sequence[int] | None = None) -> list[t.ReviewRow]:
    query = select(t.ReviewRow).order_by(col(t.ReviewRow.id))
    if service_ids is not None:
        query = query.where(col(t.ReviewRow.service_id).in_(list(service_ids)))
    return list(session.execute(query).scalars())


def effective_scores(
    store: Any,
    services: Sequence[str] | None = None,
    *,
    now: datetime | None = None,
    categories: Sequence[str] | None = None,
) -> list[EffectiveScore]:
    """Per service × category of each service's latest scan: inferred, effective and why."""
    now = utc(now) or utcnow()
    with store.session() as session:
        scans = latest_service_scans(session, services)
        states = fold(review_rows(session, [svc.id for _, svc in scans if svc.id is not None]))
        scores = []
        for ss, svc in scans:
            assert ss.scan_id is not None and svc.id is not None
            for category, row in assessment_rows(session, ss.assessment_set_id).items():
                if categories is not None and category not in categories:
                    continue
                scores.append(score(svc.name, row, states.get((svc.id, category)), now, ss.scan_id))
    return scores


def record_retirements(store: Any, *, now: datetime | None = None) -> list[int]:
    """Append a ``retire`` entry for each override the latest inferred level has reached.

    Call after each scan or re-score (the gate does). Returns the new entries' ids.
    """
    now = utc(now) or utcnow()
    due = [s for s in effective_scores(store, now=now) if s.retiring is not None]
    if not due:
        return []

    def build(session: Session) -> list[t.ReviewRow]:
        ids = dict(
            session.execute(
                select(col(t.ServiceRow.name), col(t.ServiceRow.id)).where(
                    col(t.ServiceRow.name).in_([s.service for s in due])
                )
            ).all()
        )
        already = {
            r.refers_to
            for r in review_rows(session, list(ids.values()))
            if r.kind in ("retire", "revoke")
        }
        return [
            t.ReviewRow(
                service_id=ids[s.service],
                category=s.category,
                kind="retire",
                level=s.inferred.value,
                reason_text=f"inferred level reached {s.inferred.value}",
                actor=SYSTEM_ACTOR[0],
                actor_source=SYSTEM_ACTOR[1],
                created_at=now,
                evidence_digest=s.evidence_digest,
                inferred_level=s.inferred.value,
                refers_to=s.retiring,
            )
            for s in due
            if s.retiring not in already
        ]

    return [row.id for row in append(store, build) if row.id is not None]


# --- history -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryPoint:
    """One category in one scan; ``effective`` is as it stood while that scan was the latest."""

    scan_id: int
    finished_at: datetime
    category: str
    inferred: Level
    effective: Level
    confirmed: bool
    why: str
    review_id: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "scan_id": self.scan_id,
            "finished_at": self.finished_at.isoformat(),
            "category": self.category,
            "inferred": self.inferred.value,
            "effective": self.effective.value,
            "confirmed": self.confirmed,
            "why": self.why,
            "review_id": self.review_id,
        }


def history(
    store: Any, service: str, category: str | None = None, *, now: datetime | None = None
) -> list[HistoryPoint]:
    now = utc(now) or utcnow()
    with store.session() as session:
        svc = session.execute(
            select(t.ServiceRow).where(col(t.ServiceRow.name) == service)
        ).scalar_one_or_none()
        if svc is None or svc.id is None:
            raise CatalogError(f"no recorded scan for service {service!r}")
        scans = list(
            session.execute(
                select(t.ServiceScanRow)
                .where(col(t.ServiceScanRow.service_id) == svc.id)
                .order_by(col(t.ServiceScanRow.scan_id))
            ).scalars()
        )
        reviews = review_rows(session, [svc.id])
        points = []
        for index, ss in enumerate(scans):
            # Effective as of when the next scan replaced this one (or now, for the latest).
            until = utc(scans[index + 1].finished_at) if index + 1 < len(scans) else now
            assert until is not None
            states = fold(r for r in reviews if (utc(r.created_at) or now) <= until)
            for cat, row in assessment_rows(session, ss.assessment_set_id).items():
                if category is not None and cat != category:
                    continue
                s = score(service, row, states.get((svc.id, cat)), until, ss.scan_id)
                finished = utc(ss.finished_at)
                assert finished is not None
                points.append(
                    HistoryPoint(
                        ss.scan_id,
                        finished,
                        cat,
                        s.inferred,
                        s.effective,
                        s.confirmed,
                        s.why,
                        s.review_id,
                    )
                )
    return points
