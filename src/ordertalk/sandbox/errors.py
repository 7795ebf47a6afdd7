"""Graph API errors exactly as the Cloud API renders them.

Every rejection the sandbox makes goes through :class:`GraphError`, so the envelope is the real
one everywhere: ``{"error": {"message": "(#code) title", "type", "code", "error_data":
{"messaging_product", "details"}, "fbtrace_id"}}``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

# code -> (title, HTTP status). Titles and statuses follow Meta's error table (reference §3.2).
CATALOGUE: dict[int, tuple[str, int]] = {
    0: ("AuthException", 401),
    1: ("API Unknown", 400),
    2: ("API Service", 503),
    4: ("API Too Many Calls", 400),
    33: ("Parameter value is not valid", 400),
    100: ("Invalid parameter", 400),
    190: ("Access token has expired or is invalid", 401),
    130429: ("Rate limit hit", 400),
    130472: ("User's number is part of an experiment", 400),
    131000: ("Something went wrong", 500),
    131005: ("Access denied", 403),
    131008: ("Required parameter is missing", 400),
    131009: ("Parameter value is not valid", 400),
    131016: ("Service unavailable", 503),
    131021: ("Recipient cannot be sender", 400),
    131026: ("Message undeliverable", 400),
    131047: ("Re-engagement message", 400),
    131049: (
        "This message was not delivered to maintain healthy ecosystem engagement.",
        400,
    ),
    131050: (
        "Unable to deliver the message. This recipient has chosen to stop receiving "
        "marketing messages on WhatsApp from your business.",
        400,
    ),
    131051: ("Unsupported message type", 400),
    131052: ("Media download error", 400),
    131053: ("Media upload error", 400),
    131056: ("(Business Account, Consumer Account) pair rate limit hit", 400),
    131057: ("Account in maintenance mode", 500),
    131062: ("Business-scoped user ID recipient not supported", 400),
    131064: ("Messaging limit reached", 400),
    132000: ("Number of parameters does not match the expected number of params", 400),
    132001: ("Template name does not exist in the translation", 404),
    132005: ("Translated text too long", 400),
    132007: ("Template Format Character Policy Violated", 400),
    132012: ("Parameter format does not match format in the created template", 400),
    132015: ("Template is Paused", 400),
    132016: ("Template is Disabled", 400),
    132018: ("There was an issue with the parameters in your template.", 400),
    133010: ("Phone number Not Registered", 400),
    2388019: ("Message template count limit reached", 400),
    2388040: ("Field exceeds the character limit", 400),
    2388047: ("Invalid header or body format", 400),
    2388073: ("Invalid footer format", 400),
    2388293: ("Too many variables for the text length", 400),
    2388299: ("Variables can't be at the start or end of the template", 400),
}


def fbtrace_id() -> str:
    """A random trace id shaped like Meta's (for support tickets; meaningless here)."""
    return "A" + secrets.token_urlsafe(16)[:22]


@dataclass(slots=True)
class GraphError(Exception):
    """A Graph API error: raise it anywhere in the sandbox and the app renders the envelope."""

    code: int
    details: str
    title: str | None = None
    http_status: int | None = None
    error_type: str = "OAuthException"

    def __post_init__(self) -> None:
        known_title, known_status = CATALOGUE.get(self.code, ("Unknown error", 400))
        if self.title is None:
            self.title = known_title
        if self.http_status is None:
            self.http_status = known_status

    @property
    def status(self) -> int:
        """The HTTP status to answer with."""
        assert self.http_status is not None
        return self.http_status

    def envelope(self) -> dict[str, Any]:
        """The JSON body Meta sends for this error."""
        return {
            "error": {
                "message": f"(#{self.code}) {self.title}",
                "type": self.error_type,
                "code": self.code,
                "error_data": {"messaging_product": "whatsapp", "details": self.details},
                "fbtrace_id": fbtrace_id(),
            }
        }

    def webhook_error(self) -> dict[str, Any]:
        """The same error as it appears in a status webhook's ``errors[]``."""
        return {
            "code": self.code,
            "title": self.title,
            "message": self.title,
            "error_data": {"details": self.details},
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
        }


def invalid_parameter(details: str) -> GraphError:
    """131009: a value broke a documented limit."""
    return GraphError(131009, details)


def missing_parameter(details: str) -> GraphError:
    """131008: a required field is absent."""
    return GraphError(131008, details)


def unknown_field(details: str) -> GraphError:
    """100: an unknown or malformed field."""
    return GraphError(100, details)
