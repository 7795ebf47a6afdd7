"""The flows' words exist in every language, keep their placeholders and fit WhatsApp's limits."""

from __future__ import annotations

import string

import pytest

from ordertalk.conversations import texts
from ordertalk.conversations.texts_flows import FLOW_REPLIES

LANGUAGES = ("en", "hi", "es", "pt", "id")
# The word a customer writes to reach a person, as the older replies in texts.py teach it.
AGENT_WORD = {"en": "agent", "hi": "agent", "es": "agente", "pt": "atendente", "id": "admin"}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_flow_reply_exists_in_exactly_the_five_languages_in_order() -> None:
    for key, by_language in FLOW_REPLIES.items():
        assert tuple(by_language) == LANGUAGES, key


def test_no_flow_reply_is_empty() -> None:
    for key, by_language in FLOW_REPLIES.items():
        for language, text in by_language.items():
            assert text.strip(), (key, language)


def test_every_language_keeps_the_english_placeholders_and_line_breaks() -> None:
    for key, by_language in FLOW_REPLIES.items():
        english = by_language["en"]
        for language, text in by_language.items():
            assert placeholders(text) == placeholders(english), (key, language)
            assert text.count("\n") == english.count("\n"), (key, language)


@pytest.mark.parametrize(("suffix", "limit"), [("_btn", 20), ("_row", 24)])
def test_button_and_row_titles_fit_whatsapps_limits(suffix: str, limit: int) -> None:
    keys = [key for key in FLOW_REPLIES if key.endswith(suffix)]
    assert keys
    for key in keys:
        for language, title in FLOW_REPLIES[key].items():
            assert len(title) <= limit, (key, language, title)


def test_the_word_for_a_person_is_the_one_texts_py_teaches() -> None:
    for language, word in AGENT_WORD.items():
        assert f'"{word}"' in texts.REPLIES["no_orders"][language]
    for key, by_language in FLOW_REPLIES.items():
        if '"agent"' in by_language["en"]:
            for language, text in by_language.items():
                assert f'"{AGENT_WORD[language]}"' in text, (key, language)


def test_replies_that_mention_skip_name_the_skip_button_as_it_reads() -> None:
    for key, by_language in FLOW_REPLIES.items():
        if "Skip" in by_language["en"]:
            for language, text in by_language.items():
                assert FLOW_REPLIES["skip_btn"][language] in text, (key, language)


def test_every_flow_reply_formats_in_every_language() -> None:
    for key, by_language in FLOW_REPLIES.items():
        values = dict.fromkeys(placeholders(by_language["en"]), "x")
        for language in by_language:
            assert texts.say(key, language, **values), (key, language)
