"""An independent conformance check: the third-party `pywa` client (4.x) against the sandbox.

pywa was written against Meta's real Cloud API, not against this sandbox, so it is a second
opinion on the sandbox's fidelity:

1. pywa's sync client sends through the sandbox and gets its typed results back;
2. every kind of webhook the sandbox emits passes pywa's signature validation and is parsed by
   pywa into its typed update (Message, CallbackButton, MessageStatus, ...), with the fields
   matching what the sandbox said.

Updates are fed to pywa the supported way for a custom server: `webhook_update_validator` with
the raw body and `X-Hub-Signature-256`, then `webhook_update_handler` with the raw bytes,
collecting what the registered handlers receive.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pywa import WhatsApp, handlers
from pywa.errors import RateLimitHit, ReEngagementMessage
from pywa.types import (
    Button,
    CallbackButton,
    CallbackSelection,
    FlowCompletion,
    Message,
    MessageStatus,
    MessageStatusType,
    PhoneNumberChange,
    SentMessage,
    TemplateCategoryUpdate,
    TemplateStatusUpdate,
    UserMarketingPreferences,
)
from pywa.types.base_update import BaseUpdate
from pywa.types.templates import TemplateLanguage

from tests.conftest import API, Sandbox
from tests.sandbox.steps import (
    APP_SECRET,
    approved_template,
    field_deliveries,
    inbound_delivery,
    list_message,
    marketing_template,
    reply_buttons,
    set_phone,
    template,
    text,
    wait_status,
)
from tests.servers import Delivery

ALICE = "16505551234"
BSUID = "US.13491208655302741918"
HANDLERS = (
    handlers.MessageHandler,
    handlers.CallbackButtonHandler,
    handlers.CallbackSelectionHandler,
    handlers.MessageStatusHandler,
    handlers.UserMarketingPreferencesHandler,
    handlers.TemplateStatusUpdateHandler,
    handlers.TemplateCategoryUpdateHandler,
    handlers.PhoneNumberChangeHandler,
    handlers.FlowCompletionHandler,
)


class _Problems(logging.Handler):
    """Collects pywa's warnings and errors (it logs, rather than raises, what it can't parse)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        detail = f"{record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            detail += f" ({record.exc_info[1]!r})"
        self.records.append(detail)


class PywaWebhook:
    """A pywa client with no server of its own: we hand it each raw webhook."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.client = WhatsApp(
            phone_id=sandbox.number,
            waba_id=sandbox.settings.waba_id,
            server=None,
            app_secret=APP_SECRET,
            verify_token=sandbox.settings.verify_token,
            validate_updates=True,
            skip_duplicate_updates=False,
        )
        self.updates: list[BaseUpdate] = []
        for handler_type in HANDLERS:
            self.client.add_handlers(handler_type(lambda _, update: self.updates.append(update)))

    def parse(self, delivery: Delivery) -> list[BaseUpdate]:
        """Validate and parse one webhook POST; the typed updates pywa's handlers received."""
        signature = delivery.headers.get("x-hub-signature-256")
        assert self.client.webhook_update_validator(delivery.body, signature) is None
        problems = _Problems()
        pywa_logger = logging.getLogger("pywa")
        pywa_logger.addHandler(problems)
        try:
            before = len(self.updates)
            answer = self.client.webhook_update_handler(delivery.body)
            parsed = self.updates[before:]
        finally:
            pywa_logger.removeHandler(problems)
        assert answer == ("ok", 200)
        assert not problems.records, f"pywa could not handle {delivery.body!r}: {problems.records}"
        assert parsed, f"pywa dispatched no typed update for {delivery.body!r}"
        return parsed

    def one(self, delivery: Delivery) -> Any:
        """The single typed update of a webhook POST."""
        [update] = self.parse(delivery)
        return update


@pytest.fixture
def pywa_webhook(sandbox: Sandbox) -> PywaWebhook:
    """pywa, ready to parse what this test's sandbox emits."""
    return PywaWebhook(sandbox)


