"""Human decisions on assessments: confirm, override, challenge, accept, reject, revoke.

Each function checks the actor's role first, then appends to the hash-chained review log
(``scanner.audit``); a refusal raises ``PermissionDenied`` and writes nothing. Every review is
pinned to the evidence digest of the latest assessment it was made against.

Who may do what:

================================  ==========================================================
confirm, challenge                the service's owner team, or a reliability engineer
override                          the owner team — but only a reliability engineer on a
                                  Golden Thread service
accept, reject a challenge        a reliability engineer; on a Golden Thread service not the
                                  one who raised the challenge
revoke                            whoever may make the entry being revoked (and its author)
================================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from scanner import tables as t
from scanner.audit import ReviewEntry, append, to_entry, utc
from scanner.effective import assessment_rows, latest_service_scans, review_rows
from scanner.errors import CatalogError, InputError
from scanner.identity import Actor, Roles
from scanner.models import Level, Service, Tier
from scanner.store import now as utcnow

DEFAULT_EXPIRY = timedelta(days=90)

REASON_CODES: Mapping[str, str] = {
    "not-applicable": "the category does not apply to this service",
    "evidence-elsewhere": "the evidence exists where the scanner cannot see it",
    "compensating-control": "another control covers the same risk",
    "false-positive": "the scanner misread what it saw",
    "accepted-risk": "the gap is known and accepted for a time",
}


class PermissionDenied(InputError):
    """The actor's role does not allow the action. Exit code 2; nothing is written."""


@dataclass(frozen=True)
class _Target:
    service_row: t.ServiceRow
    service: Service
    assessment: t.AssessmentRow


def _service(row: t.ServiceRow, catalog: Mapping[str, Service] | None) -> Service:
    """The catalog entry when there is one (it is current), else what the last scan recorded."""
    if catalog and row.name in catalog:
        return catalog[row.name]
    return Service(
        name=row.name, owner=row.owner, tier=Tier(row.tier), golden_thread=row.golden_thread
    )


def _target(
    session: Session, service: str, category: str, catalog: Mapping[str, Service] | None
) -> _Target:
    found = latest_service_scans(session, [service])
    if not found:
        raise CatalogError(f"no recorded scan for service {service!r}; scan it first")
    ss, svc = found[0]
    rows = assessment_rows(session, ss.assessment_set_id)
    if category not in rows:
        known = ", ".join(sorted(rows)) or "none"
        raise InputError(f"{service} has no assessment for {category!r} (categories: {known})")
    return _Target(svc, _service(svc, catalog), rows[category])


def _level(value: str) -> Level:
    try:
        level = Level(value.lower())
    except ValueError:
        level = Level.UNKNOWN
    if level.rank < 0:
        raise InputError(f"level {value!r} is not one of red, amber, green")
    return level


def _reason_code(code: str) -> str:
    if code not in REASON_CODES:
        raise InputError(f"reason {code!r} is not one of: {', '.join(REASON_CODES)}")
    return code


def _expiry(expires_at: datetime | None, now: datetime) -> datetime:
    expires = utc(expires_at) or now + DEFAULT_EXPIRY
    if expires <= now:
        raise InputError(f"expiry {expires:%Y-%m-%d} is not in the future")
    return expires


def _deny(actor: Actor, action: str, why: str) -> PermissionDenied:
    return PermissionDenied(f"{actor} may not {action}: {why}")


def _require_owner_or_re(actor: Actor, roles: Roles, service: Service, action: str) -> None:
    if roles.owns(actor, service) or roles.is_reliability_engineer(actor):
        return
    owner = service.owner or "no owner in the catalog"
    raise _deny(
        actor, action, f"not in {service.name}'s owner team ({owner}) nor a reliability engineer"
    )


def _require_re(actor: Actor, roles: Roles, action: str, why: str) -> None:
    if not roles.is_reliability_engineer(actor):
        raise _deny(actor, action, why)


def _row(target: _Target, kind: str, actor: Actor, now: datetime, **fields: Any) -> t.ReviewRow:
    assert target.service_row.id is not None
    return t.ReviewRow(
        service_id=target.service_row.id,
        category=target.assessment.category,
        kind=kind,
        actor=actor.name,
        actor_source=actor.source,
        created_at=now,
        evidence_digest=target.assessment.evidence_digest,
        inferred_level=target.assessment.level,
        **fields,
    )


def _write(store: Any, build: Any, service: str) -> ReviewEntry:
    rows = append(store, build)
    return to_entry(rows[-1], service)


# --- the decisions ---------------------------------------------------------------------------


