"""spirometer costs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

A routing plan's bill, stored where the dashboard shows it: each shipment's return mode and its
share of the bill, and one row per courier route with its km, driver hours and cost.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shipment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("return_mode", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )
        batch_op.add_column(sa.Column("cost_sek", sa.Float(), nullable=True))
    op.create_table(
        "courier_route",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("route_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("hub_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("stops", sa.Integer(), nullable=False),
        sa.Column("km", sa.Float(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("cost_sek", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["run.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("courier_route", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_courier_route_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("courier_route", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_courier_route_run_id"))
    op.drop_table("courier_route")
    with op.batch_alter_table("shipment", schema=None) as batch_op:
        batch_op.drop_column("cost_sek")
        batch_op.drop_column("return_mode")
