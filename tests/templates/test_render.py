"""Rendering: every message in every language and form, localised, normalised and checked.

A rendered template names ``ot_<key>`` with positional body parameters and one payload per
quick reply; the free-form version is the same words as a text, a document (the invoice) or a
reply-buttons message. Money and dates are formatted by Babel in the customer's locale and
timezone; a missing optional value reads naturally; whitespace in values is normalised; long names
are shortened; and whatever Meta would refuse is refused here first with a RenderError that
never repeats the values (so never a phone number).

"Accepted" below means the sandbox's own send validator (the same code the sandbox runs for
``POST /messages``) took the body, with every registry template created and approved.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from ordertalk.policy.decisions import Form
from ordertalk.sandbox.model import TemplateStatus, ValidatedMessage
from ordertalk.sandbox.templates import TemplateRegistry
from ordertalk.sandbox.validate import validate_send
from ordertalk.templates.registry import LANGUAGES, REGISTRY, TemplateDef, UrlButton, Wording
from ordertalk.templates.render import (
    RenderContext,
    Rendered,
    RenderError,
    choose_language,
    has_form,
    param_values,
    render,
    render_definition,
)
from ordertalk.templates.service import definitions_for_meta
from tests.templates.conftest import context

CUSTOMER = "919876543210"
EVERY = [
    pytest.param(key, language, form, id=f"{key}-{language}-{form.value}")
    for key, defn in REGISTRY.items()
    for language in defn.languages
    for form in Form
    if has_form(key, form)
]


@pytest.fixture(scope="module")
def meta() -> TemplateRegistry:
    """The sandbox's template registry holding every registry template, approved."""
    registry = TemplateRegistry(lambda: 1_700_000_000.0)
    for defn in REGISTRY.values():
        for language in defn.languages if defn.template else ():
            body = definitions_for_meta(defn, language, document_handle="4::sample-pdf")
            created = registry.create(body)
            registry.set_status(created.id, TemplateStatus.APPROVED)
    return registry


def accepted(meta: TemplateRegistry, rendered: Rendered) -> ValidatedMessage:
    """The Cloud API's view of the rendered message (raises GraphError if it would refuse it)."""
    body = {"messaging_product": "whatsapp", "to": CUSTOMER, **rendered.payload}
    return validate_send(body, render_template=meta.render_send, media_exists=lambda _: True)


def body_params(rendered: Rendered) -> list[str]:
    """The body parameter texts of a rendered template."""
    components = rendered.payload["template"]["components"]
    body = next(c for c in components if c["type"] == "body")
    return [p["text"] for p in body["parameters"]]


def param(key: str, language: str, field: str, **changes: Any) -> str:
    """The text one context field becomes in one message's template."""
    rendered = render(key, Form.TEMPLATE, language, context(**changes))
    return body_params(rendered)[REGISTRY[key].params.index(field)]


def render_error(key: str, form: Form, language: str, ctx: RenderContext) -> str:
    with pytest.raises(RenderError) as info:
        render(key, form, language, ctx)
    return str(info.value)


# --- every message ------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "language", "form"), EVERY)
def test_every_message_renders_and_is_accepted(
    meta: TemplateRegistry, key: str, language: str, form: Form
) -> None:
    rendered = render(key, form, language, context())

    shown = accepted(meta, rendered)
    assert rendered.language == language
    assert "{{" not in rendered.preview
    for value in param_values(REGISTRY[key], language, context()):
        assert value in rendered.preview
    if form is Form.TEMPLATE:
        assert rendered.template_name == f"ot_{key}"
        assert rendered.payload["template"]["language"] == {"code": language}
        prefix = "[document]\n" if REGISTRY[key].document_header else ""
        assert shown.text == prefix + rendered.preview
    else:
        assert rendered.template_name is None
        assert shown.text.endswith(rendered.preview)


