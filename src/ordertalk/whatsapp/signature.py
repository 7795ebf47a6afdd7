"""Webhook authenticity: the X-Hub-Signature-256 HMAC and the GET verification handshake."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")


def sign(app_secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 value for a raw body: ``sha256=<lowercase hex HMAC>``."""
    if not app_secret:
        raise ValueError("app_secret must not be empty")
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def verify_signature(app_secret: str, body: bytes, header: str | None) -> bool:
    """Check a signature header against the raw body bytes, in constant time."""
    if header is None or not header.startswith(_PREFIX):
        return False
    given = header[len(_PREFIX) :].strip()
    if not _HEX_DIGEST.fullmatch(given):
        return False
    expected = sign(app_secret, body)[len(_PREFIX) :]
    return hmac.compare_digest(expected.encode(), given.lower().encode())


def verify_challenge(params: Mapping[str, str], verify_token: str) -> str | None:
    """The hub.challenge to echo for a valid subscribe handshake, else None (answer 403)."""
    if not verify_token or params.get("hub.mode") != "subscribe":
        return None
    token = params.get("hub.verify_token")
    challenge = params.get("hub.challenge")
    if token is None or challenge is None:
        return None
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        return None
    return challenge
