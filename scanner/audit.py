"""The review log: append-only, hash-chained, verifiable.

Each entry's hash covers its content and the previous entry's hash, so editing an entry breaks
its own hash, deleting one leaves its successor pointing at a hash nobody has, and reordering
leaves an entry pointing at the hash of one that is not its predecessor. A unique index on
``prev_hash`` means two writers can never fork the chain: the loser retries.

Deleting the *newest* entries leaves a shorter but consistent chain; pass the head hash you
recorded earlier (``fundamentals audit head``) to ``verify_audit`` to catch that too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from scanner import tables as t
from scanner.errors import StoreError

GENESIS = ""
APPEND_ATTEMPTS = 5


def utc(value: datetime | None) -> datetime | None:
    """Aware UTC datetimes everywhere: SQLite hands back naive ones (stored as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _iso(value: datetime | None) -> str | None:
    aware = utc(value)
    return aware.isoformat(timespec="microseconds") if aware else None


def entry_hash(row: t.ReviewRow) -> str:
    """SHA-256 over the entry's content and the previous entry's hash (the id is not content)."""
    content = {
        "service_id": row.service_id,
        "category": row.category,
        "kind": row.kind,
        "level": row.level,
        "reason_code": row.reason_code,
        "reason_text": row.reason_text,
        "actor": row.actor,
        "actor_source": row.actor_source,
        "created_at": _iso(row.created_at),
        "expires_at": _iso(row.expires_at),
        "evidence_digest": row.evidence_digest,
        "inferred_level": row.inferred_level,
        "refers_to": row.refers_to,
        "prev_hash": row.prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ReviewEntry:
    """One entry of the review log, as listed and as returned by the review functions."""

    id: int
    service: str
    category: str
    kind: str
    level: str | None
    reason_code: str | None
    reason_text: str
    actor: str
    actor_source: str
    created_at: datetime
    expires_at: datetime | None
    evidence_digest: str | None
    inferred_level: str | None
    refers_to: int | None
    entry_hash: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "service": self.service,
            "category": self.category,
            "kind": self.kind,
            "level": self.level,
            "reason_code": self.reason_code,
            "reason_text": self.reason_text,
            "actor": self.actor,
            "actor_source": self.actor_source,
            "created_at": _iso(self.created_at),
            "expires_at": _iso(self.expires_at),
            "evidence_digest": self.evidence_digest,
            "inferred_level": self.inferred_level,
            "refers_to": self.refers_to,
            "entry_hash": self.entry_hash,
        }


def to_entry(row: t.ReviewRow, service: str) -> ReviewEntry:
    assert row.id is not None
    created = utc(row.created_at)
    assert created is not None
    return ReviewEntry(
        id=row.id,
        service=service,
        category=row.category,
        kind=row.kind,
        level=row.level,
        reason_code=row.reason_code,
        reason_text=row.reason_text,
        actor=row.actor,
        actor_source=row.actor_source,
        created_at=created,
        expires_at=utc(row.expires_at),
        evidence_digest=row.evidence_digest,
        inferred_level=row.inferred_level,
        refers_to=row.refers_to,
        entry_hash=row.entry_hash,
    )


def append(store: Any, build: Callable[[Session], Sequence[t.ReviewRow]]) -> list[t.ReviewRow]:
    """Append the rows ``build`` returns, chained, in one transaction; retried if raced.

    ``build`` runs inside the transaction (after the chain is locked) and may raise to refuse:
    then nothing is written.
    """
    for attempt in range(APPEND_ATTEMPTS):
        with store.session() as session:
            try:
                if session.get_bind().dialect.name == "postgresql":
                    session.execute(text("LOCK TABLE review IN SHARE ROW EXCLUSIVE MODE"))
                rows = list(build(session))
                prev = _head(session)
                for row in rows:
                    row.prev_hash = prev
                    row.entry_hash = entry_hash(row)
                    session.add(row)
                    session.flush()
                    prev = row.entry_hash
                session.commit()
                for row in rows:
                    session.refresh(row)
                    session.expunge(row)
                return rows
            except IntegrityError:
                session.rollback()
                if attempt == APPEND_ATTEMPTS - 1:
                    raise StoreError(
                        "the review log kept changing while writing; try again"
                    ) from None
            except BaseException:
                session.rollback()
                raise
    raise AssertionError("unreachable")


def _head(session: Session) -> str:
    last = session.execute(
        select(col(t.ReviewRow.entry_hash)).order_by(col(t.ReviewRow.id).desc()).limit(1)
    ).scalar_one_or_none()
    return last or GENESIS


def head(store: Any) -> str:
    """The hash of the newest entry: record it somewhere safe to detect tail deletion later."""
    with store.session() as session:
        return _head(session)


@dataclass(frozen=True)
class AuditProblem:
    entry_id: int | None
    kind: str  # edited | deleted | reordered | truncated
    message: str


@dataclass(frozen=True)
class AuditReport:
    entries: int
    head: str
    problem: AuditProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head": self.head,
            "problem": None
            if self.problem is None
            else {
                "entry_id": self.problem.entry_id,
                "kind": self.problem.kind,
                "message": self.problem.message,
            },
        }


def verify_audit(store: Any, expected_head: str | None = None) -> AuditReport:
    """Walk the chain in id order and name the first entry that was edited, deleted or moved."""
    with store.session() as session:
        rows = list(session.execute(select(t.ReviewRow).order_by(col(t.ReviewRow.id))).scalars())
    by_hash = {r.entry_hash: r for r in rows}
    ids = {r.id for r in rows}
    prev = GENESIS
    problem: AuditProblem | None = None
    for row in rows:
        if entry_hash(row) != row.entry_hash:
            problem = AuditProblem(
                row.id,
                "edited",
                f"review {row.id} was edited: its content no longer matches its hash",
            )
            break
        if row.prev_hash != prev:
            earlier = by_hash.get(row.prev_hash)
            if earlier is None:
                problem = AuditProblem(
                    row.id,
                    "deleted",
                    f"an entry before review {row.id} was deleted: it chains to "
                    f"{row.prev_hash[:12] or 'the start'}, which no entry has",
                )
            else:
                problem = AuditProblem(
                    row.id,
                    "reordered",
                    f"review {row.id} was moved: it follows review {earlier.id} in the chain, "
                    "not the entry before it",
                )
            break
        if row.refers_to is not None and row.refers_to not in ids:
            problem = AuditProblem(
                row.id, "deleted", f"review {row.refers_to}, referred to by {row.id}, was deleted"
            )
            break
        prev = row.entry_hash
    if problem is None and expected_head and expected_head not in by_hash:
        # A head recorded earlier must still be in the chain (later entries may follow it).
        problem = AuditProblem(
            None,
            "truncated",
            f"the recorded head {expected_head[:12]} is gone: entries at the end were deleted",
        )
    return AuditReport(entries=len(rows), head=prev, problem=problem)