@pytest.fixture
def pywa_client(sandbox: Sandbox) -> Iterator[WhatsApp]:
    """pywa's sync client, pointed at the sandbox instead of graph.facebook.com."""
    with httpx.Client() as session:
        client = WhatsApp(
            phone_id=sandbox.number, token=sandbox.settings.access_token, session=session
        )
        client.api._session.base_url = f"{sandbox.url}/{API}"
        yield client


def status_delivery(sandbox: Sandbox, wamid: str, status: str) -> Delivery:
    """The POST that carried one status of one message."""
    wait_status(sandbox, wamid, status)
    for delivery in sandbox.receiver.snapshot():
        if any(s["id"] == wamid and s["status"] == status for s in delivery.statuses()):
            return delivery
    raise AssertionError(f"no POST with {status} of {wamid}")


def received_ids(sandbox: Sandbox, wa_id: str) -> list[str]:
    """The wamids the customer's phone received."""
    return [m["id"] for m in sandbox.phone(wa_id)]


# -- 1. sending with pywa ----------------------------------------------------------------------


def test_pywa_sends_a_text_and_gets_the_wamid(sandbox: Sandbox, pywa_client: WhatsApp) -> None:
    sandbox.say(ALICE)

    sent = pywa_client.send_message(to=ALICE, text="Your parcel is on its way")

    assert isinstance(sent, SentMessage)
    assert sent.id.startswith("wamid.")
    assert sent.chat.id == ALICE
    assert sent.from_phone_id == sandbox.number
    assert received_ids(sandbox, ALICE) == [sent.id]


def test_pywa_sends_the_hello_world_template(sandbox: Sandbox, pywa_client: WhatsApp) -> None:
    sent = pywa_client.send_template(
        to=ALICE, name="hello_world", language=TemplateLanguage.ENGLISH_US
    )

    assert sent.id in received_ids(sandbox, ALICE)
    assert str(sent.status) == "accepted"
    assert sandbox.phone(ALICE)[0]["template"] == {"name": "hello_world", "language": "en_US"}


def test_pywa_sends_interactive_reply_buttons(sandbox: Sandbox, pywa_client: WhatsApp) -> None:
    sandbox.say(ALICE)

    sent = pywa_client.send_message(
        to=ALICE,
        text="When should we deliver?",
        buttons=[Button(title="Morning", callback_data="am"), Button("Evening", "pm")],
    )

    [message] = sandbox.phone(ALICE)
    assert message["id"] == sent.id
    assert message["buttons"] == ["Morning", "Evening"]


def test_pywa_sends_to_a_username_only_customer_by_bsuid(
    sandbox: Sandbox, pywa_client: WhatsApp
) -> None:
    sandbox.inbound(from_user_id=BSUID, type="text", text={"body": "hi"})

    sent = pywa_client.send_message(to=BSUID, text="Hello!")

    assert received_ids(sandbox, BSUID) == [sent.id]


def test_pywa_marks_an_inbound_message_read_and_shows_typing(
    sandbox: Sandbox, pywa_client: WhatsApp
) -> None:
    wamid = sandbox.say(ALICE)

    assert pywa_client.mark_message_as_read(wamid).success is True
    assert pywa_client.indicate_typing(wamid).success is True


def test_pywa_resolves_the_url_of_inbound_media(sandbox: Sandbox, pywa_client: WhatsApp) -> None:
    wamid = sandbox.inbound(**{"from": ALICE, "type": "image", "image": {}})
    image = inbound_delivery(sandbox, wamid).json["entry"][0]["changes"][0]["value"]["messages"][0][
        "image"
    ]

    found = pywa_client.get_media_url(image["id"])

    assert (found.id, found.mime_type, found.sha256) == (
        image["id"],
        image["mime_type"],
        image["sha256"],
    )