@pytest.mark.parametrize(("key", "language", "form"), EVERY)
def test_every_message_reads_naturally_without_the_optional_facts(
    meta: TemplateRegistry, key: str, language: str, form: Form
) -> None:
    sparse = context(customer_name=None, carrier=None, edd=None, event_time=None, reason=None)

    rendered = render(key, form, language, sparse)

    accepted(meta, rendered)
    if form is Form.TEMPLATE:
        assert all(value.strip() for value in body_params(rendered))


def test_free_form_versions_take_the_shape_of_the_message() -> None:
    shapes = {key: render(key, Form.FREEFORM, "en", context()).payload["type"] for key in REGISTRY}
    assert {k for k, shape in shapes.items() if shape == "interactive"} == {
        "cod_confirmation",
        "delivery_attempt_failed",
        "feedback_request",
    }
    assert {k for k, shape in shapes.items() if shape == "document"} == {"order_confirmed_invoice"}
    assert {k for k, shape in shapes.items() if shape == "text"} == set(REGISTRY) - {
        "cod_confirmation",
        "delivery_attempt_failed",
        "feedback_request",
        "order_confirmed_invoice",
    }


def test_a_template_carries_one_payload_per_quick_reply_with_the_order_ref() -> None:
    rendered = render("delivery_attempt_failed", Form.TEMPLATE, "es", context())

    buttons = [c for c in rendered.payload["template"]["components"] if c["type"] == "button"]
    assert buttons == [
        {"type": "button", "sub_type": "quick_reply", "index": str(i),
         "parameters": [{"type": "payload", "payload": f"ndr:{choice}:o_1042"}]}
        for i, choice in enumerate(["reattempt", "address", "cancel"])
    ]  # fmt: skip


def test_the_free_form_version_offers_the_same_choices_as_reply_buttons() -> None:
    rendered = render("cod_confirmation", Form.FREEFORM, "hi", context())

    interactive = rendered.payload["interactive"]
    assert interactive["type"] == "button"
    assert interactive["header"] == {"type": "text", "text": "कृपया अपना ऑर्डर कन्फ़र्म करें"}
    assert [b["reply"] for b in interactive["action"]["buttons"]] == [
        {"id": "cod:confirm:o_1042", "title": "कन्फ़र्म करें"},
        {"id": "cod:cancel:o_1042", "title": "रद्द करें"},
    ]
    assert "₹1,499.50" in interactive["body"]["text"]


def test_the_invoice_travels_as_a_pdf_document() -> None:
    template = render("order_confirmed_invoice", Form.TEMPLATE, "en", context())
    freeform = render("order_confirmed_invoice", Form.FREEFORM, "en", context())

    document = {
        "link": "https://chai.example.com/invoices/1042.pdf",
        "filename": "invoice-1042.pdf",
    }
    header = template.payload["template"]["components"][0]
    assert header == {"type": "header", "parameters": [{"type": "document", "document": document}]}
    assert freeform.payload["document"] == {**document, "caption": freeform.preview}
    assert "Your invoice is attached." in freeform.preview


def test_has_form_knows_which_messages_have_templates() -> None:
    assert has_form("shipment_dispatched", Form.TEMPLATE)
    assert has_form("shipment_dispatched", Form.FREEFORM)
    assert not has_form("optout_confirmed", Form.TEMPLATE)
    assert has_form("optout_confirmed", Form.FREEFORM)
    assert not has_form("no_such_message", Form.FREEFORM)


# --- language -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preferred", "chosen"),
    [
        (["hi"], "hi"),
        (["hi_IN"], "hi"),
        (["pt"], "pt_BR"),
        (["pt-PT"], "pt_BR"),
        (["PT_br"], "pt_BR"),
        (["en_GB"], "en"),
        (["es_MX"], "es"),
        (["id_ID"], "id"),
        (["in"], "id"),  # Android's legacy code for Indonesian
        (["fr", "es"], "es"),
        (["pt_PT", "es"], "pt_BR"),  # a customer's own language family comes first
        (["es", "hi"], "es"),
        (["", "hi"], "hi"),
        (["fr"], "en"),
        ([], "en"),
    ],
)
def test_language_falls_back_from_exact_to_base_to_english(
    preferred: list[str], chosen: str
) -> None:
    assert choose_language("shipment_dispatched", preferred) == chosen


