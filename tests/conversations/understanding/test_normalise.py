"""One normalisation for messages and lexicons."""

from __future__ import annotations

import pytest

from ordertalk.conversations.understanding.normalise import MAX_CHARS, analyse, normalise


@pytest.mark.parametrize(
    ("raw", "same_as"),
    [
        ("¿Dónde ESTÁ mi pedido?", "donde esta mi pedido"),
        ("Helloooo!!! 👋👋", "hello"),
        ("where's my order", "wheres my order"),
        ("where’s my order", "wheres my order"),
        ("ＷＨＥＲＥ is my order", "where is my order"),  # full-width letters
        ("adress", "address"),  # doubled-letter typos vanish
        ("cadê   meu\tpedido\n", "cade meu pedido"),
        ("कहाँ", "कहां"),  # chandrabindu and anusvara
        ("ऑर्डर", "आर्डर"),
        ("ऑर्डर २०४१", "order 2041"),  # Devanagari digits; the alias makes the word Hinglish
        ("मेरा ऑर्डर कहाँ है", "mera order kahan hai"),
        ("kaha h", "kahan hai"),
    ],
)
def test_variants_normalise_alike(raw: str, same_as: str) -> None:
    assert normalise(raw) == normalise(same_as)


def test_devanagari_vowel_signs_and_viramas_are_kept() -> None:
    assert normalise("धन्यवाद") == "धन्यवाद"
    assert normalise("रद्द") != normalise("रद")


def test_digits_are_never_collapsed() -> None:
    assert normalise("order 1001") == "order 1001"


def test_clauses_split_on_sentence_punctuation() -> None:
    analysed = analyse("No, I want to cancel. Thanks!")

    assert analysed.tokens == ("no", "i", "want", "to", "cancel", "thanks")
    assert analysed.clauses == (0, 1, 1, 1, 1, 2)


def test_work_is_capped() -> None:
    assert len(analyse("word " * 10_000).tokens) <= MAX_CHARS // 2
