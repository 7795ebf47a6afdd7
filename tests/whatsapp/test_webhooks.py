"""Webhook parsing: every payload shape of reference §2.5-2.7, garbage, and fuzzing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pywa import WhatsApp
from pywa.types import Message as PywaMessage
from pywa.types import MessageStatus as PywaMessageStatus

from ordertalk.whatsapp.errors import RetryClass
from ordertalk.whatsapp.webhook_types import (
    InboundType,
    PreferenceValue,
    PricingCategory,
    PricingType,
    StatusKind,
    TemplateCategoryUpdate,
    TemplateEvent,
    TemplateQualityUpdate,
    TemplateStatusUpdate,
    WebhookField,
)
from ordertalk.whatsapp.webhooks import (
    WebhookParseError,
    account_errors,
    messages,
    parse_webhook,
    statuses,
    template_updates,
    user_preferences,
)
from tests.whatsapp.payloads import (
    BSUID,
    CUSTOMER,
    FAILED_131047,
    METADATA,
    PHONE_NUMBER_ID,
    PRICING,
    WABA_ID,
    body,
    contact,
    envelope,
    inbound,
    inbound_payload,
    messages_value,
    status,
)

# --- envelope ---------------------------------------------------------------------------------


def test_envelope() -> None:
    payload = parse_webhook(inbound_payload(inbound("text", {"body": "Where is my order?"})))
    assert payload.object == "whatsapp_business_account"
    (entry,) = payload.entry
    assert entry.id == WABA_ID
    assert entry.time is None
    (change,) = entry.changes
    assert change.field == WebhookField.MESSAGES
    assert change.value["metadata"] == METADATA


def test_str_body_is_accepted() -> None:
    raw = inbound_payload(inbound("text", {"body": "hi"})).decode()
    assert parse_webhook(raw).entry[0].id == WABA_ID


# --- §2.5 inbound messages ----------------------------------------------------------------------


def one_message(raw: bytes) -> Any:
    ((metadata, sender, message),) = messages(parse_webhook(raw))
    assert metadata.phone_number_id == PHONE_NUMBER_ID
    return sender, message


def test_text_message() -> None:
    sender, message = one_message(inbound_payload(inbound("text", {"body": "Where is my order?"})))
    assert sender.wa_id == CUSTOMER
    assert sender.user_id == BSUID
    assert sender.name == "Sheena Nelson"
    assert message.from_ == CUSTOMER
    assert message.from_user_id == BSUID
    assert message.timestamp == 1749416383
    assert message.type is InboundType.TEXT
    assert message.text == "Where is my order?"
    assert message.content == {"body": "Where is my order?"}
    assert message.context is None
    assert message.errors == []


def test_bsuid_only_customer() -> None:
    item = inbound("text", {"body": "hi"})
    del item["from"]
    raw = inbound_payload(item, contacts=[contact(wa_id=None)])
    sender, message = one_message(raw)
    assert sender.wa_id is None
    assert sender.user_id == BSUID
    assert message.from_ is None
    assert message.from_user_id == BSUID
    assert message.text == "hi"


@pytest.mark.parametrize(
    ("type_", "content", "check"),
    [
        (
            "image",
            {"id": "65463453", "mime_type": "image/jpeg", "sha256": "abc", "caption": "x"},
            "65463453",
        ),
        (
            "document",
            {"id": "1", "mime_type": "application/pdf", "sha256": "s", "filename": "x.pdf"},
            "x.pdf",
        ),
        ("audio", {"id": "2", "mime_type": "audio/ogg; codecs=opus", "voice": True}, True),
        ("sticker", {"id": "3", "mime_type": "image/webp", "animated": False}, False),
        ("video", {"id": "4", "mime_type": "video/mp4"}, "video/mp4"),
        ("location", {"latitude": 37.46, "longitude": -122.21, "name": "Home"}, 37.46),
        ("reaction", {"message_id": "wamid.ours", "emoji": "😮"}, "😮"),
        ("reaction", {"message_id": "wamid.ours", "emoji": ""}, ""),
        ("order", {"catalog_id": "194836987003835", "text": "after 6pm", "product_items": []}, []),
        ("system", {"type": "user_changed_number", "body": "changed", "wa_id": "1555"}, "1555"),
    ],
)
def test_typed_content_is_reachable(type_: str, content: dict[str, Any], check: object) -> None:
    _, message = one_message(inbound_payload(inbound(type_, content)))
    assert message.type == type_
    assert isinstance(message.type, InboundType)
    assert message.content == content
    assert check in message.content.values()
    assert message.raw[type_] == content
    assert message.text is None


def test_contacts_message_is_a_list() -> None:
    cards = [{"name": {"formatted_name": "Ann"}, "phones": [{"phone": "+1 555", "type": "CELL"}]}]
    _, message = one_message(inbound_payload(inbound("contacts", cards)))
    assert message.type is InboundType.CONTACTS
    assert message.content is None
    assert message.raw["contacts"] == cards


@pytest.mark.parametrize(
    ("item", "reply_id"),
    [
        (
            inbound(
                "interactive",
                {"type": "button_reply", "button_reply": {"id": "slot_am", "title": "Morning"}},
                context={"from": "15550783881", "id": "wamid.ours"},
            ),
            "slot_am",
        ),
        (
            inbound(
                "interactive",
                {"type": "list_reply", "list_reply": {"id": "express", "title": "Express"}},
            ),
            "express",
        ),
        (
            inbound(
                "button",
                {"payload": "STOP_SHIPPING_UPDATES:ORD-1234", "text": "Stop updates"},
                context={"from": "15550783881", "id": "wamid.template"},
            ),
            "STOP_SHIPPING_UPDATES:ORD-1234",
        ),
        (
            inbound(
                "interactive",
                {
                    "type": "nfm_reply",
                    "nfm_reply": {"name": "flow", "body": "Sent", "response_json": "{}"},
                },
            ),
            None,
        ),
        (inbound("text", {"body": "hi"}), None),
    ],
)
def test_replies(item: dict[str, Any], reply_id: str | None) -> None:
    _, message = one_message(inbound_payload(item))
    assert message.reply_id == reply_id


def test_reply_context_points_at_our_message() -> None:
    item = inbound(
        "button",
        {"payload": "P", "text": "T"},
        context={"from": "15550783881", "id": "wamid.template"},
    )
    _, message = one_message(inbound_payload(item))
    assert message.context is not None
    assert message.context.id == "wamid.template"
    assert message.context.from_ == "15550783881"


def test_product_inquiry() -> None:
    product = {"catalog_id": "194836987003835", "product_retailer_id": "SKU-RED-M"}
    item = inbound(
        "text",
        {"body": "Does this come in green?"},
        context={"from": "15550783881", "id": "wamid.spm", "referred_product": product},
    )
    _, message = one_message(inbound_payload(item))
    assert message.context is not None
    assert message.context.referred_product == product


def test_click_to_whatsapp_referral() -> None:
    referral = {
        "source_url": "https://fb.me/x",
        "source_id": "120000000000",
        "source_type": "ad",
        "headline": "Spring sale",
        "body": "…",
        "media_type": "image",
        "image_url": "https://img",
        "video_url": None,
        "thumbnail_url": "https://thumb",
        "ctwa_clid": "ARAk",
    }
    _, message = one_message(inbound_payload(inbound("text", {"body": "Hi!"}, referral=referral)))
    assert message.referral is not None
    assert message.referral.source_type == "ad"
    assert message.referral.ctwa_clid == "ARAk"
    assert message.referral.model_extra == {
        "image_url": "https://img",
        "video_url": None,
        "thumbnail_url": "https://thumb",
    }


def test_forwarded() -> None:
    item = inbound("text", {"body": "fwd"}, context={"forwarded": True})
    _, message = one_message(inbound_payload(item))
    assert message.context is not None
    assert message.context.forwarded is True
    assert message.context.id is None


def test_request_welcome_has_no_content() -> None:
    _, message = one_message(inbound_payload(inbound("request_welcome")))
    assert message.type is InboundType.REQUEST_WELCOME
    assert message.content is None


def test_unsupported_with_error() -> None:
    error = {
        "code": 131051,
        "title": "Message type unknown",
        "message": "Message type unknown",
        "error_data": {"details": "Message type is currently not supported."},
    }
    _, message = one_message(inbound_payload(inbound("unsupported", errors=[error])))
    assert message.type is InboundType.UNSUPPORTED
    (err,) = message.errors
    assert err.code == 131051
    assert err.details == "Message type is currently not supported."


def test_unknown_message_type_is_kept() -> None:
    item = inbound("hologram", {"frequency": 7}, brand_new_field={"a": 1})
    _, message = one_message(inbound_payload(item))
    assert message.type == "hologram"
    assert not isinstance(message.type, InboundType)
    assert message.content == {"frequency": 7}
    assert message.model_extra is not None
    assert message.model_extra["brand_new_field"] == {"a": 1}


def test_contacts_are_matched_to_senders() -> None:
    other = "447700900123"
    first = inbound("text", {"body": "one"})
    second = {**inbound("text", {"body": "two"}), "from": other, "from_user_id": "GB.42"}
    raw = inbound_payload(
        first,
        second,
        contacts=[contact(wa_id=other, user_id="GB.42", name="Bob"), contact()],
    )
    found = [(sender.name, message.text) for _, sender, message in messages(parse_webhook(raw))]
    assert found == [("Sheena Nelson", "one"), ("Bob", "two")]


def test_message_without_contacts() -> None:
    raw = body(envelope("messages", messages_value(messages=[inbound("text", {"body": "x"})])))
    ((_, sender, _),) = messages(parse_webhook(raw))
    assert sender is None


# --- §2.6 statuses ------------------------------------------------------------------------------


def test_delivered_status() -> None:
    raw = body(
        envelope(
            "messages",
            messages_value(
                statuses=[
                    status("delivered", biz_opaque_callback_data="order:1234", pricing=PRICING)
                ]
            ),
        )
    )
    ((metadata, item),) = statuses(parse_webhook(raw))
    assert metadata.phone_number_id == PHONE_NUMBER_ID
    assert metadata.display_phone_number == "15550783881"
    assert item.status is StatusKind.DELIVERED
    assert item.timestamp == 1750263773
    assert item.recipient_id == CUSTOMER
    assert item.biz_opaque_callback_data == "order:1234"
    assert item.pricing is not None
    assert item.pricing.billable is True
    assert item.pricing.pricing_model == "PMP"
    assert item.pricing.type is PricingType.REGULAR
    assert item.pricing.category is PricingCategory.UTILITY
    assert item.errors == []
    assert messages(parse_webhook(raw)) == []


def test_batched_statuses_keep_their_order() -> None:
    batch = [
        status("read", "wamid.A"),
        status("sent", "wamid.B", pricing=PRICING),
        status("delivered", "wamid.A"),
        status("delivered", "wamid.A"),  # at-least-once: duplicates happen
        status("played", "wamid.C"),
    ]
    value = messages_value(statuses=batch, contacts=[contact()])
    raw = body(envelope("messages", value, value))
    found = [(s.id, s.status) for _, s in statuses(parse_webhook(raw))]
    expected = [
        ("wamid.A", "read"),
        ("wamid.B", "sent"),
        ("wamid.A", "delivered"),
        ("wamid.A", "delivered"),
        ("wamid.C", "played"),
    ]
    assert found == expected * 2


def test_failed_status_with_errors() -> None:
    raw = body(
        envelope("messages", messages_value(statuses=[status("failed", errors=[FAILED_131047])]))
    )
    ((_, item),) = statuses(parse_webhook(raw))
    assert item.status is StatusKind.FAILED
    (error,) = item.errors
    assert error.code == 131047
    assert error.title == "Re-engagement message"
    assert error.details is not None
    assert error.details.startswith("Message failed to send because more than 24 hours")
    assert error.retry_class is RetryClass.NEVER_RETRY


def test_failed_status_for_bsuid_only_customer() -> None:
    item = status("failed", errors=[{**FAILED_131047, "code": 131026}], recipient_user_id=BSUID)
    del item["recipient_id"]
    raw = body(envelope("messages", messages_value(statuses=[item])))
    ((_, parsed),) = statuses(parse_webhook(raw))
    assert parsed.recipient_id is None
    assert parsed.recipient_user_id == BSUID
    assert parsed.errors[0].retry_class is RetryClass.NEVER_RETRY


def test_unknown_status_value_is_kept() -> None:
    raw = body(envelope("messages", messages_value(statuses=[status("vaporized", novel=1)])))
    ((_, item),) = statuses(parse_webhook(raw))
    assert item.status == "vaporized"
    assert not isinstance(item.status, StatusKind)
    assert item.model_extra == {"novel": 1}


def test_unknown_pricing_values_are_kept() -> None:
    pricing = {**PRICING, "type": "free_galaxy", "category": "marketing_lite"}
    raw = body(envelope("messages", messages_value(statuses=[status("sent", pricing=pricing)])))
    ((_, item),) = statuses(parse_webhook(raw))
    assert item.pricing is not None
    assert item.pricing.type == "free_galaxy"
    assert item.pricing.category is PricingCategory.MARKETING_LITE


def test_legacy_conversation_object() -> None:
    conversation = {
        "id": "7270432e",
        "expiration_timestamp": "1698339900",
        "origin": {"type": "utility"},
    }
    pricing = {"billable": True, "pricing_model": "CBP", "category": "utility"}
    item = status("sent", conversation=conversation, pricing=pricing)
    raw = body(envelope("messages", messages_value(statuses=[item])))
    ((_, parsed),) = statuses(parse_webhook(raw))
    assert parsed.conversation is not None
    assert parsed.conversation.expiration_timestamp == 1698339900
    assert parsed.conversation.origin == {"type": "utility"}
    assert parsed.pricing is not None
    assert parsed.pricing.type is None


def test_account_level_errors() -> None:
    error = {
        "code": 130429,
        "title": "Rate limit hit",
        "message": "Rate limit hit",
        "error_data": {"details": "too many messages"},
    }
    raw = body(envelope("messages", messages_value(errors=[error])))
    payload = parse_webhook(raw)
    ((metadata, parsed),) = account_errors(payload)
    assert metadata.phone_number_id == PHONE_NUMBER_ID
    assert parsed.code == 130429
    assert parsed.retry_class is RetryClass.RETRY_SOON
    assert statuses(payload) == []
    assert messages(payload) == []


# --- §2.7 other fields ------------------------------------------------------------------------


def test_template_rejected() -> None:
    value = {
        "event": "REJECTED",
        "message_template_id": 1689556908129835,
        "message_template_name": "abandoned_cart",
        "message_template_language": "en",
        "message_template_category": "MARKETING",
        "reason": "INVALID_FORMAT",
        "rejection_info": {"reason": "Parameters placed next to each other", "recommendation": "…"},
    }
    raw = body(envelope("message_template_status_update", value, time=1751247548))
    ((entry, update),) = template_updates(parse_webhook(raw))
    assert entry.id == WABA_ID
    assert entry.time == 1751247548
    assert isinstance(update, TemplateStatusUpdate)
    assert update.event is TemplateEvent.REJECTED
    assert update.message_template_id == "1689556908129835"
    assert update.reason == "INVALID_FORMAT"
    assert update.rejection_info is not None


def test_template_paused_and_unknown_event() -> None:
    paused = {
        "event": "PAUSED",
        "message_template_id": 1,
        "message_template_name": "order_shipped",
        "message_template_language": "en_US",
        "reason": "NONE",
        "other_info": {"title": "FIRST_PAUSE", "description": "paused for 3 hours"},
    }
    novel = {**paused, "event": "TELEPORTED", "other_info": None}
    raw = body(envelope("message_template_status_update", paused, novel, time=1))
    updates = [u for _, u in template_updates(parse_webhook(raw))]
    assert [u.event for u in updates if isinstance(u, TemplateStatusUpdate)] == [
        TemplateEvent.PAUSED,
        "TELEPORTED",
    ]


def test_template_category_and_quality_updates_in_payload_order() -> None:
    category = {
        "message_template_id": 2,
        "message_template_name": "delivery_update",
        "message_template_language": "he",
        "previous_category": "UTILITY",
        "new_category": "MARKETING",
    }
    quality = {
        "previous_quality_score": "GREEN",
        "new_quality_score": "YELLOW",
        "message_template_id": 3,
        "message_template_name": "x",
        "message_template_language": "en_US",
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": WABA_ID,
                "time": 5,
                "changes": [
                    {"field": "message_template_quality_update", "value": quality},
                    {"field": "template_category_update", "value": category},
                ],
            }
        ],
    }
    updates = [u for _, u in template_updates(parse_webhook(body(payload)))]
    assert isinstance(updates[0], TemplateQualityUpdate)
    assert updates[0].new_quality_score == "YELLOW"
    assert isinstance(updates[1], TemplateCategoryUpdate)
    assert updates[1].new_category == "MARKETING"
    assert updates[1].message_template_id == "2"


@pytest.mark.parametrize("value", ["stop", "resume", "signup"])
def test_user_preferences(value: str) -> None:
    change = {
        "messaging_product": "whatsapp",
        "metadata": METADATA,
        "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": CUSTOMER}],
        "user_preferences": [
            {
                "wa_id": CUSTOMER,
                "detail": "User requested to stop marketing messages",
                "category": "marketing_messages",
                "value": value,
                "timestamp": 1739321024,
            }
        ],
    }
    raw = body(envelope("user_preferences", change))
    ((metadata, pref),) = user_preferences(parse_webhook(raw))
    assert metadata.phone_number_id == PHONE_NUMBER_ID
    assert pref.wa_id == CUSTOMER
    assert pref.value is PreferenceValue(value)
    assert pref.category == "marketing_messages"
    assert pref.timestamp == 1739321024


def test_other_fields_parse_and_are_ignored_by_helpers() -> None:
    quality = {
        "display_phone_number": "15550783881",
        "event": "THROUGHPUT_UPGRADE",
        "current_limit": "TIER_UNLIMITED",
        "max_daily_conversations_per_business": "TIER_UNLIMITED",
    }
    account = {
        "event": "ACCOUNT_RESTRICTION",
        "restriction_info": [{"restriction_type": "RESTRICTED_BIZ_INITIATED_MESSAGING"}],
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": WABA_ID,
                "time": 1739321024,
                "changes": [
                    {"field": "phone_number_quality_update", "value": quality},
                    {"field": "account_update", "value": account},
                    {"field": "some_future_field", "value": {"anything": [1, 2]}},
                ],
            }
        ],
    }
    parsed = parse_webhook(body(payload))
    assert [c.field for c in parsed.entry[0].changes] == [
        "phone_number_quality_update",
        "account_update",
        "some_future_field",
    ]
    assert parsed.entry[0].changes[1].value == account
    for helper in (statuses, messages, template_updates, user_preferences, account_errors):
        assert helper(parsed) == []


def test_empty_entry_list() -> None:
    payload = parse_webhook(b'{"object": "whatsapp_business_account", "entry": []}')
    assert payload.entry == []
    assert statuses(payload) == []


# --- pywa as a conformance peer ---------------------------------------------------------------


def test_pywa_reads_statuses_the_same_way() -> None:
    item = status("delivered", biz_opaque_callback_data="order:1234", pricing=PRICING)
    raw = body(envelope("messages", messages_value(statuses=[item], contacts=[contact()])))
    ((_, ours),) = statuses(parse_webhook(raw))
    theirs = PywaMessageStatus.from_update(client=None, update=json.loads(raw))  # type: ignore[arg-type]
    assert (theirs.id, str(theirs.status), theirs.tracker) == (
        ours.id,
        str(ours.status),
        ours.biz_opaque_callback_data,
    )
    assert theirs.timestamp.timestamp() == ours.timestamp


def test_pywa_reads_a_bsuid_only_message_the_same_way() -> None:
    item = inbound(
        "interactive", {"type": "button_reply", "button_reply": {"id": "slot_am", "title": "AM"}}
    )
    del item["from"]
    raw = inbound_payload(item, contacts=[contact(wa_id=None)])
    ((_, sender, ours),) = messages(parse_webhook(raw))
    client = WhatsApp(phone_id=PHONE_NUMBER_ID, token="conformance-only")
    theirs = PywaMessage.from_update(client=client, update=json.loads(raw))
    assert theirs.id == ours.id
    assert str(theirs.type) == str(ours.type)
    assert sender is not None
    assert (theirs.from_user.bsuid, theirs.from_user.wa_id) == (sender.user_id, sender.wa_id)


# --- garbage ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "not JSON"),
        (b"\x00\xff\xfe garbage", "not JSON"),
        (b"<html>502</html>", "not JSON"),
        (b'{"entry": [', "not JSON"),
        (b'{"entry": NaN}', "not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"[]", "JSON list, not an object"),
        (b'"entry"', "JSON str, not an object"),
        (b"null", "JSON NoneType, not an object"),
        (b"42", "JSON int, not an object"),
        (b'{"object": "whatsapp_business_account"}', "no 'entry'"),
        (b'{"entry": {}}', "payload: entry: Input should be a valid list"),
        (b'{"entry": [{"changes": []}]}', "payload: entry.0.id: Field required"),
        (b'{"entry": [{"id": "1", "changes": [{"value": {}}]}]}', "entry.0.changes.0.field"),
        (b'{"entry": [{"id": "1", "time": "soon"}]}', "entry.0.time"),
    ],
)
def test_garbage_is_a_parse_error(raw: bytes, reason: str) -> None:
    with pytest.raises(WebhookParseError, match="^.*" + reason.replace("(", r"\(")):
        parse_webhook(raw)


def test_malformed_items_report_where_without_echoing_input() -> None:
    broken = status("delivered", timestamp="at 16505551234 o'clock")
    raw = body(envelope("messages", messages_value(statuses=[status("sent"), broken])))
    payload = parse_webhook(raw)
    with pytest.raises(WebhookParseError) as info:
        statuses(payload)
    message = str(info.value)
    assert message.startswith("entry[0].changes[0].value: statuses.1.timestamp:")
    assert "16505551234" not in message
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_messages_value_without_metadata() -> None:
    raw = body(envelope("messages", {"statuses": [status("sent")]}))
    with pytest.raises(WebhookParseError, match="metadata: Field required"):
        statuses(parse_webhook(raw))


def test_status_without_id() -> None:
    item = status("sent")
    del item["id"]
    raw = body(envelope("messages", messages_value(statuses=[item])))
    with pytest.raises(WebhookParseError, match=r"statuses\.0\.id: Field required"):
        statuses(parse_webhook(raw))


# --- fuzzing ----------------------------------------------------------------------------------

json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    json_leaves,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def sometimes_junk(plausible: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly plausible values, junk one time in ten, so most examples get past validation."""
    return st.integers(0, 9).flatmap(lambda n: json_values if n == 0 else plausible)


