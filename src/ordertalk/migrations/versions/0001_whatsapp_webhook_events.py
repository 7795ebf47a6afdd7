"""Raw WhatsApp webhook events.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the raw webhook event table."""
    op.create_table(
        "whatsapp_webhook_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("phone_number_id", sa.String(length=64), nullable=True),
        sa.Column("fields", sa.String(length=255), nullable=False),
        sa.Column("statuses", sa.Integer(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_webhook_events")),
        sa.UniqueConstraint("digest", name=op.f("uq_whatsapp_webhook_events_digest")),
    )
    op.create_index(
        op.f("ix_whatsapp_webhook_events_phone_number_id"),
        "whatsapp_webhook_events",
        ["phone_number_id"],
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_index(op.f("ix_whatsapp_webhook_events_phone_number_id"), "whatsapp_webhook_events")
    op.drop_table("whatsapp_webhook_events")
