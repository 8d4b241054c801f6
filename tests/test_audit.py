"""The review log's hash chain: tampering is detected and named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from scanner import reviews
from scanner import tables as t
from scanner.audit import entry_hash, head, verify_audit
from scanner.cli import cli
from scanner.cli_reviews import COMMANDS
from tests.recorded_scans import CATALOG, OWNER, RELIABILITY, ROLES, WIKI, record_scan

for command in COMMANDS:
    cli.add_command(command)

T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
WHO = {"roles": ROLES, "catalog": CATALOG}


@pytest.fixture
def logged(store):
    """Four entries: confirm, override, challenge, accept."""
    record_scan(store, WIKI, {"logging": "amber", "runbooks": "green", "alerting": "red"})
    reviews.confirm(store, "wiki", "runbooks", actor=OWNER, now=T0, **WHO)
    reviews.override(
        store,
        "wiki",
        "logging",
        "green",
        reason="accepted-risk",
        note="soon",
        actor=OWNER,
        now=T0,
        **WHO,
    )
    ch = reviews.challenge(
        store,
        "wiki",
        "alerting",
        reason="false-positive",
        proposed="amber",
        actor=OWNER,
        now=T0,
        **WHO,
    )
    reviews.accept(store, ch.id, reason="agreed", actor=RELIABILITY, now=T0, **WHO)
    return store


def ids(store) -> list[int]:
    return [e.id for e in reviews.audit_log(store)]


def sql(store, statement: str, **params) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(statement), params)


def test_intact_chain_verifies(logged):
    report = verify_audit(logged)
    assert report.ok and report.entries == 4 and report.head == head(logged)
    assert verify_audit(logged, expected_head=head(logged)).ok


def test_empty_log_verifies(store):
    assert verify_audit(store).ok


def test_edited_entry_is_named(logged):
    second = ids(logged)[1]
    sql(logged, "UPDATE review SET level = 'amber' WHERE id = :id", id=second)
    report = verify_audit(logged)
    assert not report.ok
    assert (report.problem.kind, report.problem.entry_id) == ("edited", second)
    assert f"review {second} was edited" in report.problem.message


def test_edited_actor_with_a_recomputed_hash_breaks_the_next_link(logged):
    first, second = ids(logged)[:2]
    with logged.session() as session:
        row = session.get(t.ReviewRow, first)
        row.actor = "mallory@example.com"
        row.entry_hash = entry_hash(row)
        session.add(row)
        session.commit()
    report = verify_audit(logged)
    assert report.problem.kind == "deleted" and report.problem.entry_id == second


def test_deleted_entry_is_detected(logged):
    first, second, third, _ = ids(logged)
    sql(logged, "DELETE FROM review WHERE id = :id", id=second)
    report = verify_audit(logged)
    assert (report.problem.kind, report.problem.entry_id) == ("deleted", third)
    assert f"before review {third} was deleted" in report.problem.message


def test_reordered_entries_are_detected(logged):
    first, second, _, _ = ids(logged)
    columns = (
        "category",
        "kind",
        "level",
        "reason_code",
        "reason_text",
        "actor",
        "actor_source",
        "created_at",
        "expires_at",
        "evidence_digest",
        "inferred_level",
        "refers_to",
        "prev_hash",
        "entry_hash",
    )
    with logged.session() as session:
        a, b = session.get(t.ReviewRow, first), session.get(t.ReviewRow, second)
        values_a = {c: getattr(a, c) for c in columns}
        values_b = {c: getattr(b, c) for c in columns}
        # Free the unique prev_hash values first, then swap the two entries' content.
        a.prev_hash, b.prev_hash = "x", "y"
        session.add_all([a, b])
        session.flush()
        for c in columns:
            setattr(a, c, values_b[c])
            setattr(b, c, values_a[c])
        session.add_all([a, b])
        session.commit()
    report = verify_audit(logged)
    assert (report.problem.kind, report.problem.entry_id) == ("reordered", first)
    assert f"follows review {second}" in report.problem.message


def test_deleted_newest_entry_is_caught_with_a_recorded_head(logged):
    recorded = head(logged)
    last = ids(logged)[-1]
    sql(logged, "DELETE FROM review WHERE id = :id", id=last)
    assert verify_audit(logged).ok  # a shorter chain is consistent on its own...
    report = verify_audit(logged, expected_head=recorded)
    assert report.problem.kind == "truncated"  # ...but the recorded head is gone


def test_a_later_head_still_verifies_against_an_earlier_recorded_one(logged):
    recorded = head(logged)
    reviews.confirm(logged, "wiki", "logging", actor=OWNER, **WHO)
    assert verify_audit(logged, expected_head=recorded).ok


def test_the_chain_cannot_fork(logged):
    with pytest.raises(IntegrityError), logged.session() as session:
        row = session.get(t.ReviewRow, ids(logged)[-1])
        session.add(
            t.ReviewRow(
                service_id=row.service_id,
                category="logging",
                kind="confirm",
                created_at=T0,
                prev_hash=row.prev_hash,
                entry_hash="f" * 64,
            )
        )
        session.commit()


def test_cli_audit_verify_names_the_entry(logged, db_url):
    second = ids(logged)[1]
    sql(logged, "UPDATE review SET reason_text = 'rewritten' WHERE id = :id", id=second)
    result = CliRunner().invoke(cli, ["audit", "verify", "--db", db_url])
    assert result.exit_code == 1
    assert f"review {second} was edited" in result.output
    result = CliRunner().invoke(cli, ["audit", "verify", "--db", db_url, "--json"])
    assert '"kind": "edited"' in result.output
