"""follow-up miss reason

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

Each stored return visit not kept with its index clinician carries its reason
(``staffing.misses.MISS_REASONS``) and, for ``not_rostered``, what kept the clinician off the
roster; the dashboard drills down from the counts to these rows.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("miss_reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.add_column(
            sa.Column("miss_detail", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.drop_column("miss_detail")
        batch_op.drop_column("miss_reason")
