"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("at_least", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("trace_json", sa.Text(), nullable=False),
        sa.Column("evidence_digest", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest"),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_category"), ["category"], unique=False)

    op.create_table(
        "assessment_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest"),
    )
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("value_json", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("probe", sa.String(length=100), nullable=False),
        sa.Column("probe_version", sa.String(length=40), nullable=False),
        sa.Column("locators_json", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest"),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_key"), ["key"], unique=False)

    op.create_table(
        "evidence_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest"),
    )
    op.create_table(
        "scan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rules_digest", sa.String(length=64), nullable=False),
        sa.Column("tool_version", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("scan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scan_status"), ["status"], unique=False)

    op.create_table(
        "service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("tier", sa.String(length=40), nullable=False),
        sa.Column("golden_thread", sa.Boolean(), nullable=False),
        sa.Column("domain", sa.String(length=200), nullable=False),
        sa.Column("platform", sa.String(length=200), nullable=False),
        sa.Column("sources_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_name"), ["name"], unique=True)

    op.create_table(
        "action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_service_id"), ["service_id"], unique=False)

    op.create_table(
        "assessment_set_member",
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["assessment_set.id"],
        ),
        sa.PrimaryKeyConstraint("set_id", "assessment_id"),
    )
    op.create_table(
        "evidence_set_member",
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
        ),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["evidence_set.id"],
        ),
        sa.PrimaryKeyConstraint("set_id", "evidence_id"),
    )
    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=True),
        sa.Column("reason_code", sa.String(length=40), nullable=True),
        sa.Column("reason_text", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_source", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("evidence_digest", sa.String(length=32), nullable=True),
        sa.Column("refers_to", sa.Integer(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["refers_to"],
            ["review.id"],
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_service_id"), ["service_id"], unique=False)

    op.create_table(
        "service_scan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evidence_set_id", sa.Integer(), nullable=False),
        sa.Column("assessment_set_id", sa.Integer(), nullable=False),
        sa.Column("rules_digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_set_id"],
            ["assessment_set.id"],
        ),
        sa.ForeignKeyConstraint(
            ["evidence_set_id"],
            ["evidence_set.id"],
        ),
        sa.ForeignKeyConstraint(
            ["scan_id"],
            ["scan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scan_id", "service_id"),
    )
    with op.batch_alter_table("service_scan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_scan_scan_id"), ["scan_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_service_scan_service_id"), ["service_id"], unique=False
        )

    op.create_table(
        "target_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_scan_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=True),
        sa.Column("version", sa.String(length=200), nullable=True),
        sa.Column("probes_digest", sa.String(length=32), nullable=False),
        sa.Column("evidence_set_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["service_scan_id"], ["service_scan.id"]),
        sa.ForeignKeyConstraint(["evidence_set_id"], ["evidence_set.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("target_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_target_run_service_scan_id"), ["service_scan_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_target_run_target"), ["target"], unique=False)

    op.create_table(
        "probe_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_run_id", sa.Integer(), nullable=False),
        sa.Column("probe", sa.String(length=100), nullable=False),
        sa.Column("probe_version", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["target_run_id"],
            ["target_run.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("probe_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_probe_run_target_run_id"), ["target_run_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("probe_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_probe_run_target_run_id"))

    op.drop_table("probe_run")
    with op.batch_alter_table("target_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_target_run_target"))
        batch_op.drop_index(batch_op.f("ix_target_run_service_scan_id"))

    op.drop_table("target_run")
    with op.batch_alter_table("service_scan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_scan_service_id"))
        batch_op.drop_index(batch_op.f("ix_service_scan_scan_id"))

    op.drop_table("service_scan")
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_service_id"))

    op.drop_table("review")
    op.drop_table("evidence_set_member")
    op.drop_table("assessment_set_member")
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_service_id"))

    op.drop_table("action")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_name"))

    op.drop_table("service")
    with op.batch_alter_table("scan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scan_status"))

    op.drop_table("scan")
    op.drop_table("evidence_set")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_key"))

    op.drop_table("evidence")
    op.drop_table("assessment_set")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_category"))

    op.drop_table("assessment")
