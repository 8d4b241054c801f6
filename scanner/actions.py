"""Actions: the commitments agreed in a domain review (service, category, text, owner, due)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from scanner import tables as t
from scanner.audit import utc
from scanner.errors import CatalogError, InputError
from scanner.store import now as utcnow


@dataclass(frozen=True)
class Action:
    id: int
    service: str
    category: str
    text: str
    owner: str
    due: date | None
    status: str  # open | done
    created_at: datetime
    done_at: datetime | None

    def overdue(self, today: date) -> bool:
        return self.status == "open" and self.due is not None and self.due < today

    def as_dict(self, today: date | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "service": self.service,
            "category": self.category,
            "text": self.text,
            "owner": self.owner,
            "due": self.due.isoformat() if self.due else None,
            "status": self.status,
            "overdue": self.overdue(today or date.today()),
            "created_at": self.created_at.isoformat(),
            "done_at": self.done_at.isoformat() if self.done_at else None,
        }


def _action(row: t.ActionRow, service: str) -> Action:
    assert row.id is not None
    created = utc(row.created_at)
    assert created is not None
    return Action(
        row.id,
        service,
        row.category,
        row.text,
        row.owner,
        row.due,
        row.status,
        created,
        utc(row.done_at),
    )


def add_action(
    store: Any,
    service: str,
    category: str,
    text: str,
    *,
    owner: str,
    due: date | None = None,
    now: datetime | None = None,
) -> Action:
    """Record a commitment. The service must have been scanned."""
    if not text.strip():
        raise InputError("an action needs a text")
    if not owner.strip():
        raise InputError("an action needs an owner")
    with store.session() as session:
        svc = session.execute(
            select(t.ServiceRow).where(col(t.ServiceRow.name) == service)
        ).scalar_one_or_none()
        if svc is None or svc.id is None:
            raise CatalogError(f"no recorded service {service!r}; scan it first")
        row = t.ActionRow(
            service_id=svc.id,
            category=category,
            text=text.strip(),
            owner=owner.strip(),
            due=due,
            created_at=utc(now) or utcnow(),
        )
        session.add(row)
        session.commit()
        session.refresh(row)
        return _action(row, service)


def list_actions(
    store: Any,
    *,
    service: str | None = None,
    overdue: bool = False,
    include_done: bool = False,
    today: date | None = None,
) -> list[Action]:
    """Open actions (all with ``include_done``), oldest due first; only late ones if ``overdue``."""
    today = today or date.today()
    with store.session() as session:
        query = (
            select(t.ActionRow, col(t.ServiceRow.name))
            .join(t.ServiceRow, col(t.ServiceRow.id) == col(t.ActionRow.service_id))
            .order_by(col(t.ActionRow.id))
        )
        if service is not None:
            query = query.where(col(t.ServiceRow.name) == service)
        actions = [_action(row, name) for row, name in session.execute(query)]
    if not include_done:
        actions = [a for a in actions if a.status == "open"]
    if overdue:
        actions = [a for a in actions if a.overdue(today)]
    return sorted(actions, key=lambda a: (a.due or date.max, a.id))


def complete_action(store: Any, action_id: int, *, now: datetime | None = None) -> Action:
    with store.session() as session:
        row = session.get(t.ActionRow, action_id)
        if row is None:
            raise InputError(f"no action {action_id}")
        if row.status == "done":
            raise InputError(f"action {action_id} is already done")
        row.status = "done"
        row.done_at = utc(now) or utcnow()
        session.add(row)
        session.commit()
        session.refresh(row)
        svc = session.get(t.ServiceRow, row.service_id)
        assert svc is not None
        return _action(row, svc.name)
