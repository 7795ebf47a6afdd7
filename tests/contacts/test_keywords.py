"""STOP and START: whole-message keywords in the stores' languages, and only whole messages."""

from __future__ import annotations

import pytest

from ordertalk.contacts.keywords import (
    Keyword,
    confirmation_text,
    match_button_payload,
    match_keyword,
)

STOP_MESSAGES = [
    # English
    "STOP",
    "stop",
    "Stop.",
    "  stop!!  ",
    "STOP 🛑",
    "Stop please",
    "please STOP",
    "Unsubscribe",
    "opt-out",
    "Cancel messages",
    "stop messaging me",
    "STOPALL",
    # Hindi (Devanagari)
    "बंद करो",
    "बंद करो।",
    "बन्द करो",
    "कृपया बंद करें",
    "रोकें",
    "मैसेज बंद करो",
    # Hindi (romanised)
    "band karo",
    "Band Karo!",
    "bandh karo",
    "ruko",
    "msg band karo",
    # Spanish
    "BAJA",
    "¡Baja!",
    "darme de baja",
    "Parar",
    "no más mensajes",
    "Baja por favor",
    # Portuguese
    "parar",
    "Sair",
    "pare",
    "Não quero mais",
    "descadastrar",
    # Indonesian
    "berhenti",
    "BERHENTI",
    "tolong berhenti",
    "berhenti berlangganan",
    "hentikan",
]

START_MESSAGES = [
    # English
    "START",
    "start",
    "Start!",
    "subscribe",
    "Resume",
    "opt in",
    "unstop",
    # Hindi (Devanagari)
    "शुरू करो",
    "शुरू करें",
    "फिर से शुरू करो",
    "चालू करो",
    # Hindi (romanised)
    "shuru karo",
    "Shuru Karo",
    "chalu karo",
    "phir se shuru karo",
    # Spanish
    "ALTA",
    "Alta",
    "dar de alta",
    "suscribirme",
    # Portuguese
    "voltar",
    "Começar",
    "comecar",
    "quero receber",
    # Indonesian
    "mulai",
    "Mulai lagi",
    "berlangganan",
]

NOT_KEYWORDS = [
    "stop sending me the wrong size",
    "don't stop my order",
    "Please don't cancel, I still want it",
    "cancel",  # on an order thread this is about the order, not the messages
    "cancelar",
    "where is my order?",
    "Bus stop ke paas chhod dena",
    "मेरा ऑर्डर कब आएगा",
    "no quiero parar de recibir mis pedidos",
    "Quero saber quando vai chegar",
    "kapan paket saya sampai?",
    "startup weekend",
    "stopwatch",
    "",
    "   ",
    "🛑",
    "ok",
    "stop " * 30,  # a long message is a conversation, whatever it repeats
]


@pytest.mark.parametrize("text", STOP_MESSAGES)
def test_stop_messages_in_every_language(text: str) -> None:
    assert match_keyword(text) is Keyword.STOP


@pytest.mark.parametrize("text", START_MESSAGES)
def test_start_messages_in_every_language(text: str) -> None:
    assert match_keyword(text) is Keyword.START


@pytest.mark.parametrize("text", NOT_KEYWORDS)
def test_sentences_that_contain_a_keyword_are_not_keywords(text: str) -> None:
    assert match_keyword(text) is None


@pytest.mark.parametrize(
    ("payload", "keyword"),
    [
        ("ot:stop", Keyword.STOP),
        ("OT:STOP", Keyword.STOP),
        ("ot:start", Keyword.START),
        ("STOP", Keyword.STOP),
        ("start", Keyword.START),
        ("ot:track", None),
        ("stop promotions please", None),
        ("", None),
        (None, None),
    ],
)
def test_template_button_payloads(payload: str | None, keyword: Keyword | None) -> None:
    assert match_button_payload(payload) is keyword


# The word each confirmation tells the customer to reply to undo it, in their language.
UNDO_WORDS = [
    ("en", Keyword.STOP, "START"),
    ("en", Keyword.START, "STOP"),
    ("hi", Keyword.STOP, "शुरू करो"),
    ("hi", Keyword.START, "बंद करो"),
    ("es", Keyword.STOP, "ALTA"),
    ("es", Keyword.START, "BAJA"),
    ("pt", Keyword.STOP, "VOLTAR"),
    ("pt", Keyword.START, "PARAR"),
    ("id", Keyword.STOP, "MULAI"),
    ("id", Keyword.START, "BERHENTI"),
]


@pytest.mark.parametrize(("language", "keyword", "undo"), UNDO_WORDS)
def test_confirmations_say_how_to_undo_with_a_word_that_really_undoes(
    language: str, keyword: Keyword, undo: str
) -> None:
    text = confirmation_text(keyword, language)
    assert undo in text
    opposite = Keyword.START if keyword is Keyword.STOP else Keyword.STOP
    assert match_keyword(undo) is opposite


@pytest.mark.parametrize("language", ["en", "hi", "es", "pt", "id"])
def test_stop_and_start_confirmations_differ(language: str) -> None:
    assert confirmation_text(Keyword.STOP, language) != confirmation_text(Keyword.START, language)


def test_regional_languages_use_their_base_language_and_unknown_ones_english() -> None:
    assert confirmation_text(Keyword.STOP, "pt_BR") == confirmation_text(Keyword.STOP, "pt")
    assert confirmation_text(Keyword.STOP, "es-MX") == confirmation_text(Keyword.STOP, "es")
    assert confirmation_text(Keyword.STOP, "fr") == confirmation_text(Keyword.STOP, "en")


def test_confirmations_are_short_enough_to_read_at_a_glance() -> None:
    for language, keyword, _ in UNDO_WORDS:
        assert len(confirmation_text(keyword, language)) <= 200
