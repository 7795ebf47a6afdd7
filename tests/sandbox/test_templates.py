"""The sandbox's template registry: creation rules, management, and send-time validation."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordertalk.sandbox.errors import GraphError
from ordertalk.sandbox.model import TemplateCategory, TemplateStatus
from ordertalk.sandbox.templates import Template, TemplateRegistry

NOW = 1_700_000_000.0
WHITESPACE_DETAILS = (
    "Param text cannot have new-line/tab characters or more than 4 consecutive spaces"
)


def clock() -> float:
    return NOW


def make_registry() -> TemplateRegistry:
    registry = TemplateRegistry(clock)
    registry.seed_defaults()
    return registry


@pytest.fixture
def registry() -> TemplateRegistry:
    return make_registry()


def rejected(call: Callable[[], object]) -> GraphError:
    """The GraphError ``call`` raises (the test fails if it raises nothing)."""
    with pytest.raises(GraphError) as info:
        call()
    return info.value


def body(text: str, *examples: str) -> dict[str, Any]:
    component: dict[str, Any] = {"type": "BODY", "text": text}
    if examples:
        component["example"] = {"body_text": [list(examples)]}
    return component


def template(
    name: str = "order_shipped",
    *components: dict[str, Any],
    language: str = "en_US",
    category: str = "UTILITY",
    **extra: Any,
) -> dict[str, Any]:
    """A creation body; without components, a one-variable body."""
    if not components:
        components = (body("Hi {{1}}, your order has shipped today.", "Jessica"),)
    return {
        "name": name,
        "language": language,
        "category": category,
        "components": list(components),
        **extra,
    }


def order_shipped() -> dict[str, Any]:
    """The reference's positional example: image header, three variables, three buttons."""
    return template(
        "order_shipped",
        {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1h"]}},
        body(
            "Hi {{1}}, your order {{2}} has shipped and arrives {{3}}.",
            "Jessica",
            "ORD-1234",
            "Friday",
        ),
        {"type": "FOOTER", "text": "Reply STOP to opt out of shipping updates"},
        {
            "type": "BUTTONS",
            "buttons": [
                {"type": "QUICK_REPLY", "text": "Stop updates"},
                {
                    "type": "URL",
                    "text": "Track order",
                    "url": "https://shop.example/t/{{1}}",
                    "example": ["https://shop.example/t/ORD-1234"],
                },
                {"type": "PHONE_NUMBER", "text": "Call us", "phone_number": "15550051310"},
            ],
        },
    )


def order_status_update() -> dict[str, Any]:
    """The reference's named example: text header and body with named variables."""
    return template(
        "order_status_update",
        {
            "type": "HEADER",
            "format": "TEXT",
            "text": "Order {{order_id}} update",
            "example": {"header_text_named_params": [{"param_name": "order_id", "example": "1"}]},
        },
        {
            "type": "BODY",
            "text": "Hi {{customer_name}}, your order is now {{status}} with our courier.",
            "example": {
                "body_text_named_params": [
                    {"param_name": "customer_name", "example": "Alex"},
                    {"param_name": "status", "example": "shipped"},
                ]
            },
        },
        parameter_format="NAMED",
    )


def login_code() -> dict[str, Any]:
    """The reference's authentication example."""
    return template(
        "login_code",
        {"type": "BODY", "add_security_recommendation": True},
        {"type": "FOOTER", "code_expiration_minutes": 5},
        {
            "type": "BUTTONS",
            "buttons": [{"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy code"}],
        },
        category="AUTHENTICATION",
    )


def approved(registry: TemplateRegistry, payload: dict[str, Any]) -> Template:
    created = registry.create(payload)
    return registry.set_status(created.id, TemplateStatus.APPROVED)


def send(name: str, *components: dict[str, Any], language: str = "en_US") -> dict[str, Any]:
    """The ``template`` object of a send."""
    return {"name": name, "language": {"code": language}, "components": list(components)}


def text(value: str, name: str | None = None) -> dict[str, Any]:
    parameter: dict[str, Any] = {"type": "text", "text": value}
    if name is not None:
        parameter["parameter_name"] = name
    return parameter


def component(kind: str, *parameters: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "parameters": list(parameters)}


def button(sub_type: str, index: int | str, *parameters: dict[str, Any]) -> dict[str, Any]:
    return {"type": "button", "sub_type": sub_type, "index": index, "parameters": list(parameters)}


IMAGE = component("header", {"type": "image", "image": {"link": "https://cdn.example/box.jpg"}})
SHIPPED_BODY = component("body", text("Jessica"), text("ORD-1234"), text("Friday"))
TRACKING = button("url", "1", text("ORD-1234"))


# --- creation: the happy path ------------------------------------------------------------------


def test_created_template_is_pending_with_a_numeric_id(registry: TemplateRegistry) -> None:
    created = registry.create(order_shipped())
    assert created.status is TemplateStatus.PENDING
    assert created.id.isdigit()
    hello = registry.find("hello_world", "en_US")
    assert hello is not None
    assert created.id != hello.id
    assert created.category is TemplateCategory.UTILITY
    assert created.created_at == NOW


def test_created_template_keeps_its_components_as_sent(registry: TemplateRegistry) -> None:
    payload = order_shipped()
    created = registry.create(payload)
    payload["components"].clear()  # the caller's later changes must not leak in
    assert created.components == order_shipped()["components"]


def test_parameter_format_defaults_to_positional(registry: TemplateRegistry) -> None:
    assert registry.create(order_shipped()).parameter_format == "POSITIONAL"


def test_named_template_is_accepted(registry: TemplateRegistry) -> None:
    assert registry.create(order_status_update()).parameter_format == "NAMED"


def test_authentication_template_is_accepted(registry: TemplateRegistry) -> None:
    assert registry.create(login_code()).category is TemplateCategory.AUTHENTICATION


def test_enums_are_accepted_in_any_case(registry: TemplateRegistry) -> None:
    created = registry.create(template(category="utility", parameter_format="positional"))
    assert created.category is TemplateCategory.UTILITY
    assert created.parameter_format == "POSITIONAL"


@pytest.mark.parametrize("language", ["en", "en_US", "pt_BR", "hi", "es", "id", "fil"])
def test_language_codes_like_metas_are_accepted(registry: TemplateRegistry, language: str) -> None:
    assert registry.create(template(language=language)).language == language


def test_same_name_in_another_language_is_a_separate_template(registry: TemplateRegistry) -> None:
    english = registry.create(template(language="en"))
    american = registry.create(template(language="en_US"))
    assert english.id != american.id


# --- creation: name, language, category, format ------------------------------------------------


def test_creation_body_must_be_an_object(registry: TemplateRegistry) -> None:
    error = rejected(lambda: registry.create(["order_shipped"]))
    assert (error.code, error.details) == (100, "The request body must be a JSON object.")


def test_name_is_required(registry: TemplateRegistry) -> None:
    payload = template()
    del payload["name"]
    error = rejected(lambda: registry.create(payload))
    assert (error.code, error.details) == (100, "The parameter name is required.")


@pytest.mark.parametrize("name", ["Order_shipped", "order shipped", "order-shipped", "pedido_é"])
def test_name_allows_only_lowercase_letters_digits_and_underscores(
    registry: TemplateRegistry, name: str
) -> None:
    error = rejected(lambda: registry.create(template(name)))
    assert error.code == 100
    assert "lowercase letters, digits and underscores" in error.details


def test_name_may_have_512_characters_but_not_513(registry: TemplateRegistry) -> None:
    registry.create(template("a" * 512))
    error = rejected(lambda: registry.create(template("a" * 513)))
    assert (error.code, error.details) == (100, "Param name must be at most 512 characters long.")


def test_language_is_required(registry: TemplateRegistry) -> None:
    payload = template()
    del payload["language"]
    error = rejected(lambda: registry.create(payload))
    assert (error.code, error.details) == (100, "The parameter language is required.")


@pytest.mark.parametrize("language", ["english", "en-US", "EN", "en_us"])
def test_language_must_look_like_a_language_code(registry: TemplateRegistry, language: str) -> None:
    error = rejected(lambda: registry.create(template(language=language)))
    assert error.code == 100
    assert error.details.startswith("Param language must be a language code like en, en_US")


def test_category_must_be_marketing_utility_or_authentication(registry: TemplateRegistry) -> None:
    error = rejected(lambda: registry.create(template(category="TRANSACTIONAL")))
    assert (error.code, error.details) == (
        100,
        "Param category must be one of {MARKETING, UTILITY, AUTHENTICATION}.",
    )


def test_parameter_format_must_be_positional_or_named(registry: TemplateRegistry) -> None:
    error = rejected(lambda: registry.create(template(parameter_format="MIXED")))
    assert (error.code, error.details) == (
        100,
        "Param parameter_format must be one of {POSITIONAL, NAMED}.",
    )


def test_same_name_and_language_twice_is_refused(registry: TemplateRegistry) -> None:
    registry.create(template())
    error = rejected(lambda: registry.create(template()))
    assert error.code == 100
    assert error.details.startswith("Content in this language already exists")
    assert "order_shipped" in error.details


def test_the_251st_template_is_refused(registry: TemplateRegistry) -> None:
    for number in range(249):  # hello_world is the 250th
        registry.create(template(f"template_{number}"))
    error = rejected(lambda: registry.create(template("one_too_many")))
    assert error.code == 2388019
    assert "250 message templates" in error.details


# --- creation: components ------------------------------------------------------------------------


def test_components_are_required(registry: TemplateRegistry) -> None:
    payload = template()
    del payload["components"]
    error = rejected(lambda: registry.create(payload))
    assert (error.code, error.details) == (100, "The parameter components is required.")


def test_a_body_is_required(registry: TemplateRegistry) -> None:
    payload = template("no_body", {"type": "FOOTER", "text": "Thanks"})
    error = rejected(lambda: registry.create(payload))
    assert (error.code, error.details) == (100, "A template needs a BODY component.")


def test_only_one_body_is_allowed(registry: TemplateRegistry) -> None:
    payload = template("two_bodies", body("One body here."), body("Another body here."))
    error = rejected(lambda: registry.create(payload))
    assert (error.code, error.details) == (100, "A template can have only one BODY component.")


def test_unsupported_component_types_are_refused(registry: TemplateRegistry) -> None:
    payload = template("carousel", body("Look at these."), {"type": "CAROUSEL", "cards": []})
    error = rejected(lambda: registry.create(payload))
    assert error.code == 100
    assert (
        error.details
        == "Param components[1]['type'] must be one of {HEADER, BODY, FOOTER, BUTTONS}."
    )


def test_body_may_have_1024_characters_but_not_1025(registry: TemplateRegistry) -> None:
    registry.create(template("long", body("a" * 1024)))
    error = rejected(lambda: registry.create(template("too_long", body("a" * 1025))))
    assert (error.code, error.details) == (
        2388040,
        "Param components[0]['text'] is 1025 characters; the limit is 1024.",
    )


def test_header_text_over_60_characters_is_refused(registry: TemplateRegistry) -> None:
    header = {"type": "HEADER", "format": "TEXT", "text": "h" * 61}
    error = rejected(lambda: registry.create(template("x", header, body("Hello there."))))
    assert (error.code, error.details) == (
        2388040,
        "Param components[0]['text'] is 61 characters; the limit is 60.",
    )


def test_header_text_may_have_only_one_variable(registry: TemplateRegistry) -> None:
    header = {
        "type": "HEADER",
        "format": "TEXT",
        "text": "Order {{1}} for {{2}}",
        "example": {"header_text": ["1", "2"]},
    }
    error = rejected(lambda: registry.create(template("x", header, body("Hello there."))))
    assert (error.code, error.details) == (
        2388047,
        "HEADER: text can have at most one variable (found 2).",
    )


def test_header_text_variable_needs_an_example(registry: TemplateRegistry) -> None:
    header = {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"}
    error = rejected(lambda: registry.create(template("x", header, body("Hello there."))))
    assert (error.code, error.details) == (
        100,
        "HEADER: example.header_text is required: [1 value], one sample per variable.",
    )


@pytest.mark.parametrize("header_format", ["IMAGE", "VIDEO", "DOCUMENT"])
def test_media_headers_need_a_sample_handle(registry: TemplateRegistry, header_format: str) -> None:
    header = {"type": "HEADER", "format": header_format}
    error = rejected(lambda: registry.create(template("x", header, body("Hello there."))))
    assert error.code == 100
    assert error.details.startswith(f"{header_format} headers need example.header_handle")


def test_location_header_needs_no_example(registry: TemplateRegistry) -> None:
    header = {"type": "HEADER", "format": "LOCATION"}
    assert registry.create(template("x", header, body("Your parcel is here.")))


def test_unknown_header_format_is_refused(registry: TemplateRegistry) -> None:
    header = {"type": "HEADER", "format": "PRODUCT"}
    error = rejected(lambda: registry.create(template("x", header, body("Hello there."))))
    assert (error.code, error.details) == (
        100,
        "Param components[0]['format'] must be one of {TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION}.",
    )


def test_footer_over_60_characters_is_refused(registry: TemplateRegistry) -> None:
    footer = {"type": "FOOTER", "text": "f" * 61}
    error = rejected(lambda: registry.create(template("x", body("Hello there."), footer)))
    assert (error.code, error.details) == (
        2388040,
        "Param components[1]['text'] is 61 characters; the limit is 60.",
    )


def test_footer_can_not_have_variables(registry: TemplateRegistry) -> None:
    footer = {"type": "FOOTER", "text": "Sent to {{1}}"}
    error = rejected(lambda: registry.create(template("x", body("Hello there."), footer)))
    assert (error.code, error.details) == (2388073, "FOOTER: the footer can't contain variables.")


# --- creation: variables ------------------------------------------------------------------------


def test_positional_variables_must_not_skip_numbers(registry: TemplateRegistry) -> None:
    payload = template("x", body("Hi {{1}}, your order {{3}} is ready.", "a", "b"))
    error = rejected(lambda: registry.create(payload))
    assert (error.code, error.details) == (
        2388047,
        "BODY: positional variables must run from {{1}} without gaps (found {{1}}, {{3}}).",
    )


def test_a_repeated_positional_variable_counts_once(registry: TemplateRegistry) -> None:
    payload = template("x", body("Hi {{1}}, yes you {{1}}, welcome back to us.", "Jessica"))
    assert registry.create(payload)


def test_named_variable_needs_named_parameter_format(registry: TemplateRegistry) -> None:
    payload = template("x", body("Hi {{name}}, your order has shipped."))
    error = rejected(lambda: registry.create(payload))
    assert (error.code, error.details) == (
        100,
        'BODY: {{name}} is a named variable; named variables need parameter_format "NAMED".',
    )


def test_positional_variable_is_refused_in_a_named_template(registry: TemplateRegistry) -> None:
    payload = template(
        "x", body("Hi {{1}}, your order has shipped.", "a"), parameter_format="NAMED"
    )
    error = rejected(lambda: registry.create(payload))
    assert error.code == 100
    assert error.details.startswith("BODY: {{1}} is a positional variable but parameter_format")


@pytest.mark.parametrize("variable", ["{{Name}}", "{{first name}}", "{{}}", "{{order-id}}"])
def test_named_variables_are_lowercase_letters_and_underscores(
    registry: TemplateRegistry, variable: str
) -> None:
    payload = template(
        "x", body(f"Hi {variable}, your order has shipped."), parameter_format="NAMED"
    )
    error = rejected(lambda: registry.create(payload))
    assert error.code == 2388047
    assert error.details.startswith(f"BODY: {variable} is not a valid variable")


def test_unbalanced_braces_are_refused(registry: TemplateRegistry) -> None:
    payload = template("x", body("Hi {{1}}, your order {{2 has shipped.", "a"))
    error = rejected(lambda: registry.create(payload))
    assert (error.code, error.details) == (
        2388047,
        "BODY: text has unbalanced variable braces {{ }}.",
    )


def test_body_can_not_start_with_a_variable(registry: TemplateRegistry) -> None:
    payload = template("x", body("{{1}}, your order has shipped today.", "Jessica"))
    error = rejected(lambda: registry.create(payload))
    assert error.code == 2388299
    assert error.details.startswith("BODY: a variable can't be at the very start or end")


def test_body_can_not_end_with_a_variable(registry: TemplateRegistry) -> None:
    payload = template("x", body("Your order has shipped to {{1}}", "Jessica"))
    error = rejected(lambda: registry.create(payload))
    assert (error.code, error.details) == (
        2388299,
        "BODY: a variable can't be at the very start or end of the text; "
        "put some words before the first variable and after the last one.",
    )


def test_variables_can_not_be_next_to_each_other(registry: TemplateRegistry) -> None:
    payload = template("x", body("Hello there {{1}}{{2}} and thanks for ordering.", "a", "b"))
    error = rejected(lambda: registry.create(payload))
    assert (error.code, error.details) == (
        2388047,
        "BODY: variables {{1}} and {{2}} are next to each other; separate them with some text.",
    )


def test_variables_separated_only_by_a_space_count_as_adjacent(
    registry: TemplateRegistry,
) -> None:
    payload = template("x", body("Hello there {{1}} {{2}} and thanks for ordering.", "a", "b"))
    error = rejected(lambda: registry.create(payload))
    assert (error.code, error.details) == (
        2388047,
        "BODY: variables {{1}} and {{2}} are next to each other; separate them with some text.",
    )


def test_each_variable_needs_two_words_of_static_text(registry: TemplateRegistry) -> None:
    payload = template("x", body("Hi {{1}}, order {{2}} ok", "a", "b"))
    error = rejected(lambda: registry.create(payload))
    assert (error.code, error.details) == (
        2388293,
        "BODY: 2 variables need at least 4 words of other text (found 3); "
        "shorten the variables or lengthen the text.",
    )


def test_body_variables_need_examples(registry: TemplateRegistry) -> None:
    payload = template("x", body("Hi {{1}}, your order has shipped."))
    error = rejected(lambda: registry.create(payload))
    assert (error.code, error.details) == (
        100,
        "BODY: example.body_text is required: [[1 values]], one sample per variable.",
    )


def test_body_examples_must_match_the_number_of_variables(registry: TemplateRegistry) -> None:
    payload = template("x", body("Hi {{1}}, your order {{2}} has shipped today.", "Jessica"))
    error = rejected(lambda: registry.create(payload))
    assert (error.code, error.details) == (
        100,
        "BODY: example.body_text is required: [[2 values]], one sample per variable.",
    )


def test_named_body_variables_need_named_examples(registry: TemplateRegistry) -> None:
    payload = order_status_update()
    payload["components"][1]["example"]["body_text_named_params"].pop()
    error = rejected(lambda: registry.create(payload))
    assert (error.code, error.details) == (
        100,
        "BODY: example.body_text_named_params is required: one {param_name, example} "
        "for each of customer_name, status.",
    )


# --- creation: buttons ----------------------------------------------------------------------------


def buttons(*items: dict[str, Any]) -> dict[str, Any]:
    return template(
        "with_buttons", body("Your order has shipped."), {"type": "BUTTONS", "buttons": list(items)}
    )


def quick_reply(label: str = "Stop updates") -> dict[str, Any]:
    return {"type": "QUICK_REPLY", "text": label}


def url_button(url: str = "https://shop.example/help", **extra: Any) -> dict[str, Any]:
    return {"type": "URL", "text": "Open", "url": url, **extra}


def test_ten_quick_replies_are_allowed(registry: TemplateRegistry) -> None:
    assert registry.create(buttons(*(quick_reply(f"Choice {n}") for n in range(10))))


def test_more_than_ten_buttons_are_refused(registry: TemplateRegistry) -> None:
    error = rejected(lambda: registry.create(buttons(*(quick_reply() for _ in range(11)))))
    assert (error.code, error.details) == (100, "A template can have at most 10 buttons (got 11).")


def test_more_than_two_url_buttons_are_refused(registry: TemplateRegistry) -> None:
    error = rejected(lambda: registry.create(buttons(url_button(), url_button(), url_button())))
    assert (error.code, error.details) == (100, "A template can have at most 2 URL buttons.")


def test_more_than_one_phone_button_is_refused(registry: TemplateRegistry) -> None:
    phone = {"type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+15550051310"}
    error = rejected(lambda: registry.create(buttons(phone, phone)))
    assert (error.code, error.details) == (
        100,
        "A template can have at most 1 PHONE_NUMBER buttons.",
    )


def test_more_than_one_copy_code_button_is_refused(registry: TemplateRegistry) -> None:
    coupon = {"type": "COPY_CODE", "example": "SAVE25"}
    error = rejected(lambda: registry.create(buttons(coupon, coupon)))
    assert (error.code, error.details) == (100, "A template can have at most 1 COPY_CODE buttons.")


def test_button_label_may_have_25_characters_but_not_26(registry: TemplateRegistry) -> None:
    registry.create(buttons(quick_reply("b" * 25)))
    error = rejected(lambda: registry.create(buttons(quick_reply("b" * 26)) | {"name": "other"}))
    assert (error.code, error.details) == (
        2388040,
        f"Button text '{'b' * 26}' is 26 characters; the limit is 25.",
    )


def test_url_button_needs_an_https_url(registry: TemplateRegistry) -> None:
    error = rejected(lambda: registry.create(buttons(url_button("http://shop.example/help"))))
    assert (error.code, error.details) == (
        100,
        "Param components[1]['buttons'][0]['url'] must be a valid https:// URL.",
    )


def test_url_variable_must_be_at_the_end(registry: TemplateRegistry) -> None:
    button = url_button(
        "https://shop.example/{{1}}/track", example=["https://shop.example/1/track"]
    )
    error = rejected(lambda: registry.create(buttons(button)))
    assert (error.code, error.details) == (
        100,
        "Param components[1]['buttons'][0]['url'] can have one variable, {{1}}, at the very end.",
    )


def test_url_variable_needs_an_example(registry: TemplateRegistry) -> None:
    error = rejected(lambda: registry.create(buttons(url_button("https://shop.example/t/{{1}}"))))
    assert error.code == 100
    assert error.details.startswith(
        "Param components[1]['buttons'][0]['example'] is required for a URL with a variable"
    )


def test_quick_replies_must_be_grouped(registry: TemplateRegistry) -> None:
    error = rejected(lambda: registry.create(buttons(quick_reply(), url_button(), quick_reply())))
    assert (error.code, error.details) == (
        100,
        "QUICK_REPLY buttons must be grouped together, not mixed with others.",
    )


def test_otp_buttons_are_only_for_authentication(registry: TemplateRegistry) -> None:
    otp = {"type": "OTP", "otp_type": "COPY_CODE"}
    error = rejected(lambda: registry.create(buttons(otp)))
    assert (error.code, error.details) == (
        100,
        "OTP buttons are only for AUTHENTICATION templates.",
    )


def test_authentication_template_needs_an_otp_button(registry: TemplateRegistry) -> None:
    payload = login_code()
    payload["components"].pop()
    error = rejected(lambda: registry.create(payload))
    assert (error.code, error.details) == (100, "AUTHENTICATION templates need an OTP button.")


def test_authentication_template_can_not_have_its_own_body_text(
    registry: TemplateRegistry,
) -> None:
    payload = login_code()
    payload["components"][0]["text"] = "Your code is {{1}} friend."
    error = rejected(lambda: registry.create(payload))
    assert error.code == 100
    assert error.details.startswith("AUTHENTICATION templates use WhatsApp's fixed body text")


# --- management: get, find, list, delete, status ------------------------------------------------


def test_a_new_registry_has_only_hello_world() -> None:
    registry = make_registry()
    page, cursor = registry.list()
    assert [t.name for t in page] == ["hello_world"]
    assert cursor is None
    hello = page[0]
    assert (hello.language, hello.category, hello.status) == (
        "en_US",
        TemplateCategory.UTILITY,
        TemplateStatus.APPROVED,
    )


def test_find_matches_the_exact_language(registry: TemplateRegistry) -> None:
    created = registry.create(template(language="en"))
    assert registry.find("order_shipped", "en") is created
    assert registry.find("order_shipped", "en_US") is None
    assert registry.get(created.id) is created


def test_to_graph_describes_the_template(registry: TemplateRegistry) -> None:
    created = registry.create(order_shipped())
    graph = created.to_graph()
    assert graph == {
        "id": created.id,
        "name": "order_shipped",
        "status": "PENDING",
        "category": "UTILITY",
        "language": "en_US",
        "components": order_shipped()["components"],
        "parameter_format": "POSITIONAL",
        "quality_score": {"score": "UNKNOWN", "date": int(NOW)},
    }


def test_to_graph_keeps_only_the_requested_fields_and_the_id(registry: TemplateRegistry) -> None:
    created = registry.create(order_shipped())
    assert created.to_graph({"name", "status"}) == {
        "id": created.id,
        "name": "order_shipped",
        "status": "PENDING",
    }


def test_to_graph_of_a_rejected_template_gives_the_reason(registry: TemplateRegistry) -> None:
    created = registry.create(order_shipped())
    registry.set_status(created.id, TemplateStatus.REJECTED, "INVALID_FORMAT")
    assert created.to_graph({"rejected_reason"})["rejected_reason"] == "INVALID_FORMAT"


def test_approved_templates_score_green(registry: TemplateRegistry) -> None:
    created = approved(registry, order_shipped())
    assert created.to_graph()["quality_score"] == {"score": "GREEN", "date": int(NOW)}


def test_list_filters_by_name_status_category_and_language(registry: TemplateRegistry) -> None:
    shipped = approved(registry, order_shipped())
    registry.create(template("promo", body("Big sale today only."), category="MARKETING"))
    registry.create(template(language="pt_BR"))

    def names(**filters: Any) -> list[tuple[str, str]]:
        return [(t.name, t.language) for t in registry.list(**filters)[0]]

    assert names(name="order_shipped") == [("order_shipped", "en_US"), ("order_shipped", "pt_BR")]
    assert names(status="PENDING") == [("promo", "en_US"), ("order_shipped", "pt_BR")]
    assert names(category="MARKETING") == [("promo", "en_US")]
    assert names(language="pt_BR") == [("order_shipped", "pt_BR")]
    assert names(status="APPROVED", category="UTILITY", language="en_US") == [
        ("hello_world", "en_US"),
        (shipped.name, "en_US"),
    ]


def test_list_pages_with_an_after_cursor(registry: TemplateRegistry) -> None:
    for number in range(4):
        registry.create(template(f"template_{number}"))
    first, cursor = registry.list(limit=2)
    assert [t.name for t in first] == ["hello_world", "template_0"]
    assert cursor is not None
    second, cursor = registry.list(limit=2, after=cursor)
    assert [t.name for t in second] == ["template_1", "template_2"]
    last, cursor = registry.list(limit=2, after=cursor)
    assert [t.name for t in last] == ["template_3"]
    assert cursor is None


def test_a_cursor_survives_deleting_the_template_it_points_at(registry: TemplateRegistry) -> None:
    for number in range(3):
        registry.create(template(f"template_{number}"))
    _, cursor = registry.list(limit=2)
    registry.delete(name="template_0")
    rest, _ = registry.list(after=cursor)
    assert [t.name for t in rest] == ["template_1", "template_2"]


def test_list_refuses_a_cursor_it_did_not_hand_out(registry: TemplateRegistry) -> None:
    error = rejected(lambda: registry.list(after="not-a-cursor"))
    assert (error.code, error.details) == (100, "Param after is not a valid cursor (not-a-cursor).")


def test_list_refuses_an_unknown_status_filter(registry: TemplateRegistry) -> None:
    error = rejected(lambda: registry.list(status="LIVE"))
    assert error.code == 100
    assert error.details.startswith("Param status must be one of {PENDING, APPROVED")


def test_list_refuses_a_limit_below_one(registry: TemplateRegistry) -> None:
    error = rejected(lambda: registry.list(limit=0))
    assert (error.code, error.details) == (100, "Param limit must be a positive integer.")


def test_delete_by_name_removes_every_language(registry: TemplateRegistry) -> None:
    registry.create(template(language="en"))
    registry.create(template(language="es"))
    deleted = registry.delete(name="order_shipped")
    assert sorted(t.language for t in deleted) == ["en", "es"]
    assert registry.find("order_shipped", "en") is None
    assert registry.find("order_shipped", "es") is None


def test_delete_by_hsm_id_removes_one_language(registry: TemplateRegistry) -> None:
    english = registry.create(template(language="en"))
    registry.create(template(language="es"))
    assert registry.delete(name="order_shipped", hsm_id=english.id) == [english]
    assert registry.find("order_shipped", "en") is None
    assert registry.find("order_shipped", "es") is not None


def test_delete_of_an_unknown_name_is_refused(registry: TemplateRegistry) -> None:
    error = rejected(lambda: registry.delete(name="nope"))
    assert (error.code, error.details) == (100, "Message template with name (nope) was not found.")


def test_delete_by_hsm_id_must_match_the_name(registry: TemplateRegistry) -> None:
    created = registry.create(template())
    error = rejected(lambda: registry.delete(name="other_name", hsm_id=created.id))
    assert (error.code, error.details) == (
        100,
        f"Message template with name (other_name) and hsm_id ({created.id}) was not found.",
    )
    assert registry.get(created.id) is created


def test_deleted_name_and_language_can_be_created_again(registry: TemplateRegistry) -> None:
    registry.create(template())
    registry.delete(name="order_shipped")
    assert registry.create(template()).status is TemplateStatus.PENDING


def test_set_status_and_set_category_refuse_unknown_ids(registry: TemplateRegistry) -> None:
    for call in (
        lambda: registry.set_status("123", TemplateStatus.APPROVED),
        lambda: registry.set_category("123", TemplateCategory.MARKETING),
    ):
        error = rejected(call)
        assert (error.code, error.details) == (
            100,
            "Unsupported request: object with ID '123' does not exist.",
        )


def test_leaving_rejected_clears_the_reason(registry: TemplateRegistry) -> None:
    created = registry.create(template())
    registry.set_status(created.id, TemplateStatus.REJECTED, "PROMOTIONAL")
    registry.set_status(created.id, TemplateStatus.APPROVED)
    assert created.rejected_reason is None


def test_set_category_recategorises_without_changing_status(registry: TemplateRegistry) -> None:
    created = approved(registry, order_shipped())
    registry.set_category(created.id, TemplateCategory.MARKETING)
    assert (created.category, created.status) == (
        TemplateCategory.MARKETING,
        TemplateStatus.APPROVED,
    )


def test_reset_leaves_only_the_defaults(registry: TemplateRegistry) -> None:
    registry.create(order_shipped())
    registry.reset()
    assert [t.name for t in registry.list()[0]] == ["hello_world"]


# --- sending: lookup and status ----------------------------------------------------------------


def test_hello_world_renders_header_body_and_footer(registry: TemplateRegistry) -> None:
    rendered = registry.render_send(send("hello_world"))
    lines = rendered.text.split("\n")
    assert lines[0] == "Hello World"
    assert lines[1].startswith("Welcome and congratulations!!")
    assert lines[2] == "WhatsApp Business Platform sample message"
    assert (rendered.name, rendered.language, rendered.category) == (
        "hello_world",
        "en_US",
        TemplateCategory.UTILITY,
    )


def test_unknown_template_name_is_132001(registry: TemplateRegistry) -> None:
    error = rejected(lambda: registry.render_send(send("order_shipped", language="en")))
    assert (error.code, error.details) == (
        132001,
        "template name (order_shipped) does not exist in en",
    )


def test_en_and_en_us_are_different_templates(registry: TemplateRegistry) -> None:
    error = rejected(lambda: registry.render_send(send("hello_world", language="en")))
    assert (error.code, error.details) == (
        132001,
        "template name (hello_world) does not exist in en",
    )


@pytest.mark.parametrize("status", [TemplateStatus.PENDING, TemplateStatus.REJECTED])
def test_unapproved_template_is_132001(registry: TemplateRegistry, status: TemplateStatus) -> None:
    created = registry.create(template("plain", body("Your order has shipped.")))
    registry.set_status(created.id, status)
    error = rejected(lambda: registry.render_send(send("plain")))
    assert error.code == 132001
    assert error.details == (
        f"template name (plain) does not exist in en_US: its status is {status}, "
        "and only APPROVED can be sent"
    )


def test_paused_template_is_132015(registry: TemplateRegistry) -> None:
    created = approved(registry, template("plain", body("Your order has shipped.")))
    registry.set_status(created.id, TemplateStatus.PAUSED)
    error = rejected(lambda: registry.render_send(send("plain")))
    assert error.code == 132015
    assert error.details.startswith("template name (plain) in en_US is paused")


def test_disabled_template_is_132016(registry: TemplateRegistry) -> None:
    created = approved(registry, template("plain", body("Your order has shipped.")))
    registry.set_status(created.id, TemplateStatus.DISABLED)
    error = rejected(lambda: registry.render_send(send("plain")))
    assert error.code == 132016
    assert error.details.startswith("template name (plain) in en_US is disabled")


def test_template_name_is_required(registry: TemplateRegistry) -> None:
    error = rejected(lambda: registry.render_send({"language": {"code": "en_US"}}))
    assert (error.code, error.details) == (131008, "The parameter template['name'] is required.")


def test_language_must_be_an_object_with_a_code(registry: TemplateRegistry) -> None:
    error = rejected(lambda: registry.render_send({"name": "hello_world", "language": "en_US"}))
    assert (error.code, error.details) == (100, "Param template['language'] must be an object.")


# --- sending: positional parameters ------------------------------------------------------------


@pytest.fixture
def shipped(registry: TemplateRegistry) -> TemplateRegistry:
    approved(registry, order_shipped())
    return registry


def test_positional_parameters_fill_variables_in_order(shipped: TemplateRegistry) -> None:
    rendered = shipped.render_send(send("order_shipped", IMAGE, SHIPPED_BODY, TRACKING))
    assert rendered.text == (
        "[image]\n"
        "Hi Jessica, your order ORD-1234 has shipped and arrives Friday.\n"
        "Reply STOP to opt out of shipping updates"
    )
    assert rendered.buttons == ["Stop updates", "Track order", "Call us"]


def test_missing_body_parameters_are_132000(shipped: TemplateRegistry) -> None:
    error = rejected(lambda: shipped.render_send(send("order_shipped", IMAGE, TRACKING)))
    assert (error.code, error.details) == (
        132000,
        "body: number of localizable_params (0) does not match the expected number of params (3)",
    )


def test_extra_body_parameters_are_132000(shipped: TemplateRegistry) -> None:
    too_many = component("body", text("a"), text("b"), text("c"), text("d"))
    error = rejected(lambda: shipped.render_send(send("order_shipped", IMAGE, too_many, TRACKING)))
    assert (error.code, error.details) == (
        132000,
        "body: number of localizable_params (4) does not match the expected number of params (3)",
    )


def test_parameters_for_a_template_without_variables_are_132000(
    registry: TemplateRegistry,
) -> None:
    error = rejected(
        lambda: registry.render_send(send("hello_world", component("body", text("x"))))
    )
    assert (error.code, error.details) == (
        132000,
        "body: number of localizable_params (1) does not match the expected number of params (0)",
    )


def test_parameter_name_on_a_positional_template_is_132012(shipped: TemplateRegistry) -> None:
    named = component("body", text("Jessica", "name"), text("ORD-1234"), text("Friday"))
    error = rejected(lambda: shipped.render_send(send("order_shipped", IMAGE, named, TRACKING)))
    assert (error.code, error.details) == (
        132012,
        "body: parameter 1 has a parameter_name, but the template uses POSITIONAL parameters.",
    )


def test_currency_and_date_time_render_their_fallback_values(shipped: TemplateRegistry) -> None:
    parameters = component(
        "body",
        text("Jessica"),
        {
            "type": "currency",
            "currency": {"fallback_value": "$19.99", "code": "USD", "amount_1000": 19990},
        },
        {"type": "date_time", "date_time": {"fallback_value": "August 5, 2025"}},
    )
    rendered = shipped.render_send(send("order_shipped", IMAGE, parameters, TRACKING))
    assert rendered.text.startswith(
        "[image]\nHi Jessica, your order $19.99 has shipped and arrives August 5, 2025."
    )


def test_currency_needs_an_amount(shipped: TemplateRegistry) -> None:
    parameters = component(
        "body",
        text("Jessica"),
        {"type": "currency", "currency": {"fallback_value": "$19.99", "code": "USD"}},
        text("Friday"),
    )
    error = rejected(
        lambda: shipped.render_send(send("order_shipped", IMAGE, parameters, TRACKING))
    )
    assert (error.code, error.details) == (
        131008,
        "The parameter template['components'][1]['parameters'][1]['currency']['amount_1000'] "
        "is required.",
    )


def test_image_in_the_body_is_132012(shipped: TemplateRegistry) -> None:
    parameters = component("body", text("Jessica"), IMAGE["parameters"][0], text("Friday"))
    error = rejected(
        lambda: shipped.render_send(send("order_shipped", IMAGE, parameters, TRACKING))
    )
    assert (error.code, error.details) == (
        132012,
        "body: parameter 2 has type (image), but this component takes text, currency or date_time.",
    )


@pytest.mark.parametrize("value", ["", "   "])
def test_empty_text_parameter_is_131008(shipped: TemplateRegistry, value: str) -> None:
    parameters = component("body", text(value), text("ORD-1234"), text("Friday"))
    error = rejected(
        lambda: shipped.render_send(send("order_shipped", IMAGE, parameters, TRACKING))
    )
    assert (error.code, error.details) == (
        131008,
        "The parameter template['components'][1]['parameters'][0]['text'] is required "
        "and can't be empty.",
    )


@pytest.mark.parametrize("value", ["Jess\nica", "Jess\tica", "Jess     ica"])
def test_newlines_tabs_and_five_spaces_are_132018(shipped: TemplateRegistry, value: str) -> None:
    parameters = component("body", text(value), text("ORD-1234"), text("Friday"))
    error = rejected(
        lambda: shipped.render_send(send("order_shipped", IMAGE, parameters, TRACKING))
    )
    assert (error.code, error.details) == (132018, WHITESPACE_DETAILS)


def test_four_consecutive_spaces_are_allowed(shipped: TemplateRegistry) -> None:
    parameters = component("body", text("Jess    ica"), text("ORD-1234"), text("Friday"))
    rendered = shipped.render_send(send("order_shipped", IMAGE, parameters, TRACKING))
    assert rendered.text.startswith("[image]\nHi Jess    ica,")


def test_hydrated_body_over_1024_characters_is_132005(shipped: TemplateRegistry) -> None:
    parameters = component("body", text("J" * 1000), text("ORD-1234"), text("Friday"))
    error = rejected(
        lambda: shipped.render_send(send("order_shipped", IMAGE, parameters, TRACKING))
    )
    assert error.code == 132005
    assert error.details.startswith("body: the text with its parameters is 1056 characters")


def test_unknown_component_type_is_100(shipped: TemplateRegistry) -> None:
    footer = component("footer", text("x"))
    error = rejected(
        lambda: shipped.render_send(send("order_shipped", IMAGE, SHIPPED_BODY, TRACKING, footer))
    )
    assert (error.code, error.details) == (
        100,
        "Param template['components'][3]['type'] has an unknown component type (footer); "
        "use header, body or button.",
    )


def test_components_in_any_case_are_accepted(shipped: TemplateRegistry) -> None:
    upper = [copy.deepcopy(c) for c in (IMAGE, SHIPPED_BODY, TRACKING)]
    for item in upper:
        item["type"] = item["type"].upper()
    upper[2]["sub_type"] = "URL"
    assert shipped.render_send(send("order_shipped", *upper)).urls[1].endswith("ORD-1234")


# --- sending: named parameters -----------------------------------------------------------------


@pytest.fixture
def status_update(registry: TemplateRegistry) -> TemplateRegistry:
    approved(registry, order_status_update())
    return registry


NAMED_HEADER = component("header", text("ORD-1234", "order_id"))


def test_named_parameters_fill_variables_by_name_in_any_order(
    status_update: TemplateRegistry,
) -> None:
    parameters = component("body", text("shipped", "status"), text("Alex", "customer_name"))
    rendered = status_update.render_send(send("order_status_update", NAMED_HEADER, parameters))
    assert rendered.text == (
        "Order ORD-1234 update\nHi Alex, your order is now shipped with our courier."
    )


def test_named_template_needs_parameter_names(status_update: TemplateRegistry) -> None:
    parameters = component("body", text("Alex"), text("shipped"))
    error = rejected(
        lambda: status_update.render_send(send("order_status_update", NAMED_HEADER, parameters))
    )
    assert (error.code, error.details) == (
        132012,
        "body: parameter 1 needs a parameter_name: the template uses NAMED parameters.",
    )


def test_unknown_parameter_name_is_132000(status_update: TemplateRegistry) -> None:
    parameters = component("body", text("Alex", "customer_name"), text("shipped", "state"))
    error = rejected(
        lambda: status_update.render_send(send("order_status_update", NAMED_HEADER, parameters))
    )
    assert (error.code, error.details) == (
        132000,
        "body: parameter_name (state) is not in the template; expected: customer_name, status.",
    )


def test_repeated_parameter_name_is_132000(status_update: TemplateRegistry) -> None:
    parameters = component("body", text("Alex", "customer_name"), text("Al", "customer_name"))
    error = rejected(
        lambda: status_update.render_send(send("order_status_update", NAMED_HEADER, parameters))
    )
    assert error.code == 132000
    assert error.details.startswith("body: parameter_name (customer_name) is given twice")


def test_missing_header_parameter_is_132000(status_update: TemplateRegistry) -> None:
    parameters = component("body", text("Alex", "customer_name"), text("shipped", "status"))
    error = rejected(lambda: status_update.render_send(send("order_status_update", parameters)))
    assert (error.code, error.details) == (
        132000,
        "header: number of localizable_params (0) does not match the expected number of params (1)",
    )


# --- sending: header media ---------------------------------------------------------------------


def header(parameter: dict[str, Any]) -> dict[str, Any]:
    return component("header", parameter)


def test_media_header_shows_as_a_placeholder_and_hands_back_its_media(
    shipped: TemplateRegistry,
) -> None:
    rendered = shipped.render_send(send("order_shipped", IMAGE, SHIPPED_BODY, TRACKING))
    assert rendered.text.split("\n")[0] == "[image]"
    assert (rendered.header_format, rendered.header_media) == (
        "IMAGE",
        {"link": "https://cdn.example/box.jpg"},
    )


def test_image_header_by_id_is_accepted(shipped: TemplateRegistry) -> None:
    by_id = header({"type": "image", "image": {"id": "1234567890"}})
    rendered = shipped.render_send(send("order_shipped", by_id, SHIPPED_BODY, TRACKING))
    assert rendered.header_media == {"id": "1234567890"}


def test_image_header_with_id_and_link_is_131009(shipped: TemplateRegistry) -> None:
    both = header({"type": "image", "image": {"id": "1", "link": "https://cdn.example/a.jpg"}})
    error = rejected(
        lambda: shipped.render_send(send("order_shipped", both, SHIPPED_BODY, TRACKING))
    )
    assert (error.code, error.details) == (
        131009,
        "Param template['components'][0]['parameters'][0]['image'] must contain either id or "
        "link, not both.",
    )


def test_image_header_without_id_or_link_is_131008(shipped: TemplateRegistry) -> None:
    neither = header({"type": "image", "image": {}})
    error = rejected(
        lambda: shipped.render_send(send("order_shipped", neither, SHIPPED_BODY, TRACKING))
    )
    assert (error.code, error.details) == (
        131008,
        "The parameter template['components'][0]['parameters'][0]['image']['id'] or "
        "template['components'][0]['parameters'][0]['image']['link'] is required.",
    )


def test_video_for_an_image_header_is_132012(shipped: TemplateRegistry) -> None:
    video = header({"type": "video", "video": {"link": "https://cdn.example/a.mp4"}})
    error = rejected(
        lambda: shipped.render_send(send("order_shipped", video, SHIPPED_BODY, TRACKING))
    )
    assert (error.code, error.details) == (
        132012,
        "header: parameter type (video) does not match the template's IMAGE header.",
    )


def test_text_for_an_image_header_is_132012(shipped: TemplateRegistry) -> None:
    error = rejected(
        lambda: shipped.render_send(
            send("order_shipped", header(text("x")), SHIPPED_BODY, TRACKING)
        )
    )
    assert (error.code, error.details) == (
        132012,
        "header: parameter type (text) does not match the template's IMAGE header.",
    )


def test_missing_media_header_is_132000(shipped: TemplateRegistry) -> None:
    error = rejected(lambda: shipped.render_send(send("order_shipped", SHIPPED_BODY, TRACKING)))
    assert (error.code, error.details) == (
        132000,
        "header: number of localizable_params (0) does not match the expected number of params (1)",
    )


@pytest.fixture
def pickup(registry: TemplateRegistry) -> TemplateRegistry:
    location_header = {"type": "HEADER", "format": "LOCATION"}
    approved(registry, template("pickup", location_header, body("Collect your parcel here.")))
    return registry


def test_location_header_takes_coordinates(pickup: TemplateRegistry) -> None:
    hub = {"latitude": 37.48, "longitude": -122.15, "name": "Hub", "address": "1 Main St"}
    rendered = pickup.render_send(send("pickup", header({"type": "location", "location": hub})))
    assert rendered.text == "Collect your parcel here."


def test_location_header_latitude_out_of_range_is_131009(pickup: TemplateRegistry) -> None:
    nowhere = {"type": "location", "location": {"latitude": 137.0, "longitude": 0}}
    error = rejected(lambda: pickup.render_send(send("pickup", header(nowhere))))
    assert (error.code, error.details) == (
        131009,
        "Param template['components'][0]['parameters'][0]['location']['latitude'] "
        "must be between -90 and 90.",
    )


# --- sending: buttons --------------------------------------------------------------------------


def test_url_button_suffix_is_appended_to_the_base_url(shipped: TemplateRegistry) -> None:
    rendered = shipped.render_send(send("order_shipped", IMAGE, SHIPPED_BODY, TRACKING))
    assert rendered.urls == {1: "https://shop.example/t/ORD-1234"}


def test_static_url_buttons_need_no_parameters(registry: TemplateRegistry) -> None:
    approved(registry, buttons(url_button("https://shop.example/help")))
    assert registry.render_send(send("with_buttons")).urls == {0: "https://shop.example/help"}


def test_url_button_with_a_variable_needs_its_suffix(shipped: TemplateRegistry) -> None:
    error = rejected(lambda: shipped.render_send(send("order_shipped", IMAGE, SHIPPED_BODY)))
    assert (error.code, error.details) == (
        132000,
        "button 1 (URL): number of localizable_params (0) does not match the expected number "
        "of params (1)",
    )


def test_quick_reply_payloads_are_kept_by_index(shipped: TemplateRegistry) -> None:
    stop = button("quick_reply", 0, {"type": "payload", "payload": "STOP_SHIPPING:ORD-1234"})
    rendered = shipped.render_send(send("order_shipped", IMAGE, SHIPPED_BODY, TRACKING, stop))
    assert rendered.quick_reply_payloads == {0: "STOP_SHIPPING:ORD-1234"}


def test_quick_reply_without_a_payload_echoes_its_label(shipped: TemplateRegistry) -> None:
    rendered = shipped.render_send(send("order_shipped", IMAGE, SHIPPED_BODY, TRACKING))
    assert rendered.quick_reply_payloads == {0: "Stop updates"}


def test_button_index_may_be_a_string_or_an_integer(shipped: TemplateRegistry) -> None:
    as_int = button("url", 1, text("ORD-1234"))
    rendered = shipped.render_send(send("order_shipped", IMAGE, SHIPPED_BODY, as_int))
    assert rendered.urls == {1: "https://shop.example/t/ORD-1234"}


def test_button_index_out_of_range_is_131009(shipped: TemplateRegistry) -> None:
    stray = button("quick_reply", "7", {"type": "payload", "payload": "x"})
    error = rejected(
        lambda: shipped.render_send(send("order_shipped", IMAGE, SHIPPED_BODY, TRACKING, stray))
    )
    assert (error.code, error.details) == (
        131009,
        "Param template['components'][3]['index']: button index 7 is out of range; "
        "the template has 3 buttons.",
    )


def test_button_sub_type_must_match_the_button_at_that_index(shipped: TemplateRegistry) -> None:
    wrong = button("url", "0", text("ORD-1234"))
    error = rejected(
        lambda: shipped.render_send(send("order_shipped", IMAGE, SHIPPED_BODY, TRACKING, wrong))
    )
    assert (error.code, error.details) == (
        132012,
        "button 0: sub_type (url) does not match the template's QUICK_REPLY button at that index.",
    )


def test_quick_reply_needs_a_payload_parameter(shipped: TemplateRegistry) -> None:
    wrong = button("quick_reply", "0", text("STOP"))
    error = rejected(
        lambda: shipped.render_send(send("order_shipped", IMAGE, SHIPPED_BODY, TRACKING, wrong))
    )
    assert (error.code, error.details) == (
        132012,
        "button 0 (QUICK_REPLY): parameter type (text) should be payload.",
    )


@pytest.fixture
def coupon(registry: TemplateRegistry) -> TemplateRegistry:
    approved(
        registry,
        template(
            "spring_sale",
            body("Spring sale: use the code below at checkout."),
            {"type": "BUTTONS", "buttons": [{"type": "COPY_CODE", "example": "SPRING25"}]},
            category="MARKETING",
        ),
    )
    return registry


def test_copy_code_button_takes_a_coupon_code(coupon: TemplateRegistry) -> None:
    code = button("copy_code", 0, {"type": "coupon_code", "coupon_code": "SPRING25"})
    rendered = coupon.render_send(send("spring_sale", code))
    assert rendered.buttons == ["Copy offer code"]
    assert rendered.category is TemplateCategory.MARKETING


def test_copy_code_over_15_characters_is_131009(coupon: TemplateRegistry) -> None:
    code = button("copy_code", 0, {"type": "coupon_code", "coupon_code": "C" * 16})
    error = rejected(lambda: coupon.render_send(send("spring_sale", code)))
    assert (error.code, error.details) == (
        131009,
        "Param template['components'][0]['parameters'][0]['coupon_code'] can be at most 15 "
        "characters long.",
    )


def test_copy_code_button_needs_its_coupon(coupon: TemplateRegistry) -> None:
    error = rejected(lambda: coupon.render_send(send("spring_sale")))
    assert (error.code, error.details) == (
        132000,
        "button 0 (COPY_CODE): number of localizable_params (0) does not match the expected "
        "number of params (1)",
    )


def test_authentication_template_renders_the_code(registry: TemplateRegistry) -> None:
    approved(registry, login_code())
    otp = [component("body", text("123456")), button("url", 0, text("123456"))]
    rendered = registry.render_send(send("login_code", *otp))
    assert rendered.text == (
        "*123456* is your verification code. For your security, do not share this code.\n"
        "This code expires in 5 minutes."
    )
    assert rendered.buttons == ["Copy code"]


# --- garbage in, GraphError out ------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def node_paths(value: object, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every node inside a JSON-like value, the root included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += node_paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += node_paths(child, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, valid: dict[str, Any]) -> object:
    """``valid`` with one to three of its nodes replaced by arbitrary JSON.

    Mutating a valid request reaches the deep checks that purely random values never get past.
    """
    document: object = copy.deepcopy(valid)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(node_paths(document)))
        replacement = draw(json_values)
        if not path:
            document = replacement
            continue
        parent: Any = document
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = replacement
    return document


VALID_CREATIONS = [order_shipped(), order_status_update(), login_code(), buttons(quick_reply())]
VALID_SENDS = [
    send("order_shipped", IMAGE, SHIPPED_BODY, TRACKING),
    send(
        "order_status_update",
        NAMED_HEADER,
        component("body", text("Alex", "customer_name"), text("shipped", "status")),
    ),
    send("login_code", component("body", text("123456")), button("url", 0, text("123456"))),
]


@given(json_values | st.one_of(*(mutated(valid) for valid in VALID_CREATIONS)))
def test_create_raises_only_graph_errors_for_any_json(payload: object) -> None:
    registry = make_registry()
    with contextlib.suppress(GraphError):
        registry.create(payload)


@given(json_values | st.one_of(*(mutated(valid) for valid in VALID_SENDS)))
def test_render_send_raises_only_graph_errors_for_any_json(payload: object) -> None:
    registry = make_registry()
    for valid in (order_shipped(), order_status_update(), login_code()):
        approved(registry, valid)
    with contextlib.suppress(GraphError):
        registry.render_send(payload)


def test_the_fuzzed_requests_are_valid_before_mutation() -> None:
    registry = make_registry()
    for valid in VALID_CREATIONS:
        approved(registry, valid)
    for valid in VALID_SENDS:
        assert registry.render_send(valid).template_id
