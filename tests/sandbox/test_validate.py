"""Specification of the sandbox's send validator: what the Cloud API accepts, and how it refuses."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordertalk.sandbox.errors import GraphError
from ordertalk.sandbox.model import ListRow, RenderedTemplate, TemplateCategory, ValidatedMessage
from ordertalk.sandbox.validate import MESSAGE_TYPES, validate_send
from ordertalk.sandbox.validate_interactive import INTERACTIVE_TYPES

PHONE = "16505551234"
WAMID = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"
RENDERED = RenderedTemplate(
    template_id="tpl-1",
    name="order_shipped",
    language="en_US",
    category=TemplateCategory.UTILITY,
    text="Your order ORD-1 has shipped.",
    buttons=["Track order", "Stop updates"],
)


def fake_render_template(template: Any) -> RenderedTemplate:
    """Stands in for the template registry: one known template; the name "missing" is unknown."""
    if isinstance(template, dict) and template.get("name") == "missing":
        raise GraphError(132001, "template name (missing) does not exist in en_US")
    return RENDERED


def validate(body: object) -> ValidatedMessage:
    return validate_send(
        body, render_template=fake_render_template, media_exists=lambda i: i == "media-1"
    )


def rejected(body: object) -> tuple[int, str]:
    with pytest.raises(GraphError) as info:
        validate(body)
    return info.value.code, info.value.details


def send(**fields: Any) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "to": PHONE, **fields}


def text(body: str = "Your parcel is on its way") -> dict[str, Any]:
    return send(type="text", text={"body": body})


def interactive(**parts: Any) -> dict[str, Any]:
    return send(type="interactive", interactive=parts)


def reply(button_id: str, title: str) -> dict[str, Any]:
    return {"type": "reply", "reply": {"id": button_id, "title": title}}


def buttons(*items: dict[str, Any], **parts: Any) -> dict[str, Any]:
    return interactive(
        type="button",
        body={"text": "When should we deliver?"},
        action={"buttons": list(items)},
        **parts,
    )


def rows(count: int, prefix: str = "r") -> list[dict[str, Any]]:
    return [{"id": f"{prefix}{i}", "title": f"Option {i}"} for i in range(count)]


def list_message(*sections: dict[str, Any], button: str = "See options") -> dict[str, Any]:
    return interactive(
        type="list",
        body={"text": "Pick a delivery speed"},
        action={"button": button, "sections": list(sections)},
    )


# --- envelope ---------------------------------------------------------------------------------


def test_a_text_send_is_accepted_and_shown_as_its_body() -> None:
    message = validate(text("Your order #1234 has shipped"))
    assert (message.type, message.text, message.wa_id) == (
        "text",
        "Your order #1234 has shipped",
        PHONE,
    )


def test_type_defaults_to_text_when_omitted() -> None:
    assert validate(send(text={"body": "hi"})).type == "text"


def test_the_raw_body_is_kept() -> None:
    body = text()
    assert validate(body).raw == body


@pytest.mark.parametrize("body", [[], "text", None, 42])
def test_a_body_that_is_not_a_json_object_is_rejected_with_100(body: object) -> None:
    assert rejected(body) == (100, "The request body must be a JSON object.")


def test_a_send_without_messaging_product_is_rejected_with_the_real_details() -> None:
    body = text()
    del body["messaging_product"]
    assert rejected(body) == (100, "The parameter messaging_product is required.")


def test_a_messaging_product_other_than_whatsapp_is_rejected() -> None:
    assert rejected({**text(), "messaging_product": "sms"}) == (
        100,
        "Param messaging_product must be one of {whatsapp}.",
    )


def test_an_unknown_top_level_key_is_rejected_naming_the_key() -> None:
    assert rejected({**text(), "priority": "high"}) == (
        100,
        'Unexpected key "priority" on param.',
    )


def test_an_object_named_after_another_type_is_an_unexpected_key() -> None:
    assert rejected({**text(), "image": {"id": "media-1"}}) == (
        100,
        'Unexpected key "image" on param.',
    )


def test_mark_as_read_fields_are_not_expected_on_a_send() -> None:
    assert rejected({**text(), "status": "read"}) == (100, 'Unexpected key "status" on param.')


@pytest.mark.parametrize("recipient_type", ["individual", "group"])
def test_known_recipient_types_are_accepted(recipient_type: str) -> None:
    assert validate({**text(), "recipient_type": recipient_type}).wa_id == PHONE


def test_an_unknown_recipient_type_is_rejected() -> None:
    assert rejected({**text(), "recipient_type": "broadcast"}) == (
        100,
        "Param recipient_type must be one of {individual, group}.",
    )


# --- recipient --------------------------------------------------------------------------------

BAD_TO = (
    "Param to must be a phone number with country code: 8 to 15 digits, not starting with 0 "
    "(+, spaces, dashes, dots and parentheses are ignored)."
)


def test_to_with_punctuation_is_normalised_to_digits_and_echoed_as_given() -> None:
    message = validate({**text(), "to": "+1 (650) 555-12.34"})
    assert (message.to_input, message.wa_id, message.user_id) == ("+1 (650) 555-12.34", PHONE, None)


@pytest.mark.parametrize(
    "to", ["1234567", "1234567890123456", "0016505551234", "+1 650 CALL NOW", "", "١٦٥٠٥٥٥١٢٣٤"]
)
def test_to_that_is_not_an_international_number_is_rejected(to: str) -> None:
    assert rejected({**text(), "to": to}) == (100, BAD_TO)


def test_to_that_is_not_a_string_is_rejected_as_a_wrong_type() -> None:
    assert rejected({**text(), "to": 16505551234}) == (100, "Param to must be a string.")


def test_a_bsuid_recipient_is_accepted_without_a_wa_id() -> None:
    body = text()
    del body["to"]
    message = validate({**body, "recipient": "US.13491208655302741918"})
    assert (message.to_input, message.wa_id, message.user_id) == (
        "US.13491208655302741918",
        None,
        "US.13491208655302741918",
    )


@pytest.mark.parametrize("recipient", ["us.1349", "US13491208655302741918", "USA.1", "US.12a"])
def test_a_malformed_bsuid_is_rejected(recipient: str) -> None:
    body = text()
    del body["to"]
    assert rejected({**body, "recipient": recipient}) == (
        100,
        "Param recipient must be a business-scoped user ID: two capital letters, a dot and "
        'digits, like "US.13491208655302741918".',
    )


def test_to_wins_when_both_to_and_recipient_are_given() -> None:
    message = validate({**text(), "recipient": "US.13491208655302741918"})
    assert (message.wa_id, message.user_id) == (PHONE, None)


def test_a_send_without_to_or_recipient_is_missing_to() -> None:
    body = text()
    del body["to"]
    assert rejected(body) == (131008, "The parameter to is required.")


# --- type and its object ----------------------------------------------------------------------


def test_an_unknown_type_is_rejected_listing_the_allowed_types() -> None:
    assert rejected(send(type="poll", poll={})) == (
        100,
        "Param type must be one of {text, image, video, audio, document, sticker, location, "
        "contacts, reaction, interactive, template}.",
    )


def test_a_missing_type_object_is_a_missing_parameter() -> None:
    assert rejected(send(type="image")) == (131008, "The parameter image is required.")


def test_a_type_object_that_is_not_an_object_is_rejected_with_100() -> None:
    assert rejected(send(type="text", text="hello")) == (100, "Param text must be an object.")


# --- text -------------------------------------------------------------------------------------


def test_text_without_body_is_missing_the_body() -> None:
    assert rejected(send(text={"preview_url": True})) == (
        131008,
        "The parameter text['body'] is required.",
    )


def test_text_body_over_4096_characters_is_rejected_with_the_real_details() -> None:
    assert rejected(text("x" * 4097)) == (
        100,
        "Param text['body'] must be at most 4096 characters long.",
    )


def test_text_body_of_exactly_4096_characters_is_accepted() -> None:
    assert len(validate(text("x" * 4096)).text) == 4096


def test_an_empty_text_body_is_rejected() -> None:
    assert rejected(text("")) == (100, "Param text['body'] must be at least 1 characters long.")


def test_preview_url_must_be_a_boolean() -> None:
    assert rejected(send(text={"body": "hi", "preview_url": "yes"})) == (
        100,
        "Param text['preview_url'] must be a boolean.",
    )


# --- media ------------------------------------------------------------------------------------


def test_an_image_by_uploaded_id_is_shown_with_its_caption() -> None:
    message = validate(send(type="image", image={"id": "media-1", "caption": "Your receipt"}))
    assert (message.text, message.media_links) == ("[image] Your receipt", [])


def test_a_document_by_link_records_the_link_and_shows_its_filename() -> None:
    message = validate(
        send(
            type="document",
            document={
                "link": "https://ex.com/invoice.pdf",
                "filename": "invoice.pdf",
                "caption": "Invoice",
            },
        )
    )
    assert (message.text, message.media_links) == (
        "[document invoice.pdf] Invoice",
        ["https://ex.com/invoice.pdf"],
    )


def test_media_with_both_id_and_link_is_rejected_with_131009() -> None:
    body = send(type="video", video={"id": "media-1", "link": "https://ex.com/v.mp4"})
    assert rejected(body) == (131009, "Param video must contain either id or link, not both.")


def test_media_with_neither_id_nor_link_is_a_missing_parameter() -> None:
    assert rejected(send(type="image", image={"caption": "hi"})) == (
        131008,
        "The parameter image['id'] or image['link'] is required.",
    )


def test_an_unknown_media_id_is_rejected_with_131009() -> None:
    assert rejected(send(type="sticker", sticker={"id": "media-404"})) == (
        131009,
        "Invalid media id in param sticker['id']: no uploaded media has this id.",
    )


@pytest.mark.parametrize(
    "link", ["ftp://ex.com/a.jpg", "ex.com/a.jpg", "https://", "http://[::1", "https://ex.com/a b"]
)
def test_a_link_that_is_not_an_http_url_is_rejected_with_131009(link: str) -> None:
    assert rejected(send(type="image", image={"link": link})) == (
        131009,
        "Invalid link in param image['link']: it must be an http or https URL.",
    )


def test_a_caption_over_1024_characters_is_rejected() -> None:
    assert rejected(send(type="image", image={"id": "media-1", "caption": "c" * 1025})) == (
        100,
        "Param image['caption'] must be at most 1024 characters long.",
    )


@pytest.mark.parametrize("kind", ["audio", "sticker"])
def test_audio_and_stickers_take_no_caption(kind: str) -> None:
    body = send(type=kind, **{kind: {"id": "media-1", "caption": "hi"}})
    assert rejected(body) == (100, f'Unexpected key "caption" on param "{kind}".')


def test_a_filename_is_only_for_documents() -> None:
    body = send(type="image", image={"id": "media-1", "filename": "a.jpg"})
    assert rejected(body) == (100, 'Unexpected key "filename" on param "image".')


def test_a_voice_note_is_accepted_as_audio() -> None:
    assert validate(send(type="audio", audio={"id": "media-1", "voice": True})).text == "[audio]"


def test_voice_must_be_a_boolean() -> None:
    assert rejected(send(type="audio", audio={"id": "media-1", "voice": "true"})) == (
        100,
        "Param audio['voice'] must be a boolean.",
    )


# --- location, contacts, reaction -------------------------------------------------------------


def location(**fields: Any) -> dict[str, Any]:
    return send(type="location", location={"latitude": 37.48, "longitude": -122.14, **fields})


def test_a_location_is_shown_with_its_name_and_address() -> None:
    message = validate(location(name="Pickup point", address="1 Hacker Way"))
    assert message.text == "[location] Pickup point, 1 Hacker Way"


def test_a_location_without_name_or_address_is_shown_as_coordinates() -> None:
    assert validate(location()).text == "[location] 37.48, -122.14"


@pytest.mark.parametrize(
    ("key", "value", "limit"), [("latitude", 90.5, 90), ("longitude", -181, 180)]
)
def test_coordinates_out_of_range_are_rejected_with_131009(
    key: str, value: float, limit: int
) -> None:
    assert rejected(location(**{key: value})) == (
        131009,
        f"Param location['{key}'] must be between -{limit} and {limit}.",
    )


@pytest.mark.parametrize("value", [True, "37.48", None])
def test_a_coordinate_that_is_not_a_number_is_rejected_as_a_wrong_type(value: object) -> None:
    assert rejected(location(latitude=value)) == (
        100,
        "Param location['latitude'] must be a number.",
    )


def test_a_location_without_longitude_is_missing_it() -> None:
    assert rejected(send(type="location", location={"latitude": 1})) == (
        131008,
        "The parameter location['longitude'] is required.",
    )


def contact(name: str) -> dict[str, Any]:
    return {"name": {"formatted_name": name}, "phones": [{"phone": "+15551234567"}]}


def test_contacts_are_shown_by_their_formatted_names() -> None:
    message = validate(
        send(type="contacts", contacts=[contact("Support Desk"), contact("Returns")])
    )
    assert message.text == "[contact] Support Desk, Returns"


def test_an_empty_contacts_array_is_rejected_with_100() -> None:
    assert rejected(send(type="contacts", contacts=[])) == (
        100,
        "Param contacts must be a non-empty array.",
    )


def test_a_contact_without_a_formatted_name_is_a_missing_parameter() -> None:
    body = send(type="contacts", contacts=[contact("A"), {"name": {"first_name": "B"}}])
    assert rejected(body) == (
        131008,
        "The parameter contacts[1]['name']['formatted_name'] is required.",
    )


def reaction(emoji: str, message_id: str = WAMID) -> dict[str, Any]:
    return send(type="reaction", reaction={"message_id": message_id, "emoji": emoji})


def test_a_reaction_is_shown_as_its_emoji() -> None:
    assert validate(reaction("👍")).text == "👍"


def test_an_empty_emoji_removes_a_reaction() -> None:
    assert validate(reaction("")).text == ""


@pytest.mark.parametrize("emoji", ["👨‍👩‍👧‍👦", "🇧🇷", "1️⃣", "👍🏽", "❤️", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"])
def test_composite_emoji_are_single_reactions(emoji: str) -> None:
    assert validate(reaction(emoji)).text == emoji


@pytest.mark.parametrize("emoji", ["ok", "1", "👍👍", "🇧🇷🇧🇷", " 👍", "‍👍"])
def test_a_reaction_that_is_not_one_emoji_is_rejected(emoji: str) -> None:
    assert rejected(reaction(emoji)) == (
        131009,
        "Invalid emoji in param reaction['emoji']: it must be a single emoji, "
        "or empty to remove the reaction.",
    )


def test_a_reaction_to_something_other_than_a_wamid_is_rejected() -> None:
    assert rejected(reaction("👍", message_id="ABGGFlA5FpafAgo6EhY")) == (
        131009,
        "Param reaction['message_id'] must be a WhatsApp message id: it starts with \"wamid.\" "
        "and is at most 128 characters long.",
    )


def test_a_reaction_without_emoji_is_missing_it() -> None:
    assert rejected(send(type="reaction", reaction={"message_id": WAMID})) == (
        131008,
        "The parameter reaction['emoji'] is required.",
    )


# --- context and callback data ----------------------------------------------------------------


def test_a_reply_carries_the_quoted_message_id() -> None:
    assert validate({**text(), "context": {"message_id": WAMID}}).context_message_id == WAMID


def test_a_context_without_message_id_is_missing_it() -> None:
    assert rejected({**text(), "context": {}}) == (
        131008,
        "The parameter context['message_id'] is required.",
    )


def test_a_context_quoting_a_non_wamid_is_rejected() -> None:
    code, details = rejected({**text(), "context": {"message_id": "wamid." + "A" * 200}})
    assert (code, details.startswith("Param context['message_id'] must be a WhatsApp")) == (
        131009,
        True,
    )


def test_a_context_that_is_not_an_object_is_rejected() -> None:
    assert rejected({**text(), "context": WAMID}) == (100, "Param context must be an object.")


def test_biz_opaque_callback_data_is_passed_through() -> None:
    message = validate({**text(), "biz_opaque_callback_data": "outbox:42"})
    assert message.biz_opaque_callback_data == "outbox:42"


def test_biz_opaque_callback_data_over_512_characters_is_rejected_with_100() -> None:
    assert rejected({**text(), "biz_opaque_callback_data": "x" * 513}) == (
        100,
        "Param biz_opaque_callback_data must be at most 512 characters long.",
    )


def test_biz_opaque_callback_data_must_be_a_string() -> None:
    assert rejected({**text(), "biz_opaque_callback_data": {"row": 42}}) == (
        100,
        "Param biz_opaque_callback_data must be a string.",
    )


# --- templates --------------------------------------------------------------------------------


def test_a_template_send_carries_the_rendered_template_its_text_and_buttons() -> None:
    message = validate(send(type="template", template={"name": "order_shipped"}))
    assert (message.template, message.text, message.buttons) == (
        RENDERED,
        RENDERED.text,
        ["Track order", "Stop updates"],
    )


def test_a_template_refused_by_the_renderer_raises_the_renderers_error() -> None:
    assert rejected(send(type="template", template={"name": "missing"})) == (
        132001,
        "template name (missing) does not exist in en_US",
    )


def test_a_template_that_is_not_an_object_is_rejected_before_rendering() -> None:
    def must_not_render(template: Any) -> RenderedTemplate:
        raise AssertionError("render_template called")

    with pytest.raises(GraphError) as info:
        validate_send(
            send(type="template", template="order_shipped"),
            render_template=must_not_render,
            media_exists=lambda i: True,
        )
    assert (info.value.code, info.value.details) == (100, "Param template must be an object.")


# --- interactive: common parts and reply buttons ----------------------------------------------


def test_reply_buttons_are_shown_with_header_body_footer_and_titles() -> None:
    message = validate(
        buttons(
            reply("slot_am", "Morning"),
            reply("slot_pm", "Afternoon"),
            header={"type": "text", "text": "Order #1234"},
            footer={"text": "Reply anytime"},
        )
    )
    assert (message.text, message.buttons) == (
        "Order #1234\nWhen should we deliver?\nReply anytime",
        ["Morning", "Afternoon"],
    )


def test_four_reply_buttons_are_rejected() -> None:
    body = buttons(*(reply(f"b{i}", f"Option {i}") for i in range(4)))
    assert rejected(body) == (131009, "Button count invalid. Min count: 1, Max count: 3")


def test_no_reply_buttons_is_rejected() -> None:
    assert rejected(buttons()) == (131009, "Button count invalid. Min count: 1, Max count: 3")


def test_a_button_title_over_20_characters_is_rejected_with_the_real_details() -> None:
    assert rejected(buttons(reply("more", "See other professionals"))) == (
        131009,
        "Button title length invalid. Min length: 1, Max length: 20",
    )


def test_an_empty_button_title_is_rejected_with_the_real_details() -> None:
    assert rejected(buttons(reply("empty", ""))) == (
        131009,
        "Button title length invalid. Min length: 1, Max length: 20",
    )


def test_duplicate_button_titles_are_rejected() -> None:
    assert rejected(buttons(reply("a", "Yes"), reply("b", "Yes"))) == (
        131009,
        'Button titles must be unique: "Yes" appears more than once.',
    )


def test_duplicate_button_ids_are_rejected() -> None:
    assert rejected(buttons(reply("a", "Yes"), reply("a", "No"))) == (
        131009,
        'Button ids must be unique: "a" appears more than once.',
    )


def test_a_button_id_with_surrounding_spaces_is_rejected() -> None:
    assert rejected(buttons(reply(" yes", "Yes"))) == (
        131009,
        "Param interactive['action']['buttons'][0]['reply']['id'] cannot have leading or "
        "trailing spaces.",
    )


def test_a_button_id_over_256_characters_is_rejected() -> None:
    assert rejected(buttons(reply("i" * 257, "Yes"))) == (
        131009,
        "Button id length invalid. Min length: 1, Max length: 256",
    )


def test_a_button_of_a_type_other_than_reply_is_rejected_with_100() -> None:
    body = buttons({"type": "url", "reply": {"id": "a", "title": "Open"}})
    assert rejected(body) == (
        100,
        "Param interactive['action']['buttons'][0]['type'] must be one of {reply}.",
    )


def test_an_interactive_body_over_1024_characters_is_rejected_with_the_real_details() -> None:
    body = buttons(reply("a", "Yes"))
    body["interactive"]["body"] = {"text": "b" * 1025}
    assert rejected(body) == (131009, "Body text length invalid. Min length: 1, Max length: 1024")


def test_interactive_buttons_without_a_body_are_missing_it() -> None:
    body = interactive(type="button", action={"buttons": [reply("a", "Yes")]})
    assert rejected(body) == (131008, "The parameter interactive['body'] is required.")


def test_a_header_text_over_60_characters_is_rejected() -> None:
    body = buttons(reply("a", "Yes"), header={"type": "text", "text": "h" * 61})
    assert rejected(body) == (131009, "Header text length invalid. Min length: 1, Max length: 60")


def test_a_footer_over_60_characters_is_rejected() -> None:
    body = buttons(reply("a", "Yes"), footer={"text": "f" * 61})
    assert rejected(body) == (131009, "Footer text length invalid. Min length: 1, Max length: 60")


def test_an_image_header_by_link_is_shown_and_its_link_recorded() -> None:
    header = {"type": "image", "image": {"link": "https://ex.com/banner.png"}}
    message = validate(buttons(reply("a", "Yes"), header=header))
    assert (message.text.splitlines()[0], message.media_links) == (
        "[image]",
        ["https://ex.com/banner.png"],
    )


def test_a_media_header_with_both_id_and_link_is_rejected() -> None:
    header = {"type": "video", "video": {"id": "media-1", "link": "https://ex.com/v.mp4"}}
    assert rejected(buttons(reply("a", "Yes"), header=header)) == (
        131009,
        "Param interactive['header']['video'] must contain either id or link, not both.",
    )


def test_an_unknown_interactive_type_is_rejected_with_100() -> None:
    assert rejected(interactive(type="carousel", body={"text": "hi"}, action={})) == (
        100,
        "Param interactive['type'] must be one of {button, list, cta_url, product, product_list, "
        "catalog_message, location_request_message, flow}.",
    )


def test_an_unknown_key_inside_interactive_is_rejected() -> None:
    body = buttons(reply("a", "Yes"))
    body["interactive"]["caption"] = "hi"
    assert rejected(body) == (100, 'Unexpected key "caption" on param "interactive".')


# --- interactive: lists -----------------------------------------------------------------------


def test_a_list_is_shown_with_its_button_and_rows() -> None:
    message = validate(
        list_message(
            {
                "title": "Fast",
                "rows": [{"id": "express", "title": "Express", "description": "1 day"}],
            },
            {"title": "Cheap", "rows": [{"id": "standard", "title": "Standard"}]},
        )
    )
    assert (message.text, message.buttons, message.rows) == (
        "Pick a delivery speed",
        ["See options"],
        [ListRow("express", "Express", "1 day"), ListRow("standard", "Standard")],
    )


def test_list_with_eleven_rows_is_rejected_with_the_real_details() -> None:
    body = list_message({"title": "A", "rows": rows(6, "a")}, {"title": "B", "rows": rows(5, "b")})
    assert rejected(body) == (131009, "Total row count exceed max allowed count: 10")


def test_list_with_ten_rows_across_two_sections_is_accepted() -> None:
    body = list_message({"title": "A", "rows": rows(5, "a")}, {"title": "B", "rows": rows(5, "b")})
    assert len(validate(body).rows) == 10


def test_a_list_with_eleven_sections_is_rejected() -> None:
    body = list_message(*({"title": f"S{i}", "rows": rows(1, f"s{i}")} for i in range(11)))
    assert rejected(body) == (131009, "Section count invalid. Min count: 1, Max count: 10")


def test_a_single_untitled_section_is_accepted() -> None:
    assert len(validate(list_message({"rows": rows(2)})).rows) == 2


def test_a_list_with_several_sections_needs_section_titles() -> None:
    body = list_message({"title": "A", "rows": rows(1, "a")}, {"rows": rows(1, "b")})
    assert rejected(body) == (
        131008,
        "The parameter interactive['action']['sections'][1]['title'] is required.",
    )


def test_a_section_title_over_24_characters_is_rejected() -> None:
    assert rejected(list_message({"title": "s" * 25, "rows": rows(1)})) == (
        131009,
        "Section title length invalid. Min length: 1, Max length: 24",
    )


def test_an_empty_section_is_rejected() -> None:
    body = list_message({"title": "A", "rows": rows(1)}, {"title": "B", "rows": []})
    assert rejected(body) == (
        131009,
        "Param interactive['action']['sections'][1]['rows'] must contain at least 1 row.",
    )


def test_a_row_title_over_24_characters_is_rejected_with_the_real_details() -> None:
    body = list_message({"rows": [{"id": "r", "title": "Koramangala 5th Block, BLR"}]})
    assert rejected(body) == (131009, "Row title is too long. Max length is 24")


def test_a_row_description_over_72_characters_is_rejected() -> None:
    body = list_message({"rows": [{"id": "r", "title": "T", "description": "d" * 73}]})
    assert rejected(body) == (131009, "Row description is too long. Max length is 72")


def test_a_row_id_over_200_characters_is_rejected() -> None:
    body = list_message({"rows": [{"id": "r" * 201, "title": "T"}]})
    assert rejected(body) == (131009, "Row id is too long. Max length is 200")


def test_duplicate_row_ids_across_sections_are_rejected() -> None:
    body = list_message({"title": "A", "rows": rows(2)}, {"title": "B", "rows": rows(1)})
    assert rejected(body) == (131009, 'Row ids must be unique: "r0" appears more than once.')


def test_a_list_button_over_20_characters_is_rejected() -> None:
    body = list_message({"rows": rows(1)}, button="See all delivery options")
    assert rejected(body) == (
        131009,
        "List button text length invalid. Min length: 1, Max length: 20",
    )


def test_a_list_without_its_button_is_missing_it() -> None:
    body = list_message({"rows": rows(1)})
    del body["interactive"]["action"]["button"]
    assert rejected(body) == (131008, "The parameter interactive['action']['button'] is required.")


def test_a_list_header_can_only_be_text() -> None:
    body = list_message({"rows": rows(1)})
    body["interactive"]["header"] = {"type": "image", "image": {"id": "media-1"}}
    assert rejected(body) == (100, "Param interactive['header']['type'] must be one of {text}.")


def test_a_list_body_may_be_4096_characters() -> None:
    body = list_message({"rows": rows(1)})
    body["interactive"]["body"] = {"text": "b" * 4096}
    assert len(validate(body).text) == 4096


# --- interactive: CTA URL, products, catalog, location request, flow --------------------------


def cta(display_text: str = "Track order", url: str = "https://ex.com/t/1") -> dict[str, Any]:
    return interactive(
        type="cta_url",
        body={"text": "Track your parcel live."},
        action={"name": "cta_url", "parameters": {"display_text": display_text, "url": url}},
    )


def test_a_cta_url_shows_its_display_text_as_the_button() -> None:
    assert validate(cta()).buttons == ["Track order"]


def test_a_cta_display_text_over_20_characters_is_rejected() -> None:
    assert rejected(cta(display_text="Track your order live now")) == (
        131009,
        "Display text length invalid. Min length: 1, Max length: 20",
    )


def test_a_cta_url_that_is_not_http_is_rejected() -> None:
    assert rejected(cta(url="javascript:alert(1)")) == (
        131009,
        "Invalid URL in param interactive['action']['parameters']['url']: "
        "it must be an http or https URL.",
    )


def test_a_cta_action_with_another_name_is_rejected() -> None:
    body = cta()
    body["interactive"]["action"]["name"] = "open_url"
    assert rejected(body) == (
        100,
        "Param interactive['action']['name'] must be one of {cta_url}.",
    )


def product(**parts: Any) -> dict[str, Any]:
    action = {"catalog_id": "194836987003835", "product_retailer_id": "SKU-RED-M"}
    return interactive(type="product", action=action, **parts)


def test_a_single_product_needs_no_body() -> None:
    assert validate(product()).text == "[product SKU-RED-M]"


def test_a_single_product_cannot_have_a_header() -> None:
    assert rejected(product(header={"type": "text", "text": "New"})) == (
        100,
        'Unexpected key "header" on param "interactive".',
    )


def test_a_single_product_without_a_retailer_id_is_missing_it() -> None:
    body = product()
    del body["interactive"]["action"]["product_retailer_id"]
    assert rejected(body) == (
        131008,
        "The parameter interactive['action']['product_retailer_id'] is required.",
    )


def product_list(*sections: dict[str, Any], **parts: Any) -> dict[str, Any]:
    parts.setdefault("header", {"type": "text", "text": "Our bestsellers"})
    return interactive(
        type="product_list",
        body={"text": "Add items to your cart"},
        action={"catalog_id": "194836987003835", "sections": list(sections)},
        **parts,
    )


def items(count: int) -> list[dict[str, str]]:
    return [{"product_retailer_id": f"SKU-{i}"} for i in range(count)]


def test_a_product_list_is_shown_with_header_and_body() -> None:
    message = validate(product_list({"title": "Shirts", "product_items": items(2)}))
    assert message.text == "Our bestsellers\nAdd items to your cart"


def test_a_product_list_needs_a_header() -> None:
    body = product_list({"title": "Shirts", "product_items": items(1)})
    del body["interactive"]["header"]
    assert rejected(body) == (131008, "The parameter interactive['header'] is required.")


def test_a_product_list_with_31_products_is_rejected() -> None:
    body = product_list(*({"title": f"S{i}", "product_items": items(10)} for i in range(3)))
    body["interactive"]["action"]["sections"][0]["product_items"].append(
        {"product_retailer_id": "SKU-EXTRA"}
    )
    assert rejected(body) == (131009, "Total product count exceed max allowed count: 30")


def test_a_product_list_section_needs_a_title() -> None:
    assert rejected(product_list({"product_items": items(1)})) == (
        131008,
        "The parameter interactive['action']['sections'][0]['title'] is required.",
    )


def test_a_catalog_message_shows_a_view_catalog_button() -> None:
    body = interactive(
        type="catalog_message",
        body={"text": "Browse the full catalog."},
        action={"name": "catalog_message", "parameters": {"thumbnail_product_retailer_id": "S"}},
    )
    assert validate(body).buttons == ["View catalog"]


def test_a_catalog_message_needs_a_body() -> None:
    body = interactive(type="catalog_message", action={"name": "catalog_message"})
    assert rejected(body) == (131008, "The parameter interactive['body'] is required.")


def test_a_location_request_is_accepted() -> None:
    body = interactive(
        type="location_request_message",
        body={"text": "Where should we deliver?"},
        action={"name": "send_location"},
    )
    assert validate(body).buttons == ["Send location"]


def flow(**parameters: Any) -> dict[str, Any]:
    return interactive(
        type="flow",
        body={"text": "Pick a new delivery slot"},
        action={
            "name": "flow",
            "parameters": {"flow_message_version": "3", "flow_cta": "Reschedule", **parameters},
        },
    )


def test_a_flow_shows_its_call_to_action() -> None:
    assert validate(flow(flow_id="1234", flow_token="t")).buttons == ["Reschedule"]


def test_a_flow_needs_a_flow_id_or_name() -> None:
    assert rejected(flow()) == (
        131008,
        "The parameter interactive['action']['parameters']['flow_id'] or "
        "interactive['action']['parameters']['flow_name'] is required.",
    )


# --- robustness -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (send(text=["hi"]), (100, "Param text must be an object.")),
        (send(text={"body": None}), (100, "Param text['body'] must be a string.")),
        (send(type=None, text={"body": "hi"}), None),
        (buttons("Yes"), (100, "Param interactive['action']['buttons'][0] must be an object.")),
        (
            list_message({"rows": "r"}),
            (100, "Param interactive['action']['sections'][0]['rows'] must be an array."),
        ),
        (
            send(type="interactive", interactive={"type": 7}),
            (100, "Param interactive['type'] must be a string."),
        ),
        (
            send(type="contacts", contacts=[{"name": "Ann"}]),
            (100, "Param contacts[0]['name'] must be an object."),
        ),
    ],
)
def test_wrong_json_types_anywhere_are_rejected_with_100(
    body: dict[str, Any], expected: tuple[int, str] | None
) -> None:
    code, details = rejected(body)
    assert code == 100
    if expected is not None:
        assert (code, details) == expected


FIELD_NAMES = [
    "messaging_product", "to", "recipient", "type", "text", "body", "id", "link", "caption",
    "filename", "voice", "latitude", "longitude", "name", "formatted_name", "message_id",
    "emoji", "context", "header", "footer", "action", "buttons", "reply", "title", "sections",
    "rows", "description", "button", "parameters", "display_text", "url", "catalog_id",
    "product_retailer_id", "product_items", "flow_cta", "flow_id", "flow_message_version",
]  # fmt: skip

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["whatsapp", PHONE, "media-1", WAMID, "https://ex.com/a", "👍", "reply"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)


def only_graph_errors(body: object) -> None:
    with contextlib.suppress(GraphError):
        assert isinstance(validate(body), ValidatedMessage)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_arbitrary_json_bodies_only_ever_raise_graph_errors(body: object) -> None:
    only_graph_errors(body)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(MESSAGE_TYPES), json_values)
def test_arbitrary_payloads_under_every_type_only_ever_raise_graph_errors(
    msg_type: str, payload: object
) -> None:
    only_graph_errors(send(type=msg_type, **{msg_type: payload}))


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {"type": st.sampled_from(INTERACTIVE_TYPES)},
        optional={"header": json_values, "body": json_values, "action": json_values},
    )
)
def test_arbitrary_interactive_parts_only_ever_raise_graph_errors(parts: dict[str, Any]) -> None:
    only_graph_errors(send(type="interactive", interactive=parts))


SEEDS = [
    text(),
    {**text(), "context": {"message_id": WAMID}, "biz_opaque_callback_data": "outbox:1"},
    send(type="document", document={"link": "https://ex.com/a.pdf", "filename": "a.pdf"}),
    send(type="audio", audio={"id": "media-1", "voice": True}),
    location(name="Depot", address="1 Main St"),
    send(type="contacts", contacts=[contact("Support Desk")]),
    reaction("👍"),
    send(type="template", template={"name": "order_shipped", "language": {"code": "en_US"}}),
    buttons(
        reply("a", "Yes"),
        reply("b", "No"),
        header={"type": "document", "document": {"id": "media-1", "filename": "a.pdf"}},
        footer={"text": "Thanks"},
    ),
    list_message({"title": "A", "rows": rows(2, "a")}, {"title": "B", "rows": rows(2, "b")}),
    cta(),
    product(body={"text": "Back in stock"}),
    product_list({"title": "Shirts", "product_items": items(2)}),
    flow(flow_name="reschedule"),
]
DELETE = object()


def paths(value: object, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths(child, (*prefix, index))
    return found


def replaced(value: Any, path: tuple[str | int, ...], new: object) -> Any:
    """A copy of ``value`` with the part at ``path`` replaced by ``new`` (or removed)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        copy = dict(value)
        inner = replaced(copy[head], rest, new)
        if inner is DELETE:
            del copy[head]
        else:
            copy[head] = inner
        return copy
    items_copy = list(value)
    inner = replaced(items_copy[int(head)], rest, new)
    if inner is DELETE:
        del items_copy[int(head)]
    else:
        items_copy[int(head)] = inner
    return items_copy


@pytest.mark.parametrize("seed", SEEDS)
def test_every_fuzzing_seed_is_a_valid_send(seed: dict[str, Any]) -> None:
    assert validate(seed).raw == seed


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_corrupting_any_part_of_a_valid_send_only_ever_raises_graph_errors(
    data: st.DataObject,
) -> None:
    seed = data.draw(st.sampled_from(SEEDS))
    path = data.draw(st.sampled_from(paths(seed)[1:]))
    only_graph_errors(replaced(seed, path, data.draw(json_values | st.just(DELETE))))
