"""Cloud API errors: one exception type, classified by what the outbox should do next."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any


class RetryClass(StrEnum):
    """What a sender should do after an error (reference §3.2 and its retry consensus)."""

    RETRY_SOON = "retry_soon"
    """Transient or throughput: retry the same request with short exponential back-off."""
    RETRY_LATER = "retry_later"
    """Recipient- or quota-scoped: retry this recipient much later; others are unaffected."""
    FIX_REQUEST = "fix_request"
    """Our request, template, token or account set-up is wrong: unchanged, it fails again."""
    NEVER_RETRY = "never_retry"
    """Refused for policy or user reasons: this message to this recipient will not go out."""


# Throughput limits and platform hiccups: the same request later succeeds.
_RETRY_SOON = frozenset({2, 4, 80007, 130429, 131000, 131016, 131057, 133004})
# 131056 pair limit (4^n s for that recipient), 131049 per-user marketing cap (>= 24 h),
# 131048 spam rate limit and 1330xx registration throttles (minutes).
_RETRY_LATER = frozenset({131048, 131049, 131056, 133008, 133009, 133015, 133016})
# Policy, consent and reachability refusals. 131062 (BSUID recipient not supported) is here
# because we only address by BSUID when no phone number is known, so there is nothing to fix.
_NEVER_RETRY = frozenset(
    {368, 130472, 130497, 131021, 131026, 131031, 131047, 131050, 131062, 131064, 137000}
)
# Statuses a proxy or the platform uses for "try again".
_TRANSIENT_HTTP = frozenset({408, 425, 429})

TOKEN_ERROR_CODES = frozenset({0, 190})
"""Codes meaning the access token is expired or invalid: refresh it, don't retry blindly."""


def classify(code: int | None, http_status: int | None) -> RetryClass:
    """Classify an error by its Graph code first and its HTTP status only as a fallback."""
    if code is not None:
        if code in _RETRY_SOON:
            return RetryClass.RETRY_SOON
        if code in _RETRY_LATER:
            return RetryClass.RETRY_LATER
        if code in _NEVER_RETRY:
            return RetryClass.NEVER_RETRY
        if code in TOKEN_ERROR_CODES or code in (1, 3, 10, 33, 100) or 200 <= code <= 299:
            return RetryClass.FIX_REQUEST
        if 131000 <= code <= 137999:
            # The rest of the WhatsApp range (131008, 131009, 132xxx, 133010, ...) is ours to fix.
            return RetryClass.FIX_REQUEST
    if http_status is None:
        # No response at all: connection failure or timeout.
        return RetryClass.RETRY_SOON if code is None else RetryClass.FIX_REQUEST
    if http_status >= 500 or http_status in _TRANSIENT_HTTP:
        return RetryClass.RETRY_SOON
    return RetryClass.FIX_REQUEST


_BEARER = re.compile(r"(?i)\bbearer\s+[^\s\"',;]+")
_META_TOKEN = re.compile(r"\bEAA[A-Za-z0-9]{16,}")
_TOKEN_PARAM = re.compile(r"(?i)(access_token=)[^&\s\"']+")
# A run of digits, optionally with '+', spaces, dots, dashes or parentheses between them,
# not glued to letters (so base64 ids like wamids are left alone).
_NUMBER_RUN = re.compile(r"(?<![\w+])\+?\d[\d\s().-]*\d(?!\w)")
_MIN_PHONE_DIGITS = 8
_MAX_TEXT = 300


