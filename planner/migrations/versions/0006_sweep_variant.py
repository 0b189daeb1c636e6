"""sweep variants

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

Which scenarios a sweep (``planner sweep``, issue 18) made and the values each varies, so the
dashboard's Scenarios page can draw the sweep's trade-off.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sweep_variant",
        sa.Column("sweep", sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column("scenario", sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("base", sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sweep", "scenario"),
    )


def downgrade() -> None:
    op.drop_table("sweep_variant")
