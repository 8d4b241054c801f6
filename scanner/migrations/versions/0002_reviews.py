"""reviews: inferred level at review time; an unforkable hash chain

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inferred_level", sa.String(length=20), nullable=True))
        batch_op.create_index("uq_review_prev_hash", ["prev_hash"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index("uq_review_prev_hash")
        batch_op.drop_column("inferred_level")
