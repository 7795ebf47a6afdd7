"""The per-language lexicons: complete, well-formed, and agreeing with the STOP/START keywords."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from rapidfuzz import fuzz

import ordertalk.conversations.understanding as understanding
from ordertalk.contacts.keywords import Keyword, match_keyword
from ordertalk.conversations.understanding import Intent, understand
from ordertalk.conversations.understanding.languages import PHRASES
from ordertalk.conversations.understanding.matching import FUZZY_WORD
from ordertalk.conversations.understanding.normalise import tokens_of
from ordertalk.conversations.understanding.registry import LEXICONS
from ordertalk.conversations.understanding.vocabulary import Lexicon

# STOP/START come from the contacts module's whole-message keywords; FAQ from the store.
LEXICON_INTENTS = set(Intent) - {Intent.STOP, Intent.START, Intent.FAQ, Intent.UNKNOWN}


def test_every_lexicon_module_is_registered() -> None:
    modules = {
        name
        for _, name, _ in pkgutil.iter_modules(understanding.__path__)
        if name.startswith("lexicon_")
    }
    registered = {f"lexicon_{lexicon.language}" for lexicon in LEXICONS}

    assert modules == registered
    for name in modules:
        module = importlib.import_module(f"{understanding.__name__}.{name}")
        assert isinstance(module.LEXICON, Lexicon)


@pytest.mark.parametrize("lexicon", LEXICONS, ids=[lexicon.language for lexicon in LEXICONS])
def test_lexicon_covers_every_intent(lexicon: Lexicon) -> None:
    assert set(lexicon.phrases) == LEXICON_INTENTS
    for intent, phrases in lexicon.phrases.items():
        assert len(phrases) >= 3, intent
        assert all(tokens_of(phrase) for phrase in phrases), intent
    assert lexicon.negators
    assert lexicon.order_words
    assert lexicon.phone_words
    assert lexicon.stopwords


def test_single_words_of_different_intents_are_not_typos_of_each_other() -> None:
    words = [phrase for phrase in PHRASES if len(phrase.tokens) == 1 and len(phrase.key) >= 5]
    clashes = [
        (a.key, b.key)
        for index, a in enumerate(words)
        for b in words[index + 1 :]
        if a.intent is not b.intent and fuzz.ratio(a.key, b.key) >= FUZZY_WORD
    ]

    assert clashes == []


@pytest.mark.parametrize(
    ("message", "keyword"),
    [
        ("STOP", Keyword.STOP),
        ("stop please", Keyword.STOP),
        ("बंद करो", Keyword.STOP),
        ("darme de baja", Keyword.STOP),
        ("berhenti", Keyword.STOP),
        ("START", Keyword.START),
        ("shuru karo", Keyword.START),
        ("mulai", Keyword.START),
    ],
)
def test_stop_and_start_agree_with_the_consent_keywords(message: str, keyword: Keyword) -> None:
    assert match_keyword(message) is keyword
    assert understand(message).intent.value == keyword.value.casefold()


@pytest.mark.parametrize(
    "message",
    [
        "please stop sending me these messages",
        "how do I stop my subscription from renewing",
        "can you start the delivery earlier",
        "Cancel",  # a bare cancel is about the order, not the messages
    ],
)
def test_stop_and_start_only_as_whole_messages(message: str) -> None:
    assert understand(message).intent not in {Intent.STOP, Intent.START}