def shaped(
    required: dict[str, st.SearchStrategy[Any]] | None = None, **known: st.SearchStrategy[Any]
) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts with the required keys, and maybe each known key with a plausible or junk value."""
    optional = {k: sometimes_junk(v) for k, v in known.items()}
    return st.fixed_dictionaries(required or {}, optional=optional)


def lists_of(item: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    return st.lists(item, max_size=3)


timestamps = st.one_of(
    *[st.integers(min_value=0, max_value=2**40).map(str)] * 3, st.text(max_size=6)
)
ids = st.text(max_size=10) | st.integers()
webhook_errors = shaped(code=st.integers(), title=st.text(), error_data=shaped(details=st.text()))
contacts_s = shaped(wa_id=ids, user_id=ids, profile=shaped(name=st.text()))
contexts = shaped(id=ids, forwarded=st.booleans(), referred_product=shaped(catalog_id=ids))
inbound_s = shaped(
    {
        "id": ids,
        "timestamp": timestamps,
        "type": st.sampled_from(["text", "interactive", "button", "hologram"]),
    },
    text=shaped(body=st.text()),
    interactive=shaped(
        type=st.sampled_from(["button_reply", "list_reply"]), button_reply=shaped(id=ids)
    ),
    button=shaped(payload=st.text()),
    context=contexts,
    referral=shaped(source_type=st.text()),
    errors=lists_of(webhook_errors),
    **{"from": ids, "from_user_id": ids},
)
status_s = shaped(
    {"id": ids, "status": st.sampled_from([*StatusKind, "novel"]), "timestamp": timestamps},
    recipient_id=ids,
    pricing=shaped(billable=st.booleans(), category=st.sampled_from([*PricingCategory])),
    conversation=shaped(id=ids, expiration_timestamp=timestamps),
    errors=lists_of(webhook_errors),
)
values = shaped(
    {"metadata": shaped({"phone_number_id": ids}, display_phone_number=ids)},
    contacts=lists_of(contacts_s),
    messages=lists_of(inbound_s),
    statuses=lists_of(status_s),
    errors=lists_of(webhook_errors),
    user_preferences=lists_of(shaped({"value": st.text()}, wa_id=ids, timestamp=st.integers())),
    event=st.sampled_from([*TemplateEvent]),
    message_template_id=ids,
    new_category=st.text(),
)
changes = shaped({"field": st.sampled_from([*WebhookField, "novel"]), "value": values})
entries = shaped({"id": ids, "changes": lists_of(changes)}, time=st.integers())
payloads = shaped({"entry": lists_of(entries)}, object=st.text(max_size=5))


def exercise(raw: bytes) -> None:
    """Parse and walk everything; only WebhookParseError may escape."""
    try:
        payload = parse_webhook(raw)
        for _, sender, message in messages(payload):
            _ = (sender and sender.name, message.content, message.text, message.reply_id)
        for _, item in statuses(payload):
            _ = [(e.details, e.retry_class) for e in item.errors]
        for _, error in account_errors(payload):
            _ = (error.details, error.retry_class)
        template_updates(payload)
        user_preferences(payload)
    except WebhookParseError:
        pass


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_arbitrary_json_never_raises_anything_else(value: Any) -> None:
    exercise(json.dumps(value).encode())


@settings(max_examples=500, deadline=None)
@given(payloads)
def test_webhook_shaped_json_never_raises_anything_else(value: dict[str, Any]) -> None:
    exercise(json.dumps(value).encode())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_raise_anything_else(raw: bytes) -> None:
    exercise(raw)