def test_an_unknown_key_still_gets_a_language() -> None:
    assert choose_language("no_such_message", ["pt_BR"]) == "pt_BR"


def test_a_language_the_message_is_not_written_in_is_refused() -> None:
    message = render_error("delivered", Form.TEMPLATE, "fr", context())
    assert "delivered [fr]" in message
    assert "choose_language" in message


# --- localisation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "locale", "currency", "amount", "expected"),
    [
        ("hi", "hi_IN", "INR", "1499.50", "₹1,499.50"),
        ("en", "en_IN", "INR", "150000", "₹1,50,000.00"),  # Indian digit grouping
        ("pt_BR", "pt_BR", "BRL", "1499.50", "R$\xa01.499,50"),
        ("id", "id_ID", "IDR", "150000", "Rp150.000"),  # CLDR 47+: rupiah has no minor unit
        ("es", "es_ES", "EUR", "1499.50", "1.499,50\xa0€"),
    ],
)
def test_money_is_formatted_the_customers_way(
    language: str, locale: str, currency: str, amount: str, expected: str
) -> None:
    value = param(
        "refund_completed", language, "amount",
        locale=locale, currency=currency, amount=Decimal(amount),
    )  # fmt: skip
    assert value == expected


@pytest.mark.parametrize(
    ("language", "locale", "words"),
    [
        ("en", "en_IN", ["Thursday", "5 March 2026"]),
        ("hi", "hi_IN", ["गुरुवार", "5 मार्च 2026"]),
        ("es", "es_ES", ["jueves", "5 de marzo de 2026"]),
        ("pt_BR", "pt_BR", ["quinta-feira", "5 de março de 2026"]),
        ("id", "id_ID", ["Kamis", "Maret 2026"]),
    ],
)
def test_the_expected_delivery_date_is_in_local_words(
    language: str, locale: str, words: list[str]
) -> None:
    value = param("shipment_in_transit", language, "edd", locale=locale)
    for word in words:
        assert word in value


def test_a_moment_is_shown_in_the_customers_timezone() -> None:
    late_evening_utc = datetime(2026, 3, 4, 20, 0, tzinfo=UTC)

    india = param(
        "delivered", "en", "event_time",
        event_time=late_evening_utc, locale="en_IN", timezone="Asia/Kolkata",
    )  # fmt: skip
    brazil = param(
        "delivered", "pt_BR", "event_time",
        event_time=late_evening_utc, locale="pt_BR", timezone="America/Sao_Paulo",
    )  # fmt: skip

    assert "5 March 2026" in india
    assert "1:30" in india
    assert "4 de março de 2026" in brazil
    assert "17:00" in brazil


def test_formatting_follows_the_message_language_in_the_customers_region() -> None:
    # An Indonesian customer reading the English version still sees rupiah the Indonesian way.
    value = param(
        "refund_completed", "en", "amount", locale="id_ID", currency="IDR", amount=Decimal(5000)
    )
    assert value.startswith("Rp")


@pytest.mark.parametrize(
    ("language", "greeting"),
    [("en", "Hi there,"), ("hi", "नमस्ते जी,"), ("es", "¡Hola 👋!"), ("pt_BR", "Olá 👋!"),
     ("id", "Halo Kak,")],
)  # fmt: skip
def test_a_missing_name_becomes_a_neutral_greeting(language: str, greeting: str) -> None:
    for name in (None, "", "  \n\t "):
        rendered = render("delivered", Form.TEMPLATE, language, context(customer_name=name))
        assert rendered.preview.startswith(greeting)


def test_a_missing_time_is_said_to_be_unrecorded_rather_than_guessed() -> None:
    rendered = render("delivered", Form.TEMPLATE, "es", context(event_time=None))
    assert "Hora de entrega: sin registrar" in rendered.preview


