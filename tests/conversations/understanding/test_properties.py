"""Any text at all: no exception, a valid result, bounded work."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordertalk.conversations.understanding import (
    LANGUAGES,
    FaqEntry,
    Intent,
    Understanding,
    detect_language,
    understand,
)
from ordertalk.conversations.understanding.normalise import MAX_CHARS

FAQ = (
    FaqEntry("ship", "Do you deliver to Pune?", "Yes."),
    FaqEntry("returns", "How do returns work?", "30 days.", "en", ("return policy",)),
    FaqEntry("empty", "", ""),
)

# Words the lexicons care about, so generated text often gets past the first checks.
_WORDS = st.sampled_from(
    [
        "where", "is", "my", "order", "cancel", "don't", "no", "nahi", "mat", "karo", "#1001",
        "9876543210", "+91", "pedido", "não", "quero", "trocar", "pesanan", "di", "mana", "ऑर्डर",
        "कहाँ", "है", "stop", "STOP", "ok", "thanks", "😀", ",", ".", "return", "exchange",
        "address", "badalna", "hai", "₹", "1500", "ORD-2041", "   ", "\n", "\u200d", "\u0301",
    ]
)  # fmt: skip
_TEXT = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.lists(_WORDS, max_size=40).map(" ".join),
    st.lists(_WORDS, max_size=40).map("".join),
)
_VALID_ORDER_NUMBER = re.compile(r"[0-9]{3,20}|[A-Z]{2,5}[-_]?[0-9]{3,20}")


def _assert_valid(result: Understanding) -> None:
    assert isinstance(result.intent, Intent)
    assert 0.0 <= result.confidence <= 1.0
    assert result.language is None or result.language in LANGUAGES
    assert result.order_number is None or _VALID_ORDER_NUMBER.fullmatch(result.order_number)
    assert (result.faq_id is not None) == (result.intent is Intent.FAQ)
    if result.intent is Intent.UNKNOWN:
        assert result.confidence <= 0.2


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXT, hint=st.sampled_from([None, "en", "hi", "pt_BR", "id-ID", "xx", ""]))
def test_any_text_gives_a_valid_understanding(text: str, hint: str | None) -> None:
    _assert_valid(understand(text, language_hint=hint))
    _assert_valid(understand(text, faq=FAQ, language_hint=hint))
    assert detect_language(text) in {None, *LANGUAGES}


@settings(max_examples=25, deadline=None)
@given(filler=st.text(min_size=MAX_CHARS, max_size=3 * MAX_CHARS))
def test_very_long_text_is_cut(filler: str) -> None:
    _assert_valid(understand(filler + " where is my order #1001 " + filler))


def test_only_the_first_thousand_characters_are_read() -> None:
    padding = "lorem ipsum " * (MAX_CHARS // 12 + 1)

    late = understand(padding + " I want to cancel order #1001")
    early = understand("I want to cancel order #1001 " + padding)

    assert (late.intent, late.order_number) == (Intent.UNKNOWN, None)
    assert (early.intent, early.order_number) == (Intent.CANCEL, "1001")


def test_garbage_is_unknown_with_low_confidence() -> None:
    for text in ["", "   ", "😀😀😀", "🙏", "....", "\u200d\u200d", "asdkjh qweoiu zxcmnb", "ﷺ"]:
        result = understand(text)
        assert result.intent is Intent.UNKNOWN, text
        assert result.confidence <= 0.1, text


def test_understanding_is_deterministic() -> None:
    text = "mera order #1001 kahan hai, cancel mat karo"

    assert understand(text) == understand(text)
