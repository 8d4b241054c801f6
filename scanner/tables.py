"""Database tables (SQLModel). Schema changes ship as Alembic migrations in ``migrations/``.

Evidence and assessments are content-addressed: a row is identified by the digest of what it
says, and a service's result in a scan points at a *set* of them. Re-scanning an unchanged
repository therefore adds a scan row, a service_scan row and its probe runs — nothing else.
"""

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class ServiceRow(SQLModel, table=True):
    __tablename__ = "service"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True, max_length=128)
    owner: str = Field(default="", max_length=200)
    tier: str = Field(default="non-critical", max_length=40)
    golden_thread: bool = False
    domain: str = Field(default="", max_length=200)
    platform: str = Field(default="", max_length=200)
    sources_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    created_at: datetime
    retired_at: datetime | None = None  # gone from the catalog; kept with its history
    system: str = Field(default="", max_length=200)
    lifecycle: str = Field(default="", max_length=40)
    # Where the catalog declares it ("config:<file>:<line>", "backstage:<file>:<line>"); "" when
    # it was only ever scanned ad hoc (`scan PATH`).
    origin: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class ScanRow(SQLModel, table=True):
    __tablename__ = "scan"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime
    finished_at: datetime | None = None
    # running → complete | incomplete (interrupted, or a service failed to be recorded)
    status: str = Field(default="running", max_length=20, index=True)
    rules_digest: str = Field(default="", max_length=64)
    tool_version: str = Field(default="", max_length=40)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # A nightly run's name, shared by its shards (`scan --all --run KEY`); NULL for ad hoc scans.
    run_key: str | None = Field(default=None, unique=True, max_length=100)


class EvidenceSetRow(SQLModel, table=True):
    __tablename__ = "evidence_set"

    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(unique=True, max_length=32)


class AssessmentSetRow(SQLModel, table=True):
    __tablename__ = "assessment_set"

    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(unique=True, max_length=32)


class ServiceScanRow(SQLModel, table=True):
    """One service's complete result in one scan, written in a single transaction."""

    __tablename__ = "service_scan"
    __table_args__ = (UniqueConstraint("scan_id", "service_id"),)

    id: int | None = Field(default=None, primary_key=True)
    scan_id: int = Field(foreign_key="scan.id", index=True)
    service_id: int = Field(foreign_key="service.id", index=True)
    finished_at: datetime
    evidence_set_id: int = Field(foreign_key="evidence_set.id")
    assessment_set_id: int = Field(foreign_key="assessment_set.id")
    rules_digest: str = Field(default="", max_length=64)
    # API calls spent reading this service, {"source": [calls, free]}; NULL when none were made.
    api_calls: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ScanShardRow(SQLModel, table=True):
    """One shard (``--shard i/n``) of a nightly run; ``scan finalize`` closes it once all are in."""

    __tablename__ = "scan_shard"
    __table_args__ = (UniqueConstraint("scan_id", "shard_index", "shard_count"),)

    id: int | None = Field(default=None, primary_key=True)
    scan_id: int = Field(foreign_key="scan.id", index=True)
    shard_index: int  # 1-based
    shard_count: int
    started_at: datetime
    finished_at: datetime | None = None
    status: str = Field(default="running", max_length=20)  # running | complete | incomplete
    # Services the shard could not record: {"failed": {name: why}, "deferred": {name: why}}.
    summary_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))


class TargetRunRow(SQLModel, table=True):
    """One target of a service read by its collector in one scan."""

    __tablename__ = "target_run"

    id: int | None = Field(default=None, primary_key=True)
    service_scan_id: int = Field(foreign_key="service_scan.id", index=True)
    target: str = Field(sa_column=Column(Text, nullable=False, index=True))  # repository:/src/api
    status: str = Field(max_length=10)  # ok | error | unchanged (evidence reused)
    duration_ms: int = 0
    # Files the collector could not read or parse, one "path:line: message" a line.
    problems: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # What the collector read (commit SHA, ETag, inventory digest); equal next time = unchanged.
    version: str | None = Field(default=None, max_length=200)
    probes_digest: str = Field(default="", max_length=32)  # the probes and versions that ran
    evidence_set_id: int | None = Field(default=None, foreign_key="evidence_set.id")