def test_a_naive_time_is_taken_as_utc_and_a_bad_zone_is_shown_in_utc() -> None:
    naive = param("delivered", "en", "event_time", event_time=datetime(2026, 3, 4, 20, 0))
    unknown_zone = param("delivered", "en", "event_time", timezone="Mars/Olympus_Mons")

    assert "5 March 2026" in naive  # 01:30 in Kolkata
    assert unknown_zone.endswith("UTC")
    assert "9:30" in unknown_zone


@pytest.mark.parametrize(
    ("language", "soon"),
    [("en", "soon"), ("hi", "जल्द ही"), ("es", "pronto"), ("pt_BR", "em breve"), ("id", "segera")],
)
def test_a_missing_delivery_date_reads_soon(language: str, soon: str) -> None:
    assert param("shipment_in_transit", language, "edd", edd=None) == soon


def test_missing_carrier_and_reason_read_naturally() -> None:
    rendered = render("shipment_exception", Form.TEMPLATE, "en", context(carrier=None, reason="  "))
    assert "Courier: our delivery partner\nDetails: not specified" in rendered.preview


def test_a_missing_tracking_link_falls_back_to_the_order_status_page() -> None:
    value = param("shipment_dispatched", "en", "tracking_url", tracking_url=None)
    assert value == "https://chai.example.com/orders/1042"


def test_with_no_link_at_all_the_tracking_number_is_what_the_customer_gets() -> None:
    value = param(
        "shipment_dispatched",
        "en",
        "tracking_url",
        tracking_url=None,
        status_url=None,
        tracking_number="PQ4F6P0798765430128001Y",
    )
    assert value == "PQ4F6P0798765430128001Y"


# --- normalisation and limits -------------------------------------------------------------------


def test_whitespace_in_values_is_normalised_rather_than_refused() -> None:
    rendered = render(
        "delivery_attempt_failed",
        Form.TEMPLATE,
        "en",
        context(
            customer_name="Priya\n\tSharma",
            order_number=" #1042\n",
            reason="Address\r\nincomplete      (no landmark).\t",
        ),
    )
    assert body_params(rendered) == ["Priya Sharma", "#1042", "Address incomplete (no landmark)"]


def test_a_value_cannot_smuggle_in_a_placeholder() -> None:
    rendered = render("delivered", Form.TEMPLATE, "en", context(customer_name="{{2}}"))
    assert body_params(rendered)[0] == "{2}"
    assert rendered.preview.count("#1042") == 1


def test_long_names_are_shortened_sensibly() -> None:
    carrier = param(
        "out_for_delivery", "en", "carrier",
        carrier="Blue Dart Express Surface Logistics International Private Limited",
    )  # fmt: skip
    name = param(
        "delivered", "en", "customer_name",
        customer_name="Venkatanarasimharajuvaripeta Lakshmi Narasimha Swamy",
    )  # fmt: skip
    reason = param("order_cancelled", "en", "reason", reason="word " * 100)

    assert carrier == "Blue Dart Express Surface Logistics…"
    assert name == "Venkatanarasimharajuvaripeta"
    assert len(reason) <= 200
    assert reason.endswith("word…")


def test_a_link_with_spaces_is_encoded() -> None:
    value = param("payment_reminder", "en", "status_url", status_url="https://pay.example/o 1042")
    local = param("payment_reminder", "en", "status_url", status_url="http://localhost:8000/o/1")
    assert value == "https://pay.example/o%201042"
    assert local == "http://localhost:8000/o/1"


