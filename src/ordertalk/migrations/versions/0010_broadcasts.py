"""broadcasts, and a store's contacts in id order

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 12:00:00.000000

`broadcasts` keeps one template sent to a store's audience: the request (template, purpose,
filter, params, times, its Idempotency-Key) and what planning made of it (messages planned over
every pass; the latest pass's audience, contacts planned before it, skips by reason). Its
messages are ordinary outbox rows. `ix_contacts_store_id_id` lets the planner page a store's
contacts by id (keyset) without sorting them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("store_id", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("template", sa.String(length=60), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.Column("audience_size", sa.Integer(), nullable=False),
        sa.Column("already_planned", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_broadcasts_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
        sa.UniqueConstraint("store_id", "idempotency_key", name=op.f("uq_broadcasts_store_id")),
    )
    op.create_index(
        "ix_broadcasts_store_created", "broadcasts", ["store_id", "created_at"], unique=False
    )
    op.create_index("ix_contacts_store_id_id", "contacts", ["store_id", "id"], unique=False)


def downgrade() -> None:
    """Revert."""
    op.drop_index("ix_contacts_store_id_id", table_name="contacts")
    op.drop_index("ix_broadcasts_store_created", table_name="broadcasts")
    op.drop_table("broadcasts")
