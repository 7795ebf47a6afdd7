"""Logs never carry tokens, secrets or full phone numbers."""

from __future__ import annotations

import logging

import pytest

from ordertalk.logs import RedactingFilter, redact


@pytest.mark.parametrize(
    ("raw", "leak"),
    [
        ("Authorization: Bearer EAAGm0PX4ZCpsBA", "EAAGm0PX4ZCpsBA"),
        ("calling with access_token=EAAB123secret&x=1", "EAAB123secret"),
        ('{"app_secret": "s3cr3t-value"}', "s3cr3t-value"),
        ("sending to +919876543210 now", "919876543210"),
        ("wa_id 16505551234 replied", "16505551234"),
    ],
)
def test_redaction_removes_the_sensitive_part(raw: str, leak: str) -> None:
    assert leak not in redact(raw)


def test_a_phone_number_keeps_its_last_four_digits_for_support() -> None:
    assert redact("to 919876543210").endswith("3210")


def test_the_filter_rewrites_records_with_arguments(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("ordertalk.test")
    logger.addFilter(RedactingFilter())
    try:
        with caplog.at_level(logging.INFO, logger="ordertalk.test"):
            logger.info("sent %s with token=%s", "919876543210", "abc.def")
    finally:
        logger.filters.clear()
    assert "919876543210" not in caplog.text
    assert "abc.def" not in caplog.text
    assert "3210" in caplog.text