@pytest.mark.parametrize(
    ("key", "changes", "mentions"),
    [
        ("delivered", {"order_number": None}, "order_number is required"),
        ("shipment_dispatched", {"tracking_number": "A" * 65}, "tracking_number is 65"),
        ("refund_completed", {"amount": None}, "amount is required"),
        ("refund_completed", {"currency": "rupees"}, "currency"),
        (
            "shipment_dispatched",
            {"tracking_url": None, "status_url": None, "tracking_number": None},
            "tracking_number",
        ),
        ("payment_reminder", {"status_url": "www.pay.example/1042"}, "status_url"),
        ("order_confirmed_invoice", {"invoice_url": None}, "invoice_url is required"),
        ("cod_confirmation", {"order_ref": "r" * 250}, "button payload"),
        ("cod_confirmation", {"order_ref": " "}, "order_ref is required"),
    ],
)
def test_what_meta_would_refuse_is_refused_here_with_the_reason(
    key: str, changes: dict[str, Any], mentions: str
) -> None:
    message = render_error(key, Form.TEMPLATE, "en", context(**changes))
    assert mentions in message
    assert message.startswith(f"{key} [en]: ")


def test_render_errors_never_repeat_the_values() -> None:
    phone = "+91 98765 43210"
    too_long = render_error(
        "delivered", Form.TEMPLATE, "en", context(order_number=f"{phone} " + "9" * 60)
    )
    not_a_link = render_error(
        "payment_reminder", Form.TEMPLATE, "en", context(status_url=f"tel:{phone}")
    )
    for message in (too_long, not_a_link):
        assert "98765" not in message
        assert "43210" not in message


def test_free_form_only_and_unknown_messages_have_no_template() -> None:
    assert "no template form" in render_error("optin_confirmed", Form.TEMPLATE, "en", context())
    assert "unknown message key" in render_error("no_such", Form.TEMPLATE, "en", context())


# --- definitions beyond the registry ------------------------------------------------------------

LINKED = TemplateDef(
    key="track_link",
    name="ot_track_link",
    category="UTILITY",
    params=("customer_name", "order_number"),
    texts={"en": Wording("Hi {{1}}, your order {{2}} is on its way. Follow it below.")},
    buttons=(UrlButton({"en": "Track order"}, "https://chai.example.com/t/{{1}}", "order_ref"),),
)


def test_a_url_button_gets_its_suffix_in_a_template_and_a_link_line_inside_the_window() -> None:
    template = render_definition(LINKED, Form.TEMPLATE, "en", context())
    freeform = render_definition(LINKED, Form.FREEFORM, "en", context())

    registry = TemplateRegistry(lambda: 0.0)
    created = registry.create(definitions_for_meta(LINKED, "en"))
    registry.set_status(created.id, TemplateStatus.APPROVED)
    shown = validate_send(
        {"messaging_product": "whatsapp", "to": CUSTOMER, **template.payload},
        render_template=registry.render_send,
        media_exists=lambda _: True,
    )
    assert shown.template is not None
    assert shown.template.urls == {0: "https://chai.example.com/t/o_1042"}
    assert freeform.preview.endswith("Track order: https://chai.example.com/t/o_1042")


def test_a_body_over_1024_characters_after_filling_in_is_refused() -> None:
    wordy = TemplateDef(
        key="wordy",
        name="ot_wordy",
        category="UTILITY",
        params=("customer_name", "reason"),
        texts={"en": Wording("Hi {{1}}, " + "so much to say " * 55 + "because {{2}} today.")},
    )
    with pytest.raises(RenderError, match=r"the body is \d+ characters; the limit is 1024"):
        render_definition(wordy, Form.TEMPLATE, "en", context(reason="x" * 200))


def test_a_definition_whose_placeholders_do_not_match_its_parameters_is_refused() -> None:
    broken = TemplateDef(
        key="broken",
        name="ot_broken",
        category="UTILITY",
        params=("customer_name", "order_number"),
        texts={"en": Wording("Hi {{1}}, your order has shipped today.")},
    )
    with pytest.raises(RenderError, match=r"placeholders \[1\] but the definition has 2"):
        render_definition(broken, Form.FREEFORM, "en", context())


def test_every_language_is_covered_by_the_render_matrix() -> None:
    assert {p.values[1] for p in EVERY} == set(LANGUAGES)
    assert len(EVERY) == 27 * 5 * 2 + 2 * 5
