"""detect_language: a best guess among en/hi/es/pt/id, None without evidence."""

from __future__ import annotations

import pytest

from ordertalk.conversations.understanding import detect_language, understand


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Where is my order?", "en"),
        ("I want to talk to someone about my refund", "en"),
        ("mera order kahan hai", "hi"),
        ("bhai refund kab milega", "hi"),
        ("मेरा ऑर्डर कहाँ है", "hi"),
        ("धन्यवाद", "hi"),
        ("रिटर्न", "hi"),  # aliased to "return" for matching, still Devanagari
        ("mera ऑर्डर kahan है", "hi"),
        ("¿Dónde está mi pedido?", "es"),
        ("quiero hablar con una persona", "es"),
        ("cadê meu pedido?", "pt"),
        ("quero falar com atendente", "pt"),
        ("pesanan saya di mana?", "id"),
        ("kapan paket sampai kak", "id"),
    ],
)
def test_languages_are_told_apart(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", "😀", "1001", "#1001", "asdfgh qwerty", "ok", "no"])
def test_no_evidence_no_language(text: str) -> None:
    assert detect_language(text) is None


def test_the_hint_settles_ties_and_fills_gaps() -> None:
    assert understand("ok", language_hint="pt_BR").language == "pt"
    assert understand("no", language_hint="es").language == "es"
    assert understand("1001", language_hint="id-ID").language == "id"
    # A clear message is not overruled by a hint.
    assert understand("¿Dónde está mi pedido?", language_hint="en").language == "es"
    # Hints outside the five languages are ignored.
    assert understand("ok", language_hint="fr").language is None
