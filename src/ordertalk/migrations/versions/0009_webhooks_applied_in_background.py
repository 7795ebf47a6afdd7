"""WhatsApp webhooks are acknowledged once stored and applied in the background

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 10:00:00.000000

`signers` keeps the stores whose app secret signed the body (the applier has no signature
header to check again); `attempts` and `lease_until` let any process's applier claim an event
once and retry a failed one with back-off. The partial index is the applier's queue.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_PENDING = sa.text("processed_at IS NULL")


def upgrade() -> None:
    """Apply."""
    with op.batch_alter_table("whatsapp_webhook_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signers", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_whatsapp_webhook_events_pending",
        "whatsapp_webhook_events",
        ["id"],
        postgresql_where=_PENDING,
        sqlite_where=_PENDING,
    )


def downgrade() -> None:
    """Revert."""
    op.drop_index("ix_whatsapp_webhook_events_pending", table_name="whatsapp_webhook_events")
    with op.batch_alter_table("whatsapp_webhook_events", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("attempts")
        batch_op.drop_column("signers")
