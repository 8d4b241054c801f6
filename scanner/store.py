"""The evidence store: open, migrate, write one service's result atomically, read it back.

SQLite by default at ``default_db_url()``; any SQLAlchemy URL through ``--db`` or
``$FUNDAMENTALS_DB``. PostgreSQL is the tested shared deployment.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, col

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
)

DB_ENV = "FUNDAMENTALS_DB"
MIGRATIONS = Path(__file__).parent / "migrations"


def default_db_path() -> Path:
    """The per-user SQLite file, e.g. ``~/.local/share/fundamentals-scanner/fundamentals.db``."""
    return platformdirs.user_data_path("fundamentals-scanner") / "fundamentals.db"


def default_db_url() -> str:
    return os.environ.get(DB_ENV) or f"sqlite:///{default_db_path()}"


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def digest(value: Any) -> str:
    """A 128-bit content digest of a JSON-serialisable value."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ProbeRun:
    probe: str
    probe_version: str
    status: str  # ok | error | skipped | timeout
    duration_ms: int
    error: str | None = None


@dataclass(frozen=True)
class TargetRun:
    """A target read once by its collector, and the probes run on what it read.

    ``status`` is ``ok``, ``error`` (the target could not be read: every probe skipped) or
    ``unchanged`` (its version matched the last scan's: that evidence was reused, no probe ran).
    ``evidence`` is this target's own facts, before they are merged into the service's.
    """

    target: str
    status: str
    duration_ms: int
    problems: str | None = None
    probes: tuple[ProbeRun, ...] = ()
    version: str | None = None
    probes_digest: str = ""
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class PriorTarget:
    """What the last successful read of a target found, for deciding whether to read it again."""

    target_run_id: int
    version: str | None
    probes_digest: str
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class ServiceResult:
    """One service's latest (or any) recorded result."""

    service: Service
    scan_id: int
    service_scan_id: int
    finished_at: datetime
    rules_digest: str
    assessments: tuple[Assessment, ...]
    evidence: dict[str, Evidence]
    scan_status: str

    def assessment(self, category: str) -> Assessment | None:
        return next((a for a in self.assessments if a.category == category), None)