def test_a_sandbox_refusal_becomes_a_typed_pywa_error(
    sandbox: Sandbox, pywa_client: WhatsApp
) -> None:
    sandbox.configure(throughput_mps=1)
    pywa_client.send_template(to=ALICE, name="hello_world", language=TemplateLanguage.ENGLISH_US)

    with pytest.raises(RateLimitHit) as raised:
        pywa_client.send_template(
            to=ALICE, name="hello_world", language=TemplateLanguage.ENGLISH_US
        )

    assert raised.value.code == 130429
    assert raised.value.details


# -- 2. pywa parsing what the sandbox emits ----------------------------------------------------


def test_pywa_parses_an_inbound_text(sandbox: Sandbox, pywa_webhook: PywaWebhook) -> None:
    wamid = sandbox.inbound(
        **{
            "from": ALICE,
            "type": "text",
            "text": {"body": "Where is my order?"},
            "profile_name": "Sheena",
        }
    )

    message = pywa_webhook.one(inbound_delivery(sandbox, wamid))

    assert isinstance(message, Message)
    assert message.id == wamid
    assert message.from_user.wa_id == ALICE
    assert message.from_user.name == "Sheena"
    assert message.from_user.bsuid
    assert message.text == "Where is my order?"
    assert message.metadata.phone_number_id == sandbox.number


def test_pywa_parses_an_inbound_from_a_username_only_customer(
    sandbox: Sandbox, pywa_webhook: PywaWebhook
) -> None:
    wamid = sandbox.inbound(from_user_id=BSUID, type="text", text={"body": "hi"})

    message = pywa_webhook.one(inbound_delivery(sandbox, wamid))

    assert message.from_user.bsuid == BSUID
    assert message.from_user.wa_id is None


@pytest.mark.parametrize("kind", ["image", "video", "audio", "document", "sticker"])
def test_pywa_parses_inbound_media(sandbox: Sandbox, pywa_webhook: PywaWebhook, kind: str) -> None:
    wamid = sandbox.inbound(**{"from": ALICE, "type": kind, kind: {}})

    message = pywa_webhook.one(inbound_delivery(sandbox, wamid))

    media = getattr(message, kind)
    assert media is not None
    assert media.id
    assert media.mime_type


def test_pywa_parses_an_inbound_location_order_and_referral(
    sandbox: Sandbox, pywa_webhook: PywaWebhook
) -> None:
    located = sandbox.inbound(
        **{"from": ALICE, "type": "location", "location": {"latitude": 37.46, "longitude": -122.2}}
    )
    ordered = sandbox.inbound(
        **{
            "from": ALICE,
            "type": "order",
            "order": {
                "catalog_id": "194836987003835",
                "product_items": [
                    {
                        "product_retailer_id": "SKU-1",
                        "quantity": 2,
                        "item_price": 30,
                        "currency": "USD",
                    }
                ],
            },
        }
    )
    referred = sandbox.inbound(
        **{
            "from": ALICE,
            "type": "text",
            "text": {"body": "Hi!"},
            "referral": {
                "source_url": "https://fb.me/x",
                "source_id": "120000000000",
                "source_type": "ad",
                "headline": "Spring sale",
                "body": "Twenty percent off",
                "media_type": "image",
                "image_url": "https://example.com/ad.jpg",
                "ctwa_clid": "ARAk",
            },
        }
    )

    location = pywa_webhook.one(inbound_delivery(sandbox, located)).location
    order = pywa_webhook.one(inbound_delivery(sandbox, ordered)).order
    referral = pywa_webhook.one(inbound_delivery(sandbox, referred)).referral

    assert (location.latitude, location.longitude) == (37.46, -122.2)
    assert order.catalog_id == "194836987003835"
    assert order.products[0].sku == "SKU-1"
    assert referral.source_id == "120000000000"


