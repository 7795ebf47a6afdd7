"""Specification of WhatsAppClient, spoken over real HTTP to the sandbox.

Sends (text, template, any message via ``send()``) answer a SendResult with the accepted wamid,
the customer's wa_id and what we addressed them with; ``callback_data`` comes back in every
status webhook; read receipts (with "typing…") reach the customer's chat; media make the full
round trip upload → info → download → delete; templates are listed across pages, created and
deleted. Every failure is one CloudApiError carrying the Graph code and what the outbox should
do next (its retry class), and whether a send may have gone out anyway (``ambiguous``); the
access token never leaks into an error's text. Failures the Cloud API reports only later (131047
window closed) are not errors of the call: they arrive as a signed ``failed`` status webhook.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from typing import Any

import pytest

from ordertalk.whatsapp.client import AcceptStatus, MediaTooLarge, SendResult, WhatsAppClient
from ordertalk.whatsapp.errors import CloudApiError, CloudApiTransportError, RetryClass, classify
from ordertalk.whatsapp.signature import verify_signature
from ordertalk.whatsapp.webhooks import parse_webhook, statuses
from tests.conftest import API, Sandbox
from tests.servers import Delivery, Receiver, free_port

CUSTOMER = "919876543210"
OTHER_CUSTOMER = "447700900123"
SIGNATURE = "x-hub-signature-256"

BUTTONS = {
    "type": "button",
    "body": {"text": "Your parcel is ready. When should we deliver?"},
    "action": {
        "buttons": [
            {"type": "reply", "reply": {"id": "slot_am", "title": "Morning"}},
            {"type": "reply", "reply": {"id": "slot_pm", "title": "Afternoon"}},
        ]
    },
}


def client_for(sandbox: Sandbox, **overrides: Any) -> WhatsAppClient:
    """A client configured like production, but pointed at the sandbox."""
    options: dict[str, Any] = {
        "base_url": sandbox.url,
        "api_version": API,
        "access_token": sandbox.settings.access_token,
        "phone_number_id": sandbox.settings.phone_number_id,
        "waba_id": sandbox.settings.waba_id,
    }
    return WhatsAppClient(**(options | overrides))


def utility_template(name: str) -> dict[str, Any]:
    """A minimal utility template creation body."""
    return {
        "name": name,
        "language": "en_US",
        "category": "UTILITY",
        "components": [
            {"type": "BODY", "text": "Your order has shipped and is on its way to you."}
        ],
    }


def phone_message(sandbox: Sandbox, wa_id: str, wamid: str) -> dict[str, Any]:
    """The message with ``wamid`` as the customer's phone shows it."""
    found = [m for m in sandbox.phone(wa_id) if m["id"] == wamid]
    assert len(found) == 1, sandbox.phone(wa_id)
    return found[0]


def deliveries_with_status(receiver: Receiver, wamid: str, status: str) -> list[Delivery]:
    """Webhook deliveries that carry ``status`` for ``wamid``."""
    return [
        d
        for d in receiver.snapshot()
        if any(s["id"] == wamid and s["status"] == status for s in d.statuses())
    ]


def wait_delivery(receiver: Receiver, wamid: str, status: str) -> Delivery:
    """The first delivery with ``status`` for ``wamid``, once it arrived."""
    receiver.wait_for(
        lambda r: bool(deliveries_with_status(r, wamid, status)), what=f"{status} of {wamid}"
    )
    return deliveries_with_status(receiver, wamid, status)[0]


# -- sending ------------------------------------------------------------------------------------


async def test_send_text_answers_the_accepted_wamid_with_wa_id_and_input(sandbox: Sandbox) -> None:
    sandbox.say(CUSTOMER)
    async with client_for(sandbox) as client:
        result = await client.send_text("+91 98765 43210", "Your order has shipped.")

    assert isinstance(result, SendResult)
    assert result.wamid.startswith("wamid.")
    assert result.wa_id == CUSTOMER
    assert result.input == "+91 98765 43210"
    assert result.message_status == AcceptStatus.ACCEPTED
    assert phone_message(sandbox, CUSTOMER, result.wamid)["text"] == "Your order has shipped."


async def test_send_template_hello_world_reaches_a_customer_who_never_wrote(
    sandbox: Sandbox,
) -> None:
    async with client_for(sandbox) as client:
        result = await client.send_template(CUSTOMER, "hello_world", "en_US")

    assert result.message_status == AcceptStatus.ACCEPTED
    assert phone_message(sandbox, CUSTOMER, result.wamid)["type"] == "template"
    wait_delivery(sandbox.receiver, result.wamid, "delivered")


