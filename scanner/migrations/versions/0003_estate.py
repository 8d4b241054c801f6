"""estate: catalog origin and retirement, nightly runs shared by shards, API call accounting

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("system", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("lifecycle", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("origin", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("scan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_key", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint("uq_scan_run_key", ["run_key"])
    with op.batch_alter_table("service_scan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_calls", sa.Text(), nullable=True))
    op.create_table(
        "scan_shard",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("shard_index", sa.Integer(), nullable=False),
        sa.Column("shard_count", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("summary_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["scan_id"], ["scan.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scan_id", "shard_index", "shard_count"),
    )
    op.create_index("ix_scan_shard_scan_id", "scan_shard", ["scan_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_scan_shard_scan_id", table_name="scan_shard")
    op.drop_table("scan_shard")
    with op.batch_alter_table("service_scan", schema=None) as batch_op:
        batch_op.drop_column("api_calls")
    with op.batch_alter_table("scan", schema=None) as batch_op:
        batch_op.drop_constraint("uq_scan_run_key", type_="unique")
        batch_op.drop_column("run_key")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("origin")
        batch_op.drop_column("lifecycle")
        batch_op.drop_column("system")
