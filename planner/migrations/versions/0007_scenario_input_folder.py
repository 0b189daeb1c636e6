"""scenario input folder

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

The folder a stored scenario may read input files from (its file's folder), so that solving
checks ``routing.referrals_csv`` again (issue 16): a scenario stored before the check, or
without a file, may read only from ``$PLANNER_DATA_DIR``.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scenario", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("input_folder", sqlmodel.sql.sqltypes.AutoString(length=4096), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("scenario", schema=None) as batch_op:
        batch_op.drop_column("input_folder")