def test_pywa_parses_a_reaction_and_an_unsupported_message(
    sandbox: Sandbox, pywa_webhook: PywaWebhook
) -> None:
    target = sandbox.send_ok(template(ALICE))
    reacted = sandbox.inbound(
        **{"from": ALICE, "type": "reaction", "reaction": {"message_id": target, "emoji": "👍"}}
    )
    unsupported = sandbox.inbound(**{"from": ALICE, "type": "unsupported"})

    reaction = pywa_webhook.one(inbound_delivery(sandbox, reacted)).reaction
    error = pywa_webhook.one(inbound_delivery(sandbox, unsupported)).error

    assert (reaction.message_id, reaction.emoji) == (target, "👍")
    assert error.code == 131051


def test_pywa_parses_an_interactive_button_reply(
    sandbox: Sandbox, pywa_webhook: PywaWebhook
) -> None:
    sandbox.say(ALICE)
    buttons = sandbox.send_ok(reply_buttons(ALICE, "Morning", "Evening"))
    wamid = sandbox.inbound(
        **{
            "from": ALICE,
            "type": "interactive",
            "interactive": {
                "type": "button_reply",
                "button_reply": {"id": "morning", "title": "Morning"},
            },
        }
    )

    tap = pywa_webhook.one(inbound_delivery(sandbox, wamid))

    assert isinstance(tap, CallbackButton)
    assert (tap.id, tap.data, tap.title) == (wamid, "morning", "Morning")
    assert tap.reply_to_message is not None
    assert tap.reply_to_message.id == buttons
    assert tap.from_user.wa_id == ALICE


def test_pywa_parses_an_interactive_list_reply(sandbox: Sandbox, pywa_webhook: PywaWebhook) -> None:
    sandbox.say(ALICE)
    sandbox.send_ok(list_message(ALICE))
    wamid = sandbox.inbound(
        **{
            "from": ALICE,
            "type": "interactive",
            "interactive": {
                "type": "list_reply",
                "list_reply": {"id": "express", "title": "Express", "description": "Next day"},
            },
        }
    )

    selection = pywa_webhook.one(inbound_delivery(sandbox, wamid))

    assert isinstance(selection, CallbackSelection)
    assert (selection.data, selection.title, selection.description) == (
        "express",
        "Express",
        "Next day",
    )


def test_pywa_parses_a_flow_completion(sandbox: Sandbox, pywa_webhook: PywaWebhook) -> None:
    sandbox.say(ALICE)
    sandbox.send_ok(reply_buttons(ALICE, "Rate us"))
    wamid = sandbox.inbound(
        **{
            "from": ALICE,
            "type": "interactive",
            "interactive": {
                "type": "nfm_reply",
                "nfm_reply": {
                    "name": "flow",
                    "body": "Sent",
                    "response_json": '{"flow_token":"tok-1","rating":"4"}',
                },
            },
        }
    )

    completion = pywa_webhook.one(inbound_delivery(sandbox, wamid))

    assert isinstance(completion, FlowCompletion)
    assert completion.token == "tok-1"
    assert completion.response["rating"] == "4"


def test_pywa_parses_a_template_quick_reply_tap(
    sandbox: Sandbox, pywa_webhook: PywaWebhook
) -> None:
    approved_template(
        sandbox,
        "order_shipped",
        "UTILITY",
        "Your order has shipped and is on its way to you.",
        quick_replies=("Stop updates",),
    )
    sent = sandbox.send_ok(
        template(
            ALICE,
            "order_shipped",
            components=[
                {
                    "type": "button",
                    "sub_type": "quick_reply",
                    "index": "0",
                    "parameters": [{"type": "payload", "payload": "STOP:ORD-1"}],
                }
            ],
        )
    )
    wamid = sandbox.inbound(**{"from": ALICE, "type": "button", "button": {"text": "Stop updates"}})

    tap = pywa_webhook.one(inbound_delivery(sandbox, wamid))

    assert isinstance(tap, CallbackButton)
    assert tap.is_quick_reply
    assert (tap.data, tap.title) == ("STOP:ORD-1", "Stop updates")
    assert tap.reply_to_message is not None
    assert tap.reply_to_message.id == sent


