"""The bot's words fit WhatsApp's limits in every language it speaks, and every word they tell
a customer to write is one the bot understands."""

from __future__ import annotations

import re

import pytest

from ordertalk.conversations import texts
from ordertalk.conversations.understanding import Intent, understand


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


# A word in quotes is one the bot tells the customer to write ("agent", "admin") or a button to
# tap ("छोड़ें"); either way the customer can follow it.
_QUOTED = re.compile(r"[\"“«]([^\"”»]+)[\"”»]")


def _button_titles(language: str) -> set[str]:
    keys = [k for k in texts.REPLIES if k.endswith(("_btn", "_row")) or k.startswith("button_")]
    return {texts.REPLIES[key][language] for key in keys}


@pytest.mark.parametrize("language", ["en", "hi", "es", "pt", "id"])
def test_every_word_the_bot_tells_customers_to_write_is_understood(language: str) -> None:
    promised = {
        (key, word)
        for key, by_language in texts.REPLIES.items()
        for word in _QUOTED.findall(by_language[language])
    }
    to_write = {(key, w) for key, w in promised if w not in _button_titles(language)}
    assert to_write, "no word to write found: the pattern no longer matches the texts"
    for key, word in sorted(to_write):
        understood = understand(word, language_hint=language)
        assert understood.intent is not Intent.UNKNOWN, (key, language, word)
