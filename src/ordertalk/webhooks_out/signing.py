"""Standard Webhooks signatures: `whsec_` secrets and the `webhook-*` headers of one attempt."""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
SECRET_BYTES = 32  # the spec asks for 24 to 64 random bytes


def new_secret() -> str:
    """A fresh signing secret, serialised as the spec says: "whsec_" + base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def new_event_id() -> str:
    """A `webhook-id`: random, and without the "." that would make the signed content ambiguous."""
    return f"msg_{uuid.uuid4().hex}"


def sign(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256>` of "{id}.{timestamp}.{body}" under one `whsec_` secret."""
    return Webhook(secret).sign(
        msg_id=event_id, timestamp=datetime.fromtimestamp(timestamp, UTC), data=body.decode()
    )


def signed_headers(keys: Iterable[str], event_id: str, at: datetime, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers; one signature per key (space-separated), so a
    receiver still holding the previous key keeps verifying during a rotation."""
    timestamp = int(at.timestamp())
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(key, event_id, timestamp, body) for key in keys),
    }