def test_pywa_parses_a_product_inquiry(sandbox: Sandbox, pywa_webhook: PywaWebhook) -> None:
    sandbox.say(ALICE)
    product_message = sandbox.send_ok(text(ALICE, "Our red shirt"))
    wamid = sandbox.inbound(
        **{
            "from": ALICE,
            "type": "text",
            "text": {"body": "Does this come in green?"},
            "context": {
                "id": product_message,
                "referred_product": {
                    "catalog_id": "194836987003835",
                    "product_retailer_id": "SKU-RED-M",
                },
            },
        }
    )

    message = pywa_webhook.one(inbound_delivery(sandbox, wamid))

    reply_to = message.reply_to_message
    assert reply_to is not None
    assert reply_to.id == product_message
    assert reply_to.referred_product.sku == "SKU-RED-M"
    assert reply_to.from_user_id == "15550783881"


def test_pywa_parses_a_number_change(sandbox: Sandbox, pywa_webhook: PywaWebhook) -> None:
    wamid = sandbox.inbound(
        **{
            "from": ALICE,
            "type": "system",
            "system": {
                "type": "user_changed_number",
                "body": "User A changed from 16505551234 to 16505559876",
                "wa_id": "16505559876",
            },
        }
    )

    change = pywa_webhook.one(inbound_delivery(sandbox, wamid))

    assert isinstance(change, PhoneNumberChange)
    assert change.new_wa_id == "16505559876"


@pytest.mark.parametrize("status", ["sent", "delivered", "read"])
def test_pywa_parses_each_status_of_a_delivered_message(
    sandbox: Sandbox, pywa_webhook: PywaWebhook, status: str
) -> None:
    sandbox.say(ALICE)
    wamid = sandbox.send_ok(text(ALICE, biz_opaque_callback_data="outbox:42"))

    parsed = pywa_webhook.one(status_delivery(sandbox, wamid, status))

    assert isinstance(parsed, MessageStatus)
    assert parsed.id == wamid
    assert parsed.status == MessageStatusType(status)
    assert parsed.status != MessageStatusType.UNKNOWN
    assert parsed.from_user.wa_id == ALICE
    assert parsed.tracker == "outbox:42"
    if status != "read":
        assert parsed.pricing is not None
        assert str(parsed.pricing.category) == "service"
        assert str(parsed.pricing.type) != "UNKNOWN"


def test_pywa_parses_the_status_of_a_message_to_a_username_only_customer(
    sandbox: Sandbox, pywa_webhook: PywaWebhook
) -> None:
    sandbox.inbound(from_user_id=BSUID, type="text", text={"body": "hi"})
    wamid = sandbox.send_ok({"recipient": BSUID, "type": "text", "text": {"body": "Hello!"}})

    parsed = pywa_webhook.one(status_delivery(sandbox, wamid, "sent"))

    assert parsed.id == wamid
    assert parsed.from_user.bsuid == BSUID
    assert parsed.from_user.wa_id is None


def test_pywa_parses_a_failed_status_with_its_error(
    sandbox: Sandbox, pywa_webhook: PywaWebhook
) -> None:
    wamid = sandbox.send_ok(text(ALICE))  # the window is closed

    parsed = pywa_webhook.one(status_delivery(sandbox, wamid, "failed"))

    assert parsed.status == MessageStatusType.FAILED
    assert isinstance(parsed.error, ReEngagementMessage)
    assert parsed.error.code == 131047


def test_pywa_parses_a_free_entry_point_status_with_its_conversation(
    sandbox: Sandbox, pywa_webhook: PywaWebhook
) -> None:
    sandbox.inbound(
        **{
            "from": ALICE,
            "type": "text",
            "text": {"body": "Hi!"},
            "referral": {"source_url": "https://fb.me/x", "source_id": "1", "source_type": "ad"},
        }
    )
    wamid = sandbox.send_ok(text(ALICE))

    parsed = pywa_webhook.one(status_delivery(sandbox, wamid, "sent"))

    assert str(parsed.pricing.type) == "free_entry_point"
    assert str(parsed.pricing.category) == "referral_conversion"
    assert parsed.conversation is not None
    assert str(parsed.conversation.category) == "referral_conversion"


