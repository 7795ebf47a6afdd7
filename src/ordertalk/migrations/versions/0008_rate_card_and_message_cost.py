"""rate card per store; a message's cost in its currency

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 20:00:00.000000

`stores.rate_card` is what the merchant pays Meta per delivered message (a currency and prices
per market and pricing category, JSON); `outbound_messages.cost_currency` is the currency of the
`cost` a message was given when WhatsApp reported it delivered, so a later change of currency
never relabels past amounts. `cost` widens to 6 decimals, the precision a rate card accepts.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    with op.batch_alter_table("stores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rate_card", sa.JSON(), nullable=True))
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cost_currency", sa.String(length=3), nullable=True))
    # PostgreSQL only: SQLite's NUMERIC affinity ignores precision and scale (SQLAlchemy rounds
    # to the model's scale when reading), and changing a column's type there recreates the
    # table, whose DROP under foreign_keys=ON would cascade-delete every message event.
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(
            "outbound_messages",
            "cost",
            existing_type=sa.Numeric(precision=10, scale=4),
            type_=sa.Numeric(precision=14, scale=6),
            existing_nullable=True,
        )


def downgrade() -> None:
    """Revert."""
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(
            "outbound_messages",
            "cost",
            existing_type=sa.Numeric(precision=14, scale=6),
            type_=sa.Numeric(precision=10, scale=4),
            existing_nullable=True,
        )
    # Not in a batch: on SQLite a batch drop recreates the table, and dropping the old one
    # under foreign_keys=ON would cascade-delete the rows that reference it. SQLite (3.35+)
    # drops a plain column in place.
    op.drop_column("outbound_messages", "cost_currency")
    op.drop_column("stores", "rate_card")