def _mask_number(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    if len(digits) < _MIN_PHONE_DIGITS:
        return match.group()
    return "…" + digits[-4:]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove tokens and mask phone-number-like digit runs (keeping the last four digits)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    text = _BEARER.sub("Bearer [redacted]", text)
    text = _TOKEN_PARAM.sub(r"\1[redacted]", text)
    text = _META_TOKEN.sub("[redacted]", text)
    return _NUMBER_RUN.sub(_mask_number, text)


def _clean(value: object, secrets: Iterable[str]) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    if len(text) > _MAX_TEXT:
        text = text[:_MAX_TEXT] + "…"
    return redact(text, secrets) or None


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


class CloudApiError(Exception):
    """An error answer from the Cloud API (or whatever stood between us and it)."""

    def __init__(
        self,
        *,
        code: int | None = None,
        title: str | None = None,
        details: str | None = None,
        http_status: int | None = None,
        fbtrace_id: str | None = None,
        error_subcode: int | None = None,
        error_type: str | None = None,
        retry_class: RetryClass | None = None,
        ambiguous: bool | None = None,
    ) -> None:
        self.code = code
        self.title = title
        self.details = details
        self.http_status = http_status
        self.fbtrace_id = fbtrace_id
        self.error_subcode = error_subcode
        self.error_type = error_type
        self.retry_class = retry_class if retry_class is not None else classify(code, http_status)
        # A 5xx or a lost response leaves open whether a send went out.
        self.ambiguous = (
            ambiguous if ambiguous is not None else http_status is None or http_status >= 500
        )
        super().__init__(self._summary())

    @property
    def token_invalid(self) -> bool:
        """True when the access token was rejected (codes 0 and 190)."""
        return self.code in TOKEN_ERROR_CODES

    def _summary(self) -> str:
        head = "Cloud API error" if self.code is None else f"Cloud API error {self.code}"
        if self.http_status is not None:
            head += f" (HTTP {self.http_status})"
        text = " — ".join(part for part in (self.title, self.details) if part)
        return f"{head}: {text} [{self.retry_class}]" if text else f"{head} [{self.retry_class}]"

    @classmethod
    def from_response(
        cls, status: int, body: bytes | str | None, *, secrets: Iterable[str] = ()
    ) -> CloudApiError:
        """Build from an HTTP status and raw body; copes with non-JSON and unexpected shapes."""
        secrets = tuple(secrets)
        raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
        error = _graph_error(raw)
        if error is None:
            # Not a Graph envelope: a proxy page, an empty body, or something else entirely.
            snippet = re.sub(r"<[^>]*>", " ", raw)
            return cls(
                http_status=status,
                title=f"HTTP {status} without a Graph error body",
                details=_clean(snippet, secrets),
            )
        code = _as_int(error.get("code"))
        message = error.get("error_user_title") or error.get("message")
        title = re.sub(r"^\(#\d+\)\s*", "", str(message)) if message is not None else None
        details = _details(error)
        retry_class = classify(code, status)
        if error.get("is_transient") is True and retry_class is RetryClass.FIX_REQUEST:
            retry_class = RetryClass.RETRY_SOON
        trace = error.get("fbtrace_id")
        return cls(
            code=code,
            title=_clean(title, secrets),
            details=_clean(details, secrets),
            http_status=status,
            fbtrace_id=str(trace) if trace is not None else None,
            error_subcode=_as_int(error.get("error_subcode")),
            error_type=_clean(error.get("type"), secrets),
            retry_class=retry_class,
        )


def _graph_error(raw: str) -> Mapping[str, Any] | None:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    error = data.get("error")
    if isinstance(error, dict):
        return error
    if isinstance(error, str):
        return {"message": error}
    return None


def _details(error: Mapping[str, Any]) -> str | None:
    data = error.get("error_data")
    if isinstance(data, str):
        # Graph sometimes sends error_data as a JSON string.
        try:
            data = json.loads(data)
        except ValueError:
            return data
    if isinstance(data, dict) and data.get("details") is not None:
        return str(data["details"])
    user_msg = error.get("error_user_msg")
    return str(user_msg) if user_msg is not None else None


class CloudApiTransportError(CloudApiError):
    """No usable HTTP answer: connection failure or timeout; a send may still have gone out."""

    def __init__(self, reason: str, *, ambiguous: bool = True, secrets: Iterable[str] = ()) -> None:
        super().__init__(
            title="transport error",
            details=_clean(reason, secrets),
            retry_class=RetryClass.RETRY_SOON,
            ambiguous=ambiguous,
        )
