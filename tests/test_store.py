"""The store: migrations, atomic per-service results, content-addressed evidence."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select

from scanner import tables as t
from scanner.errors import InputError, StoreError
from scanner.models import (
    Assessment,
    CriterionResult,
    Evidence,
    Level,
    Locator,
    Service,
    Tier,
    Truth,
)
from scanner.store import ProbeRun, Store, TargetRun

RUN = TargetRun(
    "repository:/x", "ok", 5, "ci.yml:3: malformed", (ProbeRun("repo_docs", "1.0", "ok", 3),)
)
SERVICE = Service(
    name="payments-api", owner="team-pay", tier=Tier.MISSION_CRITICAL, golden_thread=True
)


def _evidence(readme: bool = True) -> list[Evidence]:
    return [
        Evidence("repo.readme", readme, "repo_docs", "1.0", (Locator(path="README.md"),)),
        Evidence(
            "iac.kinds", ["bicep"], "infrastructure", "1.0", (Locator(path="infra/main.bicep"),)
        ),
        Evidence("ci.runs_tests", None, "ci_pipelines", "1.0", (), "malformed ci.yml:3"),
    ]


def _assess(stored: list[Evidence]) -> list[Assessment]:
    ids = {e.key: e.id for e in stored}
    readme = next(e for e in stored if e.key == "repo.readme")
    crit = CriterionResult(
        id="has-readme",
        level=Level.AMBER,
        expression="repo.readme",
        description="README at root",
        result=Truth.TRUE if readme.value else Truth.FALSE,
        facts=("repo.readme",),
        evidence_ids=(ids["repo.readme"],),
    )
    level = Level.AMBER if readme.value else Level.RED
    return [Assessment("docs", level, (crit,), evidence_ids=(ids["repo.readme"],))]


def _record(store: Store, scan_id: int, evidence: list[Evidence]) -> int:
    with store.transaction() as tx:
        stored = tx.add_evidence(evidence)
        return tx.add_service_scan(
            scan_id=scan_id,
            service=SERVICE,
            evidence=stored,
            assessments=_assess(stored),
            target_runs=[RUN],
            rules_digest="r1",
        )


def _count(store: Store, table) -> int:
    with store.session() as session:
        return session.execute(select(func.count()).select_from(table)).scalar_one()


def test_schema_is_migrated_on_first_use(store):
    current, head = store.schema_revision()
    assert current is not None and current == head
    assert store.upgrade() == (head, head)


def test_recorded_result_reads_back(store):
    scan_id = store.start_scan("r1", "test")
    _record(store, scan_id, _evidence())
    store.finish_scan(scan_id, "complete")

    [result] = store.latest_results()
    assert result.service == Service(
        name="payments-api", owner="team-pay", tier=Tier.MISSION_CRITICAL, golden_thread=True
    )
    assert result.scan_status == "complete"
    assert result.evidence["repo.readme"].value is True
    assert result.evidence["repo.readme"].locators == (Locator(path="README.md"),)
    assert result.evidence["iac.kinds"].value == ["bicep"]
    unknown = result.evidence["ci.runs_tests"]
    assert unknown.value is None and unknown.reason == "malformed ci.yml:3"
    [assessment] = result.assessments
    assert assessment.level is Level.AMBER
    assert assessment.trace[0].evidence_ids == (result.evidence["repo.readme"].id,)
    assert store.target_runs(result.service_scan_id) == [RUN]


def test_unchanged_rescan_stores_evidence_once(store):
    for _ in range(3):
        scan_id = store.start_scan("r1", "test")
        _record(store, scan_id, _evidence())
        store.finish_scan(scan_id, "complete")
    assert _count(store, t.EvidenceRow) == 3
    assert _count(store, t.EvidenceSetRow) == 1
    assert _count(store, t.AssessmentRow) == 1
    assert _count(store, t.AssessmentSetRow) == 1
    assert _count(store, t.ServiceScanRow) == 3

    scan_id = store.start_scan("r1", "test")
    _record(store, scan_id, _evidence(readme=False))
    assert _count(store, t.EvidenceRow) == 4  # only the changed fact is new
    [latest] = store.latest_results()
    assert latest.scan_id == scan_id
    assert latest.assessments[0].level is Level.RED


def test_a_failed_service_write_leaves_nothing_behind(store):
    scan_id = store.start_scan("r1", "test")
    with pytest.raises(RuntimeError), store.transaction() as tx:
        stored = tx.add_evidence(_evidence())
        tx.add_service_scan(
            scan_id=scan_id,
            service=SERVICE,
            evidence=stored,
            assessments=_assess(stored),
            target_runs=[],
            rules_digest="r1",
        )
        raise RuntimeError("crash between writes")
    assert store.latest_results() == []
    assert _count(store, t.EvidenceRow) == 0
    assert _count(store, t.ServiceRow) == 0


def test_replace_assessments_keeps_evidence(store):
    scan_id = store.start_scan("r1", "test")
    ss_id = _record(store, scan_id, _evidence())
    [before] = store.latest_results()
    store.replace_assessments(ss_id, [Assessment("docs", Level.GREEN)], "r2")
    [after] = store.latest_results()
    assert after.evidence == before.evidence
    assert after.rules_digest == "r2"
    assert [a.level for a in after.assessments] == [Level.GREEN]


def test_database_in_an_unwritable_place_is_an_input_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(InputError, match="cannot create the database folder"):
        Store(f"sqlite:///{blocker / 'sub' / 'db.sqlite'}")
    with pytest.raises(InputError, match="is a directory"):
        Store(f"sqlite:///{tmp_path}")


def test_locked_sqlite_database_is_reported(tmp_path):
    path = tmp_path / "db.sqlite"
    Store(f"sqlite:///{path}")
    holder = sqlite3.connect(path, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        store = Store(f"sqlite:///{path}", lock_timeout=0.2)
        with pytest.raises(StoreError, match="locked by another process"):
            store.start_scan("r1", "test")
    finally:
        holder.rollback()
        holder.close()


def test_bad_database_url_is_an_input_error():
    with pytest.raises(InputError, match="database URL"):
        Store("nonsense://")


def test_password_never_appears_in_errors():
    store_url = "postgresql://scanner:s3cr3t-pw@127.0.0.1:1/none"
    with pytest.raises(StoreError) as info:
        Store(store_url)
    assert "s3cr3t-pw" not in str(info.value)


def test_migrations_match_the_table_definitions(store):
    """A model change without its migration would fail here (alembic autogenerate sees it)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