async def test_send_passes_any_message_object_such_as_interactive_buttons(
    sandbox: Sandbox,
) -> None:
    sandbox.say(CUSTOMER)
    async with client_for(sandbox) as client:
        result = await client.send({"to": CUSTOMER, "type": "interactive", "interactive": BUTTONS})

    shown = phone_message(sandbox, CUSTOMER, result.wamid)
    assert shown["type"] == "interactive"
    assert shown["buttons"] == ["Morning", "Afternoon"]


async def test_callback_data_is_echoed_in_every_status_webhook(sandbox: Sandbox) -> None:
    sandbox.say(CUSTOMER)
    async with client_for(sandbox) as client:
        result = await client.send_text(CUSTOMER, "Out for delivery", callback_data="outbox:42")

    receiver = sandbox.receiver
    receiver.wait_for(lambda r: "read" in r.statuses_of(result.wamid), what="read status")
    mine = [s for s in receiver.statuses() if s["id"] == result.wamid]
    assert {s["status"] for s in mine} >= {"sent", "delivered", "read"}
    assert all(s.get("biz_opaque_callback_data") == "outbox:42" for s in mine)


async def test_mark_read_with_typing_marks_the_inbound_message_read(sandbox: Sandbox) -> None:
    inbound = sandbox.say(CUSTOMER, "where is my order?")
    async with client_for(sandbox) as client:
        await client.mark_read(inbound, typing=True)

    sent = sandbox.control.get(f"/_sandbox/phones/{CUSTOMER}/sent").json()
    assert [(item["id"], item["read"]) for item in sent] == [(inbound, True)]


async def test_mark_read_of_an_unknown_message_is_a_fix_request_error(sandbox: Sandbox) -> None:
    sandbox.say(CUSTOMER)
    async with client_for(sandbox) as client:
        outbound = (await client.send_text(CUSTOMER, "hello")).wamid
        with pytest.raises(CloudApiError) as caught:
            await client.mark_read(outbound)  # our own message, not an inbound one

    assert caught.value.code == 100
    assert caught.value.retry_class is RetryClass.FIX_REQUEST


# -- media --------------------------------------------------------------------------------------


async def test_media_round_trip_upload_info_download_delete(sandbox: Sandbox) -> None:
    data = b"%PDF-1.4\n% invoice 1234\n%%EOF\n"
    async with client_for(sandbox) as client:
        media_id = await client.upload_media(data, "application/pdf", "invoice.pdf")
        info = await client.media_info(media_id)
        downloaded = await client.download_media(info.url)
        await client.delete_media(media_id)
        with pytest.raises(CloudApiError) as caught:
            await client.media_info(media_id)

    assert info.id == media_id
    assert info.mime_type == "application/pdf"
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.file_size == len(data)
    assert downloaded == data
    assert caught.value.code == 100
    assert caught.value.retry_class is RetryClass.FIX_REQUEST


async def test_a_streamed_download_writes_the_bytes_and_stops_at_the_limit(
    sandbox: Sandbox,
) -> None:
    data = b"%PDF-1.4\n" + b"x" * 5000 + b"\n%%EOF\n"
    async with client_for(sandbox) as client:
        media_id = await client.upload_media(data, "application/pdf", "invoice.pdf")
        info = await client.media_info(media_id)
        sink = io.BytesIO()
        written = await client.download_media_to(info.url, sink, max_bytes=len(data))
        too_small = io.BytesIO()
        with pytest.raises(MediaTooLarge) as caught:
            await client.download_media_to(info.url, too_small, max_bytes=100)

    assert (written, sink.getvalue()) == (len(data), data)
    assert too_small.getvalue() == b""  # refused on the declared length, before any byte
    assert caught.value.limit == 100
    assert caught.value.declared == len(data)


async def test_a_failed_streamed_download_is_a_cloud_api_error_without_the_token(
    sandbox: Sandbox,
) -> None:
    async with client_for(sandbox) as client:
        media_id = await client.upload_media(b"%PDF-1.4\n%%EOF\n", "application/pdf", "a.pdf")
        info = await client.media_info(media_id)
        sandbox.faults(media_error_ratio=1.0)
        with pytest.raises(CloudApiError) as caught:
            await client.download_media_to(info.url, io.BytesIO())
        with pytest.raises(ValueError, match="https"):
            await client.download_media_to("http://elsewhere.example/x", io.BytesIO())

    assert (caught.value.code, caught.value.http_status) == (131000, 500)
    assert caught.value.retry_class is RetryClass.RETRY_SOON
    assert sandbox.settings.access_token not in str(caught.value)


