"""One base for business errors: each carries its HTTP status and a machine-readable code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict


class OrdertalkError(Exception):
    """A failure the caller can understand and act on; rendered as `{"error": {code, message}}`
    plus any `details` (JSON-ready fields that help the caller act, e.g. what it can do instead)."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})
        self.headers: dict[str, str] = {}  # sent with the error (e.g. Retry-After)


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


class TooManyRequests(OrdertalkError):
    """This client sent too much too fast: it may try again after `retry_after` seconds."""

    status_code = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.headers["Retry-After"] = str(retry_after)


class Unavailable(OrdertalkError):
    """Accepted and kept, but not processed now: the sender should try again later."""

    status_code = 503
    code = "unavailable"


class ErrorBody(BaseModel):
    """What went wrong: a machine-readable `code` and a `message` for people; some errors add
    fields that help the caller act (a 422's `problems`, a 409's alternatives)."""

    model_config = ConfigDict(extra="allow")

    code: str
    message: str


class ErrorResponse(BaseModel):
    """Every error the API answers with: `{"error": {"code", "message", ...}}`."""

    error: ErrorBody


# Documented on every operation, so /openapi.json describes the errors the app really sends
# (FastAPI's own 422 schema, `{"detail": [...]}`, is not what Ordertalk answers).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorResponse, "description": "Refused: `error.code` and `message` say why"},
    503: {"model": ErrorResponse, "description": "Busy or unavailable: try again (Retry-After)"},
}
