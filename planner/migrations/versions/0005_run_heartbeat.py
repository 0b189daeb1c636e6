"""run heartbeat

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

A run's heartbeat, renewed while it works, so that any process (also on another host sharing a
PostgreSQL database) can tell a killed run from a working one (issue 16). The status column
gains the value 'interrupted'; it is a plain string column, so that needs no change here.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("run", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("heartbeat_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("run", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