def confirm(
    store: Any,
    service: str,
    category: str,
    *,
    actor: Actor,
    roles: Roles,
    catalog: Mapping[str, Service] | None = None,
    note: str = "",
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> ReviewEntry:
    """Confirm the inferred level as right. Expires like an override (default 90 days)."""
    now = utc(now) or utcnow()

    def build(session: Session) -> list[t.ReviewRow]:
        target = _target(session, service, category, catalog)
        _require_owner_or_re(actor, roles, target.service, f"confirm {service} {category}")
        return [
            _row(
                target,
                "confirm",
                actor,
                now,
                level=target.assessment.level,
                reason_text=note,
                expires_at=_expiry(expires_at, now),
            )
        ]

    return _write(store, build, service)


def override(
    store: Any,
    service: str,
    category: str,
    level: str,
    *,
    reason: str,
    note: str,
    actor: Actor,
    roles: Roles,
    catalog: Mapping[str, Service] | None = None,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> ReviewEntry:
    """Set the effective level until ``expires_at`` (default 90 days), with a coded reason."""
    now = utc(now) or utcnow()
    wanted = _level(level)
    code = _reason_code(reason)
    if not note.strip():
        raise InputError("an override needs a note saying why, beside the reason code")

    def build(session: Session) -> list[t.ReviewRow]:
        target = _target(session, service, category, catalog)
        action = f"override {service} {category}"
        if target.service.golden_thread:
            _require_re(
                actor,
                roles,
                action,
                f"{service} is a Golden Thread service; "
                "only a reliability engineer may override it",
            )
        else:
            _require_owner_or_re(actor, roles, target.service, action)
        if target.assessment.level == wanted.value:
            raise InputError(f"{category} is already inferred {wanted.value}; use confirm")
        return [
            _row(
                target,
                "override",
                actor,
                now,
                level=wanted.value,
                reason_code=code,
                reason_text=note,
                expires_at=_expiry(expires_at, now),
            )
        ]

    return _write(store, build, service)


def challenge(
    store: Any,
    service: str,
    category: str,
    *,
    reason: str,
    note: str = "",
    proposed: str | None = None,
    actor: Actor,
    roles: Roles,
    catalog: Mapping[str, Service] | None = None,
    now: datetime | None = None,
) -> ReviewEntry:
    """Dispute an assessment; a reliability engineer accepts or rejects it."""
    now = utc(now) or utcnow()
    code = _reason_code(reason)
    level = _level(proposed).value if proposed else None

    def build(session: Session) -> list[t.ReviewRow]:
        target = _target(session, service, category, catalog)
        _require_owner_or_re(actor, roles, target.service, f"challenge {service} {category}")
        return [
            _row(target, "challenge", actor, now, level=level, reason_code=code, reason_text=note)
        ]

    return _write(store, build, service)


def _entry(session: Session, review_id: int) -> tuple[t.ReviewRow, t.ServiceRow]:
    row = session.get(t.ReviewRow, review_id)
    if row is None:
        raise InputError(f"no review {review_id}")
    svc = session.get(t.ServiceRow, row.service_id)
    assert svc is not None
    return row, svc


def _closed(session: Session, row: t.ReviewRow) -> t.ReviewRow | None:
    """The entry that ended ``row`` (accept/reject/revoke/retire), if any."""
    return session.execute(
        select(t.ReviewRow)
        .where(col(t.ReviewRow.refers_to) == row.id)
        .order_by(col(t.ReviewRow.id))
        .limit(1)
    ).scalar_one_or_none()


def _decide(
    store: Any,
    kind: str,
    challenge_id: int,
    *,
    reason: str,
    actor: Actor,
    roles: Roles,
    catalog: Mapping[str, Service] | None,
    expires_at: datetime | None,
    now: datetime | None,
) -> ReviewEntry:
    now = utc(now) or utcnow()
    if not reason.strip():
        raise InputError(f"{kind} needs a reason")
    name = ""

    def build(session: Session) -> list[t.ReviewRow]:
        nonlocal name
        row, svc = _entry(session, challenge_id)
        name = svc.name
        if row.kind != "challenge":
            raise InputError(f"review {challenge_id} is a {row.kind}, not a challenge")
        ended = _closed(session, row)
        if ended is not None:
            raise InputError(
                f"challenge {challenge_id} was already closed by {ended.kind} {ended.id}"
            )
        service = _service(svc, catalog)
        _require_re(
            actor, roles, f"{kind} challenge {challenge_id}", "only a reliability engineer may"
        )
        if service.golden_thread and actor.name.lower() == row.actor.lower():
            raise _deny(
                actor,
                f"{kind} challenge {challenge_id}",
                f"{svc.name} is a Golden Thread service: the approver must not be the challenger",
            )
        target = _target(session, svc.name, row.category, catalog)
        level = row.level if kind == "accept" else None
        return [
            _row(
                target,
                kind,
                actor,
                now,
                level=level,
                reason_text=reason,
                refers_to=row.id,
                expires_at=_expiry(expires_at, now) if level else None,
            )
        ]

    entry = _write(store, build, name)
    return ReviewEntry(**{**entry.__dict__, "service": name})


def accept(
    store: Any,
    challenge_id: int,
    *,
    reason: str,
    actor: Actor,
    roles: Roles,
    catalog: Mapping[str, Service] | None = None,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> ReviewEntry:
    """Accept a challenge; with a proposed level it becomes the effective level until expiry."""
    return _decide(
        store,
        "accept",
        challenge_id,
        reason=reason,
        actor=actor,
        roles=roles,
        catalog=catalog,
        expires_at=expires_at,
        now=now,
    )


def reject(
    store: Any,
    challenge_id: int,
    *,
    reason: str,
    actor: Actor,
    roles: Roles,
    catalog: Mapping[str, Service] | None = None,
    now: datetime | None = None,
) -> ReviewEntry:
    """Reject a challenge: the inferred level stands."""
    return _decide(
        store,
        "reject",
        challenge_id,
        reason=reason,
        actor=actor,
        roles=roles,
        catalog=catalog,
        expires_at=None,
        now=now,
    )


def revoke(
    store: Any,
    review_id: int,
    *,
    reason: str,
    actor: Actor,
    roles: Roles,
    catalog: Mapping[str, Service] | None = None,
    now: datetime | None = None,
) -> ReviewEntry:
    """End a live confirmation, override, accepted challenge, or withdraw a pending challenge."""
    now = utc(now) or utcnow()
    if not reason.strip():
        raise InputError("revoke needs a reason")
    name = ""

    def build(session: Session) -> list[t.ReviewRow]:
        nonlocal name
        row, svc = _entry(session, review_id)
        name = svc.name
        if row.kind not in ("confirm", "override", "challenge", "accept"):
            raise InputError(f"review {review_id} is a {row.kind}; there is nothing to revoke")
        if row.kind == "accept" and not row.level:
            raise InputError(
                f"review {review_id} accepted a challenge without a level; nothing to revoke"
            )
        ended = _closed(session, row)
        if ended is not None:
            raise InputError(f"review {review_id} was already ended by {ended.kind} {ended.id}")
        service = _service(svc, catalog)
        action = f"revoke review {review_id}"
        needs_re = row.kind == "accept" or (row.kind == "override" and service.golden_thread)
        if needs_re:
            _require_re(actor, roles, action, "only a reliability engineer may revoke it")
        elif actor.name.lower() != row.actor.lower():
            _require_owner_or_re(actor, roles, service, action)
        target = _target(session, svc.name, row.category, catalog)
        return [_row(target, "revoke", actor, now, reason_text=reason, refers_to=row.id)]

    entry = _write(store, build, name)
    return ReviewEntry(**{**entry.__dict__, "service": name})


# --- listings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChallengeView:
    challenge: ReviewEntry
    status: str  # pending | accepted | rejected | withdrawn
    decision: ReviewEntry | None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.challenge.as_dict(),
            "status": self.status,
            "decision": self.decision.as_dict() if self.decision else None,
        }


def challenges(
    store: Any, *, pending: bool = False, service: str | None = None
) -> list[ChallengeView]:
    with store.session() as session:
        names = dict(session.execute(select(col(t.ServiceRow.id), col(t.ServiceRow.name))).all())
        rows = review_rows(session)
    ends: dict[int, t.ReviewRow] = {}
    for row in rows:
        if row.refers_to is not None and row.kind in ("accept", "reject", "revoke"):
            ends.setdefault(row.refers_to, row)
    status_of = {"accept": "accepted", "reject": "rejected", "revoke": "withdrawn"}
    views = []
    for row in rows:
        if row.kind != "challenge" or (service and names[row.service_id] != service):
            continue
        end = ends.get(row.id or -1)
        status = "pending" if end is None else status_of[end.kind]
        if pending and status != "pending":
            continue
        views.append(
            ChallengeView(
                to_entry(row, names[row.service_id]),
                status,
                None if end is None else to_entry(end, names[end.service_id]),
            )
        )
    return views


def audit_log(store: Any, service: str | None = None) -> list[ReviewEntry]:
    """The review log in order, for everything or one service."""
    with store.session() as session:
        names = dict(session.execute(select(col(t.ServiceRow.id), col(t.ServiceRow.name))).all())
        if service is not None and service not in names.values():
            raise CatalogError(f"no recorded service {service!r}")
        rows = review_rows(session)
    return [
        to_entry(r, names[r.service_id])
        for r in rows
        if service is None or names[r.service_id] == service
    ]
