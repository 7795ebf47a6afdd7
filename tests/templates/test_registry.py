"""The registry: which messages exist, in which languages, and the rules their wording obeys.

Every template is written in en, hi, es, pt_BR and id; its placeholders run {{1}}..{{n}} in
order, one per parameter, never at the edges and never side by side (Meta's review rules);
headers, footers and button labels fit WhatsApp's limits; quick replies carry the payload
prefixes the bot understands; and no utility text promotes anything, in any language (only the
marketing templates, which broadcasts send with marketing consent, may).
"""

from __future__ import annotations

import itertools
import re

import pytest

from ordertalk.sandbox.template_create import validate_create
from ordertalk.templates.registry import (
    LANGUAGES,
    PROMOTIONAL_TERMS,
    REGISTRY,
    QuickReply,
    TemplateDef,
    broadcastable,
    find_promotional,
)
from ordertalk.templates.service import definitions_for_meta

TEMPLATE_KEYS = {
    "order_confirmed", "order_confirmed_invoice", "cod_confirmation", "payment_reminder",
    "order_cancelled", "shipment_packed", "shipment_dispatched", "shipment_in_transit",
    "shipment_delayed", "shipment_exception", "out_for_delivery", "delivery_attempt_failed",
    "ready_for_pickup", "delivered", "rto_initiated", "lost_or_damaged", "return_requested",
    "return_approved", "return_rejected", "return_pickup_scheduled", "return_picked_up",
    "return_received", "refund_initiated", "refund_completed", "feedback_request",
}  # fmt: skip
MARKETING_KEYS = {"offer", "back_in_stock"}
SERVICE_KEYS = {"optout_confirmed", "optin_confirmed"}
PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")
DEVANAGARI = re.compile(r"[\u0900-\u097f]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")

DEFINITIONS = list(REGISTRY.values())
WORDINGS = [
    pytest.param(defn, language, id=f"{defn.key}-{language}")
    for defn in DEFINITIONS
    for language in defn.languages
]


def every_text(defn: TemplateDef, language: str) -> list[str]:
    """Everything the customer can read of one message in one language."""
    wording = defn.texts[language]
    labels = [button.labels[language] for button in defn.buttons]
    return [t for t in (wording.header, wording.body, wording.footer, *labels) if t]


def test_the_registry_ships_exactly_the_agreed_messages() -> None:
    assert set(REGISTRY) == TEMPLATE_KEYS | MARKETING_KEYS | SERVICE_KEYS
    assert {key for key, defn in REGISTRY.items() if defn.template} == (
        TEMPLATE_KEYS | MARKETING_KEYS
    )


@pytest.mark.parametrize("defn", DEFINITIONS, ids=lambda d: d.key)
def test_every_message_is_written_in_every_language_and_has_a_freeform_version(
    defn: TemplateDef,
) -> None:
    assert defn.languages == LANGUAGES == ("en", "hi", "es", "pt_BR", "id")
    assert defn.freeform


@pytest.mark.parametrize("defn", DEFINITIONS, ids=lambda d: d.key)
def test_templates_are_utility_but_for_marketing_ones_and_named_after_their_key(
    defn: TemplateDef,
) -> None:
    assert defn.name == f"ot_{defn.key}"
    assert re.fullmatch(r"[a-z0-9_]{1,512}", defn.name)
    assert defn.category == ("MARKETING" if defn.key in MARKETING_KEYS else "UTILITY")


def test_only_the_marketing_templates_are_broadcastable() -> None:
    assert {key for key, defn in REGISTRY.items() if broadcastable(defn)} == MARKETING_KEYS


@pytest.mark.parametrize(("defn", "language"), WORDINGS)
def test_placeholders_are_one_per_parameter_in_order_never_at_an_edge_or_adjacent(
    defn: TemplateDef, language: str
) -> None:
    body = defn.texts[language].body
    matches = list(PLACEHOLDER.finditer(body))
    first_use = list(dict.fromkeys(int(m.group(1)) for m in matches))
    assert first_use == list(range(1, len(defn.params) + 1))
    assert body[: matches[0].start()].strip(), "a body can't start with a placeholder"
    assert body[matches[-1].end() :].strip(), "a body can't end with a placeholder"
    for before, after in itertools.pairwise(matches):
        between = body[before.end() : after.start()]
        assert re.search(r"\w", between), f"{before.group()} and {after.group()} are adjacent"
    assert "{{" not in PLACEHOLDER.sub("", body)