class ProbeRunRow(SQLModel, table=True):
    __tablename__ = "probe_run"

    id: int | None = Field(default=None, primary_key=True)
    target_run_id: int = Field(foreign_key="target_run.id", index=True)
    probe: str = Field(max_length=100)
    probe_version: str = Field(max_length=40)
    status: str = Field(max_length=10)  # ok | error | skipped | timeout
    duration_ms: int = 0
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class EvidenceRow(SQLModel, table=True):
    __tablename__ = "evidence"

    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(unique=True, max_length=32)
    key: str = Field(index=True, max_length=200)
    value_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    probe: str = Field(max_length=100)
    probe_version: str = Field(max_length=40)
    locators_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    first_seen_at: datetime


class EvidenceSetMember(SQLModel, table=True):
    __tablename__ = "evidence_set_member"

    set_id: int = Field(foreign_key="evidence_set.id", primary_key=True)
    evidence_id: int = Field(foreign_key="evidence.id", primary_key=True)


class AssessmentRow(SQLModel, table=True):
    __tablename__ = "assessment"

    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(unique=True, max_length=32)
    category: str = Field(index=True, max_length=100)
    level: str = Field(max_length=20)
    at_least: str | None = Field(default=None, max_length=20)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    trace_json: str = Field(sa_column=Column(Text, nullable=False))
    # Digest of the evidence the category was judged on; reviews are pinned to it.
    evidence_digest: str = Field(max_length=32)


class AssessmentSetMember(SQLModel, table=True):
    __tablename__ = "assessment_set_member"

    set_id: int = Field(foreign_key="assessment_set.id", primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", primary_key=True)


class ReviewRow(SQLModel, table=True):
    """A human decision on an assessment. Append-only; each entry chains the previous hash."""

    __tablename__ = "review"
    # One successor per entry: two writers can never fork the hash chain.
    __table_args__ = (Index("uq_review_prev_hash", "prev_hash", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    service_id: int = Field(foreign_key="service.id", index=True)
    category: str = Field(max_length=100)
    kind: str = Field(
        max_length=20
    )  # confirm | override | challenge | accept | reject | revoke | retire
    level: str | None = Field(default=None, max_length=20)
    reason_code: str | None = Field(default=None, max_length=40)
    reason_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    actor: str = Field(default="", max_length=200)
    actor_source: str = Field(default="", max_length=40)
    created_at: datetime
    expires_at: datetime | None = None
    evidence_digest: str | None = Field(default=None, max_length=32)
    # The inferred level when the review was made (an upward override retires once reached).
    inferred_level: str | None = Field(default=None, max_length=20)
    refers_to: int | None = Field(default=None, foreign_key="review.id")
    prev_hash: str = Field(default="", max_length=64)
    entry_hash: str = Field(default="", max_length=64)


class ActionRow(SQLModel, table=True):
    """A commitment agreed in a review conversation."""

    __tablename__ = "action"

    id: int | None = Field(default=None, primary_key=True)
    service_id: int = Field(foreign_key="service.id", index=True)
    category: str = Field(max_length=100)
    text: str = Field(sa_column=Column(Text, nullable=False))
    owner: str = Field(default="", max_length=200)
    due: date | None = None
    status: str = Field(default="open", max_length=20)
    created_at: datetime
    done_at: datetime | None = None


class HttpCacheRow(SQLModel, table=True):
    """A GET response's validators and body, so the next scan can ask "changed since?".

    Keyed by a digest of the auth identity, method and URL. The identity is a digest of who is
    asking (token hash, app installation) — never a credential.
    """

    __tablename__ = "http_cache"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=64)
    url: str = Field(sa_column=Column(Text, nullable=False))
    etag: str | None = Field(default=None, max_length=200)
    last_modified: str | None = Field(default=None, max_length=100)
    headers_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    stored_at: datetime


class ApiUsageRow(SQLModel, table=True):
    """API calls one scan spent on one source, and how many of them were free (304)."""

    __tablename__ = "api_usage"
    __table_args__ = (UniqueConstraint("scan_id", "source"),)

    id: int | None = Field(default=None, primary_key=True)
    scan_id: int = Field(foreign_key="scan.id", index=True)
    source: str = Field(max_length=100)  # github, azure-devops (+ host for an enterprise server)
    calls: int = 0
    not_modified: int = 0  # 304s: free against the quota
    retries: int = 0
    rate_limited: int = 0  # waits for, or deferrals because of, a rate limit
