"""Logging set-up with a redaction filter: tokens, secrets and phone numbers never reach a log."""

from __future__ import annotations

import logging
import re

_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-]+")
_SECRETISH = re.compile(
    r"(?i)((?:access_token|token|secret|app_secret|password|signature)[\"']?\s*[:=]\s*[\"']?)"
    r"[^\s\"'&,]+"
)
# Long digit runs are phone numbers (E.164 has at most 15 digits); keep the last 4 for support.
_PHONE = re.compile(r"\+?\b(\d{4,11})(\d{4})\b")


def redact(text: str) -> str:
    """The text with bearer tokens, secret values and phone numbers masked."""
    text = _BEARER.sub(r"\1[redacted]", text)
    text = _SECRETISH.sub(r"\1[redacted]", text)
    return _PHONE.sub(lambda m: "*" * len(m.group(1)) + m.group(2), text)


class RedactingFilter(logging.Filter):
    """Rewrites every record's final message through :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place, the traceback too; never drops a record."""
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        if record.exc_info and not record.exc_text:
            # Exceptions carry values (SQL parameters, payloads): format once, redacted.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def configure_logging(level: str = "INFO") -> None:
    """One handler on the root logger, redacting everything that passes."""
    root = logging.getLogger()
    if any(isinstance(f, RedactingFilter) for h in root.handlers for f in h.filters):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    # httpx logs every request at INFO; that is noise next to Ordertalk's own lines.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # At DEBUG the database drivers log SQL parameters, which include tokens and secrets.
    for driver in ("aiosqlite", "asyncpg", "sqlalchemy.engine"):
        logging.getLogger(driver).setLevel(logging.WARNING)