@pytest.mark.parametrize(("defn", "language"), WORDINGS)
def test_headers_footers_and_labels_fit_whatsapps_limits(defn: TemplateDef, language: str) -> None:
    wording = defn.texts[language]
    assert len(wording.body) <= 1024
    for fixed in (wording.header, wording.footer):
        if fixed is not None:
            assert 0 < len(fixed) <= 60
            assert "{{" not in fixed
    labels = [button.labels[language] for button in defn.buttons]
    assert all(0 < len(label) <= 20 for label in labels), labels  # reply-button titles: 20
    assert len(set(labels)) == len(labels)


@pytest.mark.parametrize(
    ("defn", "language"),
    [p for p in WORDINGS if p.values[0].template],  # type: ignore[union-attr]
)
def test_meta_would_accept_every_definition(defn: TemplateDef, language: str) -> None:
    validate_create(definitions_for_meta(defn, language, document_handle="4::sample-pdf"))


def test_quick_replies_carry_the_payload_prefixes_the_bot_understands() -> None:
    prefixes = {
        key: [b.prefix for b in defn.buttons if isinstance(b, QuickReply)]
        for key, defn in REGISTRY.items()
        if defn.buttons
    }
    assert prefixes == {
        "cod_confirmation": ["cod:confirm", "cod:cancel"],
        "delivery_attempt_failed": ["ndr:reattempt", "ndr:address", "ndr:cancel"],
        "feedback_request": ["fb:rate"],
    }
    assert REGISTRY["cod_confirmation"].quick_replies[0].payload("o_1") == "cod:confirm:o_1"


def test_only_the_invoice_variant_has_a_document_header() -> None:
    assert [d.key for d in DEFINITIONS if d.document_header] == ["order_confirmed_invoice"]
    assert REGISTRY["order_confirmed_invoice"].params == REGISTRY["order_confirmed"].params


@pytest.mark.parametrize("language", ["hi", "es", "pt_BR", "id"])
def test_translations_are_not_english_copies(language: str) -> None:
    for defn in DEFINITIONS:
        assert defn.texts[language].body != defn.texts["en"].body, defn.key
        if defn.texts[language].footer:
            assert defn.texts[language].footer != defn.texts["en"].footer


def test_hindi_is_written_in_devanagari() -> None:
    for defn in DEFINITIONS:
        for text in every_text(defn, "hi"):
            assert DEVANAGARI.search(text), (defn.key, text)
            # Only keywords and names stay in Latin letters.
            latin = set(LATIN_WORD.findall(text))
            assert latin <= {"STOP", "START", "WhatsApp", "COD"}, (defn.key, latin)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_stop_and_start_replies_say_how_to_undo_them(language: str) -> None:
    assert "START" in REGISTRY["optout_confirmed"].texts[language].body
    assert "STOP" in REGISTRY["optin_confirmed"].texts[language].body
    for key in SERVICE_KEYS:
        assert not REGISTRY[key].template
        assert REGISTRY[key].texts[language].footer is None


@pytest.mark.parametrize(
    ("defn", "language"),
    [p for p in WORDINGS if p.values[0].key not in MARKETING_KEYS],  # type: ignore[union-attr]
)
def test_no_utility_text_promotes_anything(defn: TemplateDef, language: str) -> None:
    assert defn.category == "UTILITY"
    for text in every_text(defn, language):
        assert find_promotional(text, language) == [], text


@pytest.mark.parametrize(
    ("language", "text", "term"),
    [
        ("en", "Your order shipped. Get 20% off your next one!", "% off"),
        ("en", "Shop now for the new arrivals", "shop now"),
        ("hi", "आपका ऑर्डर भेज दिया गया है। अगली खरीद पर 10% छूट पाएँ!", "छूट"),
        ("es", "Tu pedido va en camino. ¡Aprovecha un descuento del 15%!", "descuento"),
        ("pt_BR", "Seu pedido saiu. Use o cupom VOLTA10 na próxima compra", "cupom"),
        ("id", "Pesanan dikirim. Dapatkan diskon 20% untuk belanja berikutnya", "diskon"),
        ("id", "Free ongkir for your next order", "free"),
    ],
)
def test_the_promotion_scan_catches_offers_in_every_language(
    language: str, text: str, term: str
) -> None:
    assert term in find_promotional(text, language)


def test_the_promotion_scan_matches_whole_words_only() -> None:
    # "freedom", "saved" or "dealer" are not offers.
    assert find_promotional("Your dealer saved the freedom of choice", "en") == []
    assert set(PROMOTIONAL_TERMS) == set(LANGUAGES)