# -- templates ----------------------------------------------------------------------------------


async def test_list_templates_includes_the_hello_world_sample(sandbox: Sandbox) -> None:
    async with client_for(sandbox) as client:
        templates = await client.list_templates()

    hello = [t for t in templates if t["name"] == "hello_world"]
    assert [(t["language"], t["status"]) for t in hello] == [("en_US", "APPROVED")]


async def test_list_templates_follows_paging_until_the_last_page(sandbox: Sandbox) -> None:
    names = ["order_note_one", "order_note_two", "order_note_three"]
    async with client_for(sandbox) as client:
        for name in names:
            await client.create_template(utility_template(name))
        templates = await client.list_templates(limit=2)  # 4 templates: pages of 2, 2

    assert [t["name"] for t in templates] == ["hello_world", *names]
    assert len({t["id"] for t in templates}) == len(templates)


async def test_list_templates_passes_filters(sandbox: Sandbox) -> None:
    async with client_for(sandbox) as client:
        await client.create_template(utility_template("order_note_one"))
        templates = await client.list_templates(name="order_note_one", language=["en_US"])

    assert [t["name"] for t in templates] == ["order_note_one"]


async def test_create_template_then_delete_template(sandbox: Sandbox) -> None:
    async with client_for(sandbox) as client:
        created = await client.create_template(utility_template("shipping_update"))
        assert created["status"] == "PENDING"
        assert created["category"] == "UTILITY"
        assert [t["id"] for t in await client.list_templates(name="shipping_update")] == [
            created["id"]
        ]

        await client.delete_template("shipping_update")

        assert await client.list_templates(name="shipping_update") == []


async def test_delete_template_with_hsm_id_deletes_only_that_language(sandbox: Sandbox) -> None:
    spanish = utility_template("shipping_update") | {"language": "es"}
    async with client_for(sandbox) as client:
        await client.create_template(utility_template("shipping_update"))
        created = await client.create_template(spanish)

        await client.delete_template("shipping_update", hsm_id=created["id"])

        remaining = await client.list_templates(name="shipping_update")
    assert [t["language"] for t in remaining] == ["en_US"]


# -- errors -------------------------------------------------------------------------------------


async def test_wrong_token_is_code_190_fix_request_and_never_shows_the_token(
    sandbox: Sandbox,
) -> None:
    token = "EAAGwrongTokenValue0123456789abcdef"
    async with client_for(sandbox, access_token=token) as client:
        with pytest.raises(CloudApiError) as caught:
            await client.send_template(CUSTOMER, "hello_world", "en_US")
        assert token not in repr(client)

    error = caught.value
    assert error.code == 190
    assert error.http_status == 401
    assert error.retry_class is RetryClass.FIX_REQUEST
    assert error.token_invalid
    assert token not in str(error)
    assert token not in repr(error)


async def test_unknown_template_is_132001_fix_request(sandbox: Sandbox) -> None:
    async with client_for(sandbox) as client:
        with pytest.raises(CloudApiError) as caught:
            await client.send_template(CUSTOMER, "no_such_template", "en_US")

    assert caught.value.code == 132001
    assert caught.value.retry_class is RetryClass.FIX_REQUEST
    assert caught.value.ambiguous is False


async def test_throughput_exceeded_is_130429_retry_soon(sandbox: Sandbox) -> None:
    sandbox.configure(throughput_mps=1)
    async with client_for(sandbox) as client:
        await client.send_template(CUSTOMER, "hello_world", "en_US")
        with pytest.raises(CloudApiError) as caught:
            await client.send_template(OTHER_CUSTOMER, "hello_world", "en_US")

    assert caught.value.code == 130429
    assert caught.value.retry_class is RetryClass.RETRY_SOON
    assert caught.value.ambiguous is False


