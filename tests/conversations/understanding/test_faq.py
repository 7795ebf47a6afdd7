"""A store's FAQ: paraphrases match, near misses do not, and actions beat loosely related FAQs."""

from __future__ import annotations

import pytest

from ordertalk.conversations.understanding import FaqEntry, Intent, understand
from ordertalk.conversations.understanding.faq import (
    FAQ_MARGIN,
    FAQ_THRESHOLD,
    best_faq,
    similarity,
    terms,
)

FAQ = (
    FaqEntry("ship-pune", "Do you deliver to Pune?", "Yes, in 2–3 days.", "en"),
    FaqEntry("ship-blr", "Do you deliver to Bangalore?", "Yes, next day.", "en"),
    FaqEntry(
        "returns",
        "How do returns work?",
        "Within 30 days, from the link in your order email.",
        "en",
        ("What is your return policy?", "return policy"),
    ),
    FaqEntry(
        "shipping-time", "How long does shipping take?", "3–5 days.", "en", ("delivery time",)
    ),
    FaqEntry("cod", "Is cash on delivery available?", "Yes.", "en", ("Do you have COD?",)),
    FaqEntry("hours", "What are your store opening hours?", "10 to 8.", "en"),
    FaqEntry("sale", "Can I return sale items?", "Sale items are final.", "en"),
    FaqEntry("es-envios", "¿Hacen envíos a Monterrey?", "Sí, en 2 días.", "es"),
    FaqEntry("pt-pix", "Vocês aceitam pagamento por Pix?", "Sim!", "pt"),
    FaqEntry("hi-size", "साइज़ चार्ट कहाँ मिलेगा?", "वेबसाइट पर।", "hi", ("size chart kahan hai",)),
    FaqEntry("id-warna", "Apakah ada warna lain?", "Ada, kak.", "id", ("warna lain ada?",)),
)


@pytest.mark.parametrize(
    ("message", "faq_id"),
    [
        ("do you ship to Pune?", "ship-pune"),
        ("Do u deliver in pune", "ship-pune"),
        ("hi, I was wondering if you guys ship to pune because I need it by friday", "ship-pune"),
        ("do you deliver to banglore?", "ship-blr"),  # typo in the city
        ("do you delivr to pune", "ship-pune"),  # typo in a synonym
        ("do you shipp to pune", "ship-pune"),
        ("what is your return policy", "returns"),
        ("whats ur return policy??", "returns"),
        ("how long does delivery take?", "shipping-time"),
        ("how many days for shipping", "shipping-time"),
        ("do you have cash on delivery", "cod"),
        ("COD available?", "cod"),
        ("what time does your shop open", "hours"),
        ("can i return items bought on sale", "sale"),
        ("¿envían a Monterrey?", "es-envios"),
        ("hacen envio a monterey", "es-envios"),
        ("aceitam pix?", "pt-pix"),
        ("size chart kaha milega", "hi-size"),
        ("ada warna lain kak?", "id-warna"),
    ],
)
def test_paraphrases_match(message: str, faq_id: str) -> None:
    result = understand(message, faq=FAQ)

    assert (result.intent, result.faq_id) == (Intent.FAQ, faq_id), result
    assert FAQ_THRESHOLD <= result.confidence <= 1.0
    assert result.matched is not None
    assert result.matched.startswith("faq")


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("do you deliver to Delhi?", Intent.UNKNOWN),  # another city is another question
        ("pune", Intent.UNKNOWN),
        ("how do I reset my password", Intent.UNKNOWN),
        ("hi", Intent.GREETING),
        ("thanks", Intent.THANKS),
        # Actions the bot can take beat FAQs that merely share words with them.
        ("when will my order be delivered", Intent.WISMO),
        ("where is my order", Intent.WISMO),
        ("my order hasn't arrived, how long does it take?", Intent.WISMO),
        ("I want to return my order", Intent.RETURN),
        ("cancel my order", Intent.CANCEL),
    ],
)
def test_non_matches(message: str, intent: Intent) -> None:
    result = understand(message, faq=FAQ)

    assert result.intent is intent, result
    assert result.faq_id is None


def test_wismo_is_not_answered_by_a_shipping_time_faq() -> None:
    result = understand("when will my order #1001 be delivered?", faq=FAQ)

    assert (result.intent, result.order_number) == (Intent.WISMO, "1001")


def test_an_faq_that_is_the_very_question_wins_over_an_action() -> None:
    faq = (FaqEntry("wismo-faq", "Where is my order?", "Reply with your order number."),)

    assert understand("where is my order?", faq=faq).faq_id == "wismo-faq"


def test_the_same_question_in_two_languages_answers_in_the_customers() -> None:
    faq = (
        FaqEntry("cod-en", "Do you have COD?", "Yes.", "en"),
        FaqEntry("cod-id", "Bisa COD?", "Bisa, kak.", "id"),
        FaqEntry("cod-es", "¿Tienen pago contraentrega?", "Sí.", "es"),
    )

    assert understand("bisa COD kak?", faq=faq).faq_id == "cod-id"
    assert understand("do you have COD?", faq=faq).faq_id == "cod-en"


def test_no_faq_means_no_faq_intent() -> None:
    assert understand("do you deliver to Pune?").intent is not Intent.FAQ


def test_faq_text_without_meaningful_words_never_matches() -> None:
    faq = (FaqEntry("empty", "?!", "..."), FaqEntry("stop", "what is it", "..."))

    assert best_faq("what is it", faq) is None


# The numbers quoted in faq.py's docstring, which justify FAQ_THRESHOLD and FAQ_MARGIN.
def test_documented_scores() -> None:
    question = "Do you deliver to Pune?"
    assert similarity("do you ship to pune", question) == pytest.approx(1.0)
    assert similarity("do you deliver to delhi", question) == pytest.approx(0.5)
    assert similarity("pune", question) == pytest.approx(0.65)
    assert similarity("can i return items bought on sale", "Can I return sale items?") >= 0.9
    assert similarity("I want to return my shoes", "Can I return sale items?") < FAQ_THRESHOLD
    assert similarity("when will my order be delivered", "How long does shipping take?") < 0.6
    # An exact intent phrase (confidence 0.95) yields only to a perfect FAQ match.
    assert abs(0.95 + FAQ_MARGIN - 1.0) < 1e-9


def test_terms_drop_function_words_and_fold_synonyms() -> None:
    assert (
        terms("Do you ship to Pune?") == terms("do you DELIVER to pune!!") == ("~deliver", "pune")
    )
    assert terms("¿Hacen envíos a Monterrey?") == ("~deliver", "monterey")
