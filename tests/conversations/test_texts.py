"""The bot's words fit WhatsApp's limits in every language it speaks."""

from __future__ import annotations

import pytest

from ordertalk.conversations import texts


@pytest.mark.parametrize(
    "key", ["button_wismo", "button_human", *(k for k in texts.REPLIES if k.endswith("_btn"))]
)
def test_every_button_title_fits_the_20_character_limit(key: str) -> None:
    for language, title in texts.REPLIES[key].items():
        assert 0 < len(title) <= 20, (language, title)


def test_every_reply_and_status_exists_in_all_five_languages() -> None:
    for table in (texts.REPLIES, texts.STATUS):
        for key, by_language in table.items():
            assert set(by_language) == {"en", "hi", "es", "pt", "id"}, key


@pytest.mark.parametrize(
    ("given", "expected"), [("pt_BR", "pt"), ("hi-IN", "hi"), ("fr", "en"), (None, "en")]
)
def test_the_bot_answers_in_the_base_language_or_english(given: str | None, expected: str) -> None:
    assert texts.base_language(given) == expected
