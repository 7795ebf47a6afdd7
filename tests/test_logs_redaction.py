"""Tracebacks are logs too: what an exception carries (phone numbers, tokens, SQL parameters)
is redacted in the formatted output, and database errors never spell out their parameters."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from ordertalk.logs import RedactingFilter
from ordertalk.stores.models import Store
from tests.api_support import database_session, new_store
from tests.database import fresh_database

PHONE = "+919876543210"
TOKEN = "EAAGm0PX4ZCpsBAsecretT0ken"
QUERY_TOKEN = "EAAB123querysecret"
URL = f"https://graph.facebook.com/v25.0/106540352242922/messages?access_token={QUERY_TOKEN}&x=1"


class Captured:
    """A logger whose one handler is built like `configure_logging`'s: a formatter and the
    redacting filter on the handler, the output kept in memory."""

    def __init__(self, name: str) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.handler.addFilter(RedactingFilter())
        self.logger = logging.getLogger(name)
        self.logger.addHandler(self.handler)
        self.logger.setLevel(logging.INFO)
        self.logger.propagate = False

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def close(self) -> None:
        self.logger.removeHandler(self.handler)
        self.logger.propagate = True


@pytest.fixture
def captured(request: pytest.FixtureRequest) -> Iterator[Captured]:
    log = Captured(f"ordertalk.test.{request.node.name}")
    yield log
    log.close()


def _send_to_the_customer() -> None:
    try:
        raise ConnectionError(f"POST {URL} failed")
    except ConnectionError as exc:
        raise RuntimeError(
            f"could not message {PHONE} with header Authorization: Bearer {TOKEN}"
        ) from exc


def assert_redacted(text: str) -> None:
    for leak in (PHONE, PHONE.lstrip("+"), TOKEN, QUERY_TOKEN):
        assert leak not in text, f"{leak!r} leaked into the log:\n{text}"


def test_a_logged_exception_is_redacted_in_the_traceback(captured: Captured) -> None:
    try:
        _send_to_the_customer()
    except RuntimeError:
        captured.logger.exception("dispatch pass failed; retrying")

    text = captured.text
    assert_redacted(text)
    # Still a useful traceback: both exceptions, where they came from, what was masked.
    assert "Traceback (most recent call last)" in text
    assert "ConnectionError: POST https://graph.facebook.com" in text
    assert "RuntimeError: could not message" in text
    assert "_send_to_the_customer" in text
    assert "Bearer [redacted]" in text
    assert "access_token=[redacted]" in text
    assert "3210" in text  # the last four digits stay, for support


def test_a_traceback_already_formatted_by_another_handler_is_redacted_too(
    captured: Captured,
) -> None:
    # A handler earlier in line (no filter) formats the record first, which caches the
    # traceback text on the record; the redacting handler must not print that cache as it is.
    plain = logging.StreamHandler(io.StringIO())
    captured.logger.handlers.insert(0, plain)
    try:
        try:
            _send_to_the_customer()
        except RuntimeError:
            captured.logger.error("dispatch pass failed", exc_info=True)
    finally:
        captured.logger.removeHandler(plain)

    assert_redacted(captured.text)
    assert "RuntimeError: could not message" in captured.text


def test_the_message_and_the_traceback_are_both_redacted(captured: Captured) -> None:
    try:
        _send_to_the_customer()
    except RuntimeError as exc:
        captured.logger.warning("send to %s failed: %s", PHONE, exc, exc_info=True)

    assert_redacted(captured.text)
    assert captured.text.count("RuntimeError") >= 1


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.mark.database
async def test_a_database_error_shows_no_parameters(database_url: str, captured: Captured) -> None:
    async with database_session(database_url) as session:
        store_id, _ = await new_store(session, access_token=TOKEN)
        await session.commit()
    async with database_session(database_url) as session:
        # The same id again: a unique violation whose INSERT carries the token and a phone.
        session.add(
            Store(
                id=store_id,
                name=f"Shop of {PHONE}",
                country="IN",
                language="en",
                timezone="Asia/Kolkata",
                access_token=TOKEN,
            )
        )
        with pytest.raises(IntegrityError) as info:
            await session.flush()
        await session.rollback()

    text = str(info.value)
    assert "INSERT INTO stores" in text  # the statement is still there to debug with
    assert "SQL parameters hidden" in text
    assert TOKEN not in text
    assert PHONE not in text

    captured.logger.error("creating the store failed", exc_info=info.value)
    assert_redacted(captured.text)
    assert "IntegrityError" in captured.text