def test_pywa_parses_a_user_preferences_stop(sandbox: Sandbox, pywa_webhook: PywaWebhook) -> None:
    set_phone(sandbox, ALICE, marketing_opt_out=True)
    sandbox.receiver.wait_for(
        lambda _: bool(field_deliveries(sandbox, "user_preferences")), what="user_preferences"
    )

    parsed = pywa_webhook.one(field_deliveries(sandbox, "user_preferences")[0])

    assert isinstance(parsed, UserMarketingPreferences)
    assert str(parsed.value) == "stop"
    assert str(parsed.category) == "marketing_messages"
    assert parsed.from_user.wa_id == ALICE


def test_pywa_parses_the_opt_out_of_a_username_only_customer(
    sandbox: Sandbox, pywa_webhook: PywaWebhook
) -> None:
    set_phone(sandbox, BSUID, marketing_opt_out=True)
    sandbox.receiver.wait_for(
        lambda _: bool(field_deliveries(sandbox, "user_preferences")), what="user_preferences"
    )

    parsed = pywa_webhook.one(field_deliveries(sandbox, "user_preferences")[0])

    assert parsed.from_user.bsuid == BSUID
    assert parsed.from_user.wa_id is None


def test_pywa_parses_a_template_status_update(sandbox: Sandbox, pywa_webhook: PywaWebhook) -> None:
    template_id = marketing_template(sandbox)

    parsed = pywa_webhook.one(field_deliveries(sandbox, "message_template_status_update")[0])

    assert isinstance(parsed, TemplateStatusUpdate)
    assert str(parsed.new_status) == "APPROVED"
    assert parsed.template_id == template_id
    assert parsed.template_name == "spring_sale"
    assert str(parsed.category) == "MARKETING"


def test_pywa_parses_a_template_category_update(
    sandbox: Sandbox, pywa_webhook: PywaWebhook
) -> None:
    template_id = approved_template(
        sandbox, "order_shipped", "UTILITY", "Your order has shipped and is on its way to you."
    )

    edited = sandbox.graph.post(f"/{template_id}", json={"category": "MARKETING"})

    assert edited.status_code == 200, edited.text
    sandbox.receiver.wait_for(
        lambda _: bool(field_deliveries(sandbox, "template_category_update")),
        what="template_category_update",
    )
    parsed = pywa_webhook.one(field_deliveries(sandbox, "template_category_update")[0])
    assert isinstance(parsed, TemplateCategoryUpdate)
    assert parsed.template_id == template_id
    assert (str(parsed.previous_category), str(parsed.new_category)) == ("UTILITY", "MARKETING")


def test_pywa_parses_a_template_rejection(sandbox: Sandbox, pywa_webhook: PywaWebhook) -> None:
    sandbox.configure(template_review="reject", template_reject_reason="PROMOTIONAL")
    response = sandbox.graph.post(
        f"/{sandbox.settings.waba_id}/message_templates",
        json={
            "name": "too_salesy",
            "language": "en_US",
            "category": "UTILITY",
            "components": [{"type": "BODY", "text": "Buy more things today at great prices."}],
        },
    )
    assert response.status_code == 200, response.text
    sandbox.receiver.wait_for(
        lambda _: bool(field_deliveries(sandbox, "message_template_status_update")),
        what="the review outcome",
    )

    parsed = pywa_webhook.one(field_deliveries(sandbox, "message_template_status_update")[0])

    assert str(parsed.new_status) == "REJECTED"
    assert str(parsed.reason) == "PROMOTIONAL"
    assert parsed.rejection_info is not None
