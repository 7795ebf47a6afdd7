"""read receipts: when the next attempt is due

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 18:00:00.000000

`conversation_messages.read_next_at` is both the lease and the back-off of a pending read
receipt (so two workers never mark one message at once, and a failure waits before the next
try); the index lets the worker find the few pending receipts without scanning every message.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    with op.batch_alter_table("conversation_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("read_next_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_conversation_messages_read_due", ["read_receipt", "read_next_at"], unique=False
        )


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("conversation_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_messages_read_due")
        batch_op.drop_column("read_next_at")
