"""availability requests

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

The slots clinicians are asked to work so that return visits keep their clinician (issue 15):
one row per request of a ``continuity`` run, with the visits it keeps.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "availability_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("clinician_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("profession", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("block", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("start", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("end", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("visits_kept", sa.Integer(), nullable=False),
        sa.Column("visit_ids", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["run.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("availability_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_availability_request_run_id"), ["run_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("availability_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_availability_request_run_id"))
    op.drop_table("availability_request")