class Store:
    def __init__(
        self, url: str | None = None, *, migrate: bool = True, lock_timeout: float = 10.0
    ) -> None:
        self.url = normalise_url(url or default_db_url())
        try:
            parsed = make_url(self.url)
        except ArgumentError as exc:
            raise InputError(f"database URL is not valid: {exc}") from None
        self.safe_url = parsed.render_as_string(hide_password=True)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            path = Path(parsed.database)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError(
                    f"cannot create the database folder {path.parent}: {exc}"
                ) from None
            if path.is_dir():
                raise InputError(f"database path {path} is a directory")
        self.engine = _make_engine(self.url, self.is_sqlite, lock_timeout)
        if migrate:
            self.ensure_schema()

    # --- schema ----------------------------------------------------------------------------

    def _alembic_config(self, connection: Any) -> Any:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = connection
        return cfg

    def schema_revision(self) -> tuple[str | None, str | None]:
        """(current revision in the database, newest revision shipped)."""
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        with self._connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
            head = ScriptDirectory.from_config(self._alembic_config(conn)).get_current_head()
        return current, head

    def ensure_schema(self) -> None:
        current, head = self.schema_revision()
        if current != head:
            self.upgrade()

    def upgrade(self) -> tuple[str | None, str | None]:
        """Apply pending migrations. Returns (revision before, revision after)."""
        from alembic import command

        before, _ = self.schema_revision()
        with self._connect() as conn, conn.begin():
            command.upgrade(self._alembic_config(conn), "head")
        after, _ = self.schema_revision()
        return before, after

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except OperationalError as exc:
            raise _store_error(exc, self.safe_url) from None

    # --- writing ---------------------------------------------------------------------------

    def start_scan(self, rules_digest: str, tool_version: str) -> int:
        with self.session() as session:
            scan = t.ScanRow(started_at=now(), rules_digest=rules_digest, tool_version=tool_version)
            session.add(scan)
            session.commit()
            assert scan.id is not None
            return scan.id

    def finish_scan(self, scan_id: int, status: str, note: str = "") -> None:
        with self.session() as session:
            scan = session.get(t.ScanRow, scan_id)
            if scan is None:
                raise StoreError(f"scan {scan_id} does not exist")
            scan.status = status
            scan.finished_at = now()
            scan.note = note
            session.add(scan)
            session.commit()

    @contextmanager
    def session(self) -> Iterator[Session]:
        try:
            with Session(self.engine) as session:
                yield session
        except OperationalError as exc:
            raise _store_error(exc, self.safe_url) from None

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One service's result: everything inside commits together or not at all."""
        with self.session() as session:
            try:
                yield Transaction(session)
                session.commit()
            except BaseException:
                session.rollback()
                raise

    # --- reading ---------------------------------------------------------------------------

    def scan(self, scan_id: int) -> t.ScanRow | None:
        with self.session() as session:
            return session.get(t.ScanRow, scan_id)

    def latest_scan(self) -> t.ScanRow | None:
        with self.session() as session:
            return (
                session.execute(select(t.ScanRow).order_by(col(t.ScanRow.id).desc()).limit(1))
                .scalars()
                .first()
            )

    def service_names(self) -> list[str]:
        with self.session() as session:
            rows = session.execute(select(col(t.ServiceRow.name)).order_by(col(t.ServiceRow.name)))
            return [r[0] for r in rows]

    def latest_results(self, services: Sequence[str] | None = None) -> list[ServiceResult]:
        """The most recent recorded result of each service (or of the named ones)."""
        with self.session() as session:
            latest = (
                select(func.max(col(t.ServiceScanRow.id)))
                .group_by(col(t.ServiceScanRow.service_id))
                .scalar_subquery()
            )
            query = (
                select(t.ServiceScanRow, t.ServiceRow, t.ScanRow)
                .join(t.ServiceRow, col(t.ServiceRow.id) == col(t.ServiceScanRow.service_id))
                .join(t.ScanRow, col(t.ScanRow.id) == col(t.ServiceScanRow.scan_id))
                .where(col(t.ServiceScanRow.id).in_(latest))
                .order_by(col(t.ServiceRow.name))
            )
            if services is None:  # a retired service is named explicitly or not at all
                query = query.where(col(t.ServiceRow.retired_at).is_(None))
            else:
                query = query.where(col(t.ServiceRow.name).in_(list(services)))
            return [
                self._result(session, ss, svc, scan) for ss, svc, scan in session.execute(query)
            ]

    def results_for_scan(self, scan_id: int) -> list[ServiceResult]:
        with self.session() as session:
            query = (
                select(t.ServiceScanRow, t.ServiceRow, t.ScanRow)
                .join(t.ServiceRow, col(t.ServiceRow.id) == col(t.ServiceScanRow.service_id))
                .join(t.ScanRow, col(t.ScanRow.id) == col(t.ServiceScanRow.scan_id))
                .where(col(t.ServiceScanRow.scan_id) == scan_id)
                .order_by(col(t.ServiceRow.name))
            )
            return [
                self._result(session, ss, svc, scan) for ss, svc, scan in session.execute(query)
            ]

    def prior_target(self, target: str) -> PriorTarget | None:
        """The latest successful (read or reused) run of ``target``, with its evidence."""
        with self.session() as session:
            row = (
                session.execute(
                    select(t.TargetRunRow)
                    .where(col(t.TargetRunRow.target) == target)
                    .where(col(t.TargetRunRow.status).in_(("ok", "unchanged")))
                    .order_by(col(t.TargetRunRow.id).desc())
                    .limit(1)
                )
                .scalars()
                .first()
            )
            if row is None or row.id is None or row.evidence_set_id is None:
                return None
            evidence = session.execute(
                select(t.EvidenceRow)
                .join(
                    t.EvidenceSetMember,
                    col(t.EvidenceSetMember.evidence_id) == col(t.EvidenceRow.id),
                )
                .where(col(t.EvidenceSetMember.set_id) == row.evidence_set_id)
            ).scalars()
            return PriorTarget(
                row.id, row.version, row.probes_digest, tuple(_evidence(e) for e in evidence)
            )

    def target_runs(self, service_scan_id: int) -> list[TargetRun]:
        with self.session() as session:
            targets = session.execute(
                select(t.TargetRunRow)
                .where(col(t.TargetRunRow.service_scan_id) == service_scan_id)
                .order_by(col(t.TargetRunRow.id))
            ).scalars()
            runs = []
            for target in targets:
                probes = session.execute(
                    select(t.ProbeRunRow)
                    .where(col(t.ProbeRunRow.target_run_id) == target.id)
                    .order_by(col(t.ProbeRunRow.id))
                ).scalars()
                runs.append(
                    TargetRun(
                        target.target,
                        target.status,
                        target.duration_ms,
                        target.problems,
                        tuple(
                            ProbeRun(p.probe, p.probe_version, p.status, p.duration_ms, p.error)
                            for p in probes
                        ),
                        version=target.version,
                        probes_digest=target.probes_digest,
                    )
                )
            return runs

    def _result(
        self, session: Session, ss: t.ServiceScanRow, svc: t.ServiceRow, scan: t.ScanRow
    ) -> ServiceResult:
        evidence_rows = session.execute(
            select(t.EvidenceRow)
            .join(
                t.EvidenceSetMember, col(t.EvidenceSetMember.evidence_id) == col(t.EvidenceRow.id)
            )
            .where(col(t.EvidenceSetMember.set_id) == ss.evidence_set_id)
        ).scalars()
        evidence = {row.key: _evidence(row) for row in evidence_rows}
        assessment_rows = session.execute(
            select(t.AssessmentRow)
            .join(
                t.AssessmentSetMember,
                col(t.AssessmentSetMember.assessment_id) == col(t.AssessmentRow.id),
            )
            .where(col(t.AssessmentSetMember.set_id) == ss.assessment_set_id)
        ).scalars()
        assert ss.id is not None and scan.id is not None
        return ServiceResult(
            service=_service(svc),
            scan_id=scan.id,
            service_scan_id=ss.id,
            finished_at=ss.finished_at,
            rules_digest=ss.rules_digest,
            assessments=tuple(_assessment(row) for row in assessment_rows),
            evidence=dict(sorted(evidence.items())),
            scan_status=scan.status,
        )

    def record_api_usage(self, scan_id: int, usage: dict[str, Any]) -> None:
        """Add what a scan (or one shard of it) spent per source: calls, free 304s, retries,
        rate-limit hits. Shards of one run add to the same rows."""
        usage = {k: v for k, v in usage.items() if v.calls or v.rate_limited}
        if not usage:
            return
        for attempt in range(3):
            try:
                with self.transaction() as tx:
                    for source, counts in usage.items():
                        row = tx.session.execute(
                            select(t.ApiUsageRow)
                            .where(col(t.ApiUsageRow.scan_id) == scan_id)
                            .where(col(t.ApiUsageRow.source) == source)
                        ).scalar_one_or_none()
                        row = row or t.ApiUsageRow(scan_id=scan_id, source=source)
                        row.calls += counts.calls
                        row.not_modified += counts.not_modified
                        row.retries += counts.retries
                        row.rate_limited += counts.rate_limited
                        tx.session.add(row)
                return
            except IntegrityError:  # another shard inserted the row first: add to it
                if attempt == 2:
                    raise

    def api_usage(self, scan_id: int) -> dict[str, t.ApiUsageRow]:
        """What ``record_api_usage`` recorded for a scan, by source."""
        with self.session() as session:
            rows = session.execute(
                select(t.ApiUsageRow).where(col(t.ApiUsageRow.scan_id) == scan_id)
            ).scalars()
            return {row.source: row for row in rows}

    def replace_assessments(
        self, service_scan_id: int, assessments: Sequence[Assessment], rules_digest: str
    ) -> None:
        """Re-score: point a recorded result at a new assessment set (evidence is unchanged)."""
        with self.transaction() as tx:
            ss = tx.session.get(t.ServiceScanRow, service_scan_id)
            if ss is None:
                raise StoreError(f"service scan {service_scan_id} does not exist")
            evidence_digests = tx.evidence_digests(ss.evidence_set_id)
            ss.assessment_set_id = tx.add_assessment_set(assessments, evidence_digests)
            ss.rules_digest = rules_digest
            tx.session.add(ss)