async def test_pair_rate_limit_is_131056_retry_later(sandbox: Sandbox) -> None:
    sandbox.configure(pair_burst=1, throughput_mps=1000)
    async with client_for(sandbox) as client:
        await client.send_template(CUSTOMER, "hello_world", "en_US")
        with pytest.raises(CloudApiError) as caught:
            await client.send_template(CUSTOMER, "hello_world", "en_US")

    assert caught.value.code == 131056
    assert caught.value.retry_class is RetryClass.RETRY_LATER


async def test_http_500_is_retry_soon_and_ambiguous(sandbox: Sandbox) -> None:
    sandbox.faults(http_500_ratio=1.0)
    async with client_for(sandbox) as client:
        with pytest.raises(CloudApiError) as caught:
            await client.send_template(CUSTOMER, "hello_world", "en_US")

    assert not isinstance(caught.value, CloudApiTransportError)
    assert caught.value.http_status == 500
    assert caught.value.retry_class is RetryClass.RETRY_SOON
    assert caught.value.ambiguous is True


async def test_timeout_is_an_ambiguous_transport_error_though_the_message_went_out(
    sandbox: Sandbox,
) -> None:
    sandbox.say(CUSTOMER)
    sandbox.faults(timeout_ratio=1.0, timeout_s=2)
    async with client_for(sandbox, timeout=0.3) as client:
        with pytest.raises(CloudApiTransportError) as caught:
            await client.send_text(CUSTOMER, "Your parcel is out for delivery")

    assert caught.value.ambiguous is True
    assert caught.value.retry_class is RetryClass.RETRY_SOON
    assert caught.value.http_status is None
    assert [m["text"] for m in sandbox.phone(CUSTOMER)] == ["Your parcel is out for delivery"]


async def test_nothing_listening_is_a_transport_error_that_is_not_ambiguous(
    sandbox: Sandbox,
) -> None:
    async with client_for(sandbox, base_url=f"http://127.0.0.1:{free_port()}") as client:
        with pytest.raises(CloudApiTransportError) as caught:
            await client.send_text(CUSTOMER, "hello")

    assert caught.value.ambiguous is False
    assert caught.value.retry_class is RetryClass.RETRY_SOON
    assert sandbox.settings.access_token not in str(caught.value)


async def test_a_server_that_hangs_up_after_reading_the_send_is_ambiguous(
    sandbox: Sandbox,
) -> None:
    # The request reached the other side, so the message may have gone: never "not sent".
    heard: list[bytes] = []

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        heard.append(await reader.readuntil(b"\r\n\r\n"))
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with client_for(sandbox, base_url=f"http://127.0.0.1:{port}") as client:
            with pytest.raises(CloudApiTransportError) as caught:
                await client.send_text(CUSTOMER, "hello")
    finally:
        server.close()

    assert heard
    assert heard[0].startswith(b"POST ")
    assert caught.value.ambiguous is True
    assert caught.value.retry_class is RetryClass.RETRY_SOON
    assert sandbox.settings.access_token not in str(caught.value)


async def test_closed_window_is_not_a_sync_error_but_a_failed_status_webhook(
    sandbox: Sandbox,
) -> None:
    async with client_for(sandbox) as client:
        result = await client.send_text(CUSTOMER, "Hi there")  # the customer never wrote

    assert result.message_status == AcceptStatus.ACCEPTED
    delivery = wait_delivery(sandbox.receiver, result.wamid, "failed")
    failed = [s for _, s in statuses(parse_webhook(delivery.body)) if s.id == result.wamid]
    assert [s.status for s in failed] == ["failed"]
    code = failed[0].errors[0].code
    assert code == 131047
    assert classify(code, None) is RetryClass.NEVER_RETRY


# -- webhook signatures -------------------------------------------------------------------------


async def test_verify_signature_accepts_the_sandbox_webhooks_with_the_app_secret(
    sandbox: Sandbox,
) -> None:
    async with client_for(sandbox) as client:
        result = await client.send_template(CUSTOMER, "hello_world", "en_US")
    delivery = wait_delivery(sandbox.receiver, result.wamid, "sent")

    assert verify_signature(sandbox.settings.app_secret, delivery.body, delivery.headers[SIGNATURE])


async def test_verify_signature_rejects_the_sandbox_webhooks_with_another_secret(
    sandbox: Sandbox,
) -> None:
    async with client_for(sandbox) as client:
        result = await client.send_template(CUSTOMER, "hello_world", "en_US")
    delivery = wait_delivery(sandbox.receiver, result.wamid, "sent")

    assert not verify_signature("another-app-secret", delivery.body, delivery.headers[SIGNATURE])
