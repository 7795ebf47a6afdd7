"""One base for business errors: each carries its HTTP status and a machine-readable code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class OrdertalkError(Exception):
    """A failure the caller can understand and act on; rendered as `{"error": {code, message}}`
    plus any `details` (JSON-ready fields that help the caller act, e.g. what it can do instead)."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})


class NotFound(OrdertalkError):
    """The thing does not exist (or belongs to someone else)."""

    status_code = 404
    code = "not_found"


class Unauthorized(OrdertalkError):
    """Missing or wrong credentials or signature."""

    status_code = 401
    code = "unauthorized"


class Forbidden(OrdertalkError):
    """Authenticated, but not allowed."""

    status_code = 403
    code = "forbidden"


class Conflict(OrdertalkError):
    """The request is valid, but the thing's current state does not allow it."""

    status_code = 409
    code = "conflict"


class InvalidInput(OrdertalkError):
    """The request is well-formed HTTP but its content is wrong."""

    status_code = 422
    code = "invalid_input"


class PayloadTooLarge(OrdertalkError):
    """The body is larger than any real delivery."""

    status_code = 413
    code = "payload_too_large"


class Unavailable(OrdertalkError):
    """Accepted and kept, but not processed now: the sender should try again later."""

    status_code = 503
    code = "unavailable"