class Transaction:
    """Writes inside one open transaction; see ``Store.transaction``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def upsert_service(self, service: Service) -> int:
        row = self.session.execute(
            select(t.ServiceRow).where(col(t.ServiceRow.name) == service.name)
        ).scalar_one_or_none()
        if row is None:
            row = t.ServiceRow(name=service.name, created_at=now())
        row.owner = service.owner
        row.tier = service.tier.value
        row.golden_thread = service.golden_thread
        row.domain = service.domain
        row.platform = service.platform
        row.system = service.system
        row.lifecycle = service.lifecycle
        row.sources_json = sources_json(service)
        row.retired_at = None
        self.session.add(row)
        self.session.flush()
        assert row.id is not None
        return row.id

    def add_evidence(self, evidence: Sequence[Evidence]) -> list[Evidence]:
        """Store each fact once (content-addressed); return them with their ids."""
        by_digest = {_evidence_digest(e): e for e in evidence}
        ids = self._ids(t.EvidenceRow, list(by_digest))
        missing = [d for d in by_digest if d not in ids]
        if missing:
            seen = now()
            rows = [
                {
                    "digest": d,
                    "key": by_digest[d].key,
                    "value_json": _value_json(by_digest[d].value),
                    "reason": by_digest[d].reason,
                    "probe": by_digest[d].probe,
                    "probe_version": by_digest[d].probe_version,
                    "locators_json": json.dumps([loc.as_dict() for loc in by_digest[d].locators]),
                    "first_seen_at": seen,
                }
                for d in missing
            ]
            self._insert_ignore(t.EvidenceRow, rows)
            ids |= self._ids(t.EvidenceRow, missing)
        return [replace(e, id=ids[d]) for d, e in by_digest.items()]

    def add_evidence_set(self, evidence: Sequence[Evidence]) -> int:
        digests = sorted(_evidence_digest(e) for e in evidence)
        set_digest = digest(digests)
        existing = self._ids(t.EvidenceSetRow, [set_digest])
        if set_digest in existing:
            return existing[set_digest]
        self._insert_ignore(t.EvidenceSetRow, [{"digest": set_digest}])
        set_id = self._ids(t.EvidenceSetRow, [set_digest])[set_digest]
        self._insert_ignore(
            t.EvidenceSetMember,
            [{"set_id": set_id, "evidence_id": e.id} for e in evidence],
        )
        return set_id

    def evidence_digests(self, evidence_set_id: int) -> dict[int, str]:
        rows = self.session.execute(
            select(col(t.EvidenceRow.id), col(t.EvidenceRow.digest))
            .join(
                t.EvidenceSetMember, col(t.EvidenceSetMember.evidence_id) == col(t.EvidenceRow.id)
            )
            .where(col(t.EvidenceSetMember.set_id) == evidence_set_id)
        )
        return {row[0]: row[1] for row in rows}

    def add_assessment_set(
        self, assessments: Sequence[Assessment], evidence_digests: dict[int, str]
    ) -> int:
        by_digest: dict[str, dict[str, Any]] = {}
        for a in assessments:
            trace = [c.as_dict() for c in a.trace]
            used = sorted(evidence_digests[i] for i in a.evidence_ids if i in evidence_digests)
            row = {
                "category": a.category,
                "level": a.level.value,
                "at_least": a.at_least.value if a.at_least else None,
                "note": a.note,
                "trace_json": json.dumps(trace, sort_keys=True),
                "evidence_digest": digest(used),
            }
            by_digest[digest(row)] = row
        ids = self._ids(t.AssessmentRow, list(by_digest))
        missing = [d for d in by_digest if d not in ids]
        if missing:
            self._insert_ignore(t.AssessmentRow, [{"digest": d, **by_digest[d]} for d in missing])
            ids |= self._ids(t.AssessmentRow, missing)
        set_digest = digest(sorted(by_digest))
        existing = self._ids(t.AssessmentSetRow, [set_digest])
        if set_digest in existing:
            return existing[set_digest]
        self._insert_ignore(t.AssessmentSetRow, [{"digest": set_digest}])
        set_id = self._ids(t.AssessmentSetRow, [set_digest])[set_digest]
        self._insert_ignore(
            t.AssessmentSetMember,
            [{"set_id": set_id, "assessment_id": ids[d]} for d in by_digest],
        )
        return set_id

    def add_service_scan(
        self,
        *,
        scan_id: int,
        service: Service,
        evidence: Sequence[Evidence],
        assessments: Sequence[Assessment],
        target_runs: Sequence[TargetRun],
        rules_digest: str,
        api_calls: dict[str, tuple[int, int]] | None = None,
    ) -> int:
        """Record one service's complete result in a scan; ``evidence`` must carry ids.

        ``api_calls`` is ``{source: (calls, free)}`` spent reading it (``scanner.meter``).
        """
        service_id = self.upsert_service(service)
        evidence_set_id = self.add_evidence_set(evidence)
        digests = {e.id: _evidence_digest(e) for e in evidence if e.id is not None}
        assessment_set_id = self.add_assessment_set(assessments, digests)
        ss = t.ServiceScanRow(
            scan_id=scan_id,
            service_id=service_id,
            finished_at=now(),
            evidence_set_id=evidence_set_id,
            assessment_set_id=assessment_set_id,
            rules_digest=rules_digest,
            api_calls=json.dumps({k: list(v) for k, v in sorted(api_calls.items())})
            if api_calls
            else None,
        )
        self.session.add(ss)
        self.session.flush()
        assert ss.id is not None
        for run in target_runs:
            own = evidence_set_id
            if len(target_runs) > 1 and run.evidence:
                own = self.add_evidence_set(self.add_evidence(run.evidence))
            target = t.TargetRunRow(
                service_scan_id=ss.id,
                target=run.target,
                status=run.status,
                duration_ms=run.duration_ms,
                problems=run.problems,
                version=run.version,
                probes_digest=run.probes_digest,
                evidence_set_id=own if run.status != "error" else None,
            )
            self.session.add(target)
            self.session.flush()
            assert target.id is not None
            self.session.add_all(
                t.ProbeRunRow(
                    target_run_id=target.id,
                    probe=p.probe,
                    probe_version=p.probe_version,
                    status=p.status,
                    duration_ms=p.duration_ms,
                    error=p.error,
                )
                for p in run.probes
            )
        return ss.id

    def _ids(self, table: Any, digests: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(digests), 500):
            chunk = digests[start : start + 500]
            rows = self.session.execute(
                select(table.id, table.digest).where(table.digest.in_(chunk))
            )
            found.update({row[1]: row[0] for row in rows})
        return found

    def _insert_ignore(self, table: Any, rows: list[dict[str, Any]]) -> None:
        """INSERT … ON CONFLICT DO NOTHING: concurrent writers may store the same content."""
        if not rows:
            return
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
        self.session.execute(insert(table).on_conflict_do_nothing(), rows)


# --- helpers ---------------------------------------------------------------------------------


def _make_engine(url: str, is_sqlite: bool, lock_timeout: float) -> Engine:
    try:
        if is_sqlite:
            engine = create_engine(
                url,
                poolclass=NullPool,
                connect_args={"timeout": lock_timeout, "check_same_thread": False},
            )

            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_conn: Any, _record: Any) -> None:
                cursor = dbapi_conn.cursor()
                cursor.execute(f"PRAGMA busy_timeout = {int(lock_timeout * 1000)}")
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
                cursor.execute("PRAGMA foreign_keys = ON")
                cursor.close()

            return engine
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, ImportError) as exc:
        raise InputError(f"database URL is not usable: {exc}") from None
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open database: {exc}") from None


def _store_error(exc: OperationalError, safe_url: str) -> Exception:
    message = str(exc.orig) if exc.orig is not None else str(exc)
    if "locked" in message:
        return StoreError(f"database {safe_url} is locked by another process: {message}")
    if "unable to open" in message or "readonly" in message or "read-only" in message:
        return InputError(f"cannot write the database {safe_url}: {message}")
    return StoreError(f"database {safe_url}: {message.strip().splitlines()[0]}")


def _value_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def _evidence_digest(e: Evidence) -> str:
    return digest(
        [e.key, e.value, e.reason, e.probe, e.probe_version, [loc.as_dict() for loc in e.locators]]
    )


def _evidence(row: t.EvidenceRow) -> Evidence:
    return Evidence(
        key=row.key,
        value=None if row.value_json is None else json.loads(row.value_json),
        probe=row.probe,
        probe_version=row.probe_version,
        locators=tuple(Locator(**d) for d in json.loads(row.locators_json)),
        reason=row.reason,
        id=row.id,
    )


def _assessment(row: t.AssessmentRow) -> Assessment:
    trace = tuple(CriterionResult.from_dict(d) for d in json.loads(row.trace_json))
    ids = sorted({i for c in trace for i in c.evidence_ids})
    return Assessment(
        category=row.category,
        level=Level(row.level),
        trace=trace,
        at_least=Level(row.at_least) if row.at_least else None,
        note=row.note,
        evidence_ids=tuple(ids),
    )


def sources_json(service: Service) -> str:
    """A service's sources as stored in ``service.sources_json``."""
    data: dict[str, Any] = {"repositories": list(service.repositories)}
    if service.github:
        data["github"] = list(service.github)
    if service.azure_devops:
        data["azure_devops"] = list(service.azure_devops)
    if service.sources:
        data["sources"] = [list(pair) for pair in service.sources]
    return json.dumps(data)


def service_from_row(row: t.ServiceRow) -> Service:
    sources = json.loads(row.sources_json or "{}")
    return Service(
        name=row.name,
        owner=row.owner,
        tier=Tier(row.tier),
        golden_thread=row.golden_thread,
        domain=row.domain,
        platform=row.platform,
        repositories=tuple(sources.get("repositories", ())),
        system=row.system,
        lifecycle=row.lifecycle,
        sources=tuple((str(k), str(v)) for k, v in sources.get("sources", ())),
        github=tuple(sources.get("github", ())),
        azure_devops=tuple(sources.get("azure_devops", ())),
    )


_service = service_from_row
