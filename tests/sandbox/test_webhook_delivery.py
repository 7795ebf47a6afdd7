"""Specification of how the sandbox delivers webhooks and injects transport faults (reference §2,
§11.11, §11.15): signed ASCII-escaped bodies, status sequences, batching, retries until the
receiver is back, duplicates, reordering, clock-driven delays, the verification handshake, and
the send-side faults (HTTP 500, latency, accepted-but-timed-out) with the request log.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.conftest import API, SECOND_NUMBER, Sandbox
from tests.sandbox.steps import (
    expected_signature,
    inbound_delivery,
    settle,
    signed,
    template,
    text,
    wait_status,
)

ALICE = "16505551234"
NAMASTE = "नमस्ते 😀"


def customers(count: int) -> list[str]:
    """``count`` distinct customer wa_ids."""
    return [f"1650558{i:04d}" for i in range(count)]


def all_statuses_arrived(sandbox: Sandbox, wamids: list[str], timeout: float = 5.0) -> None:
    """Wait until every message has its sent, delivered and read status."""
    wanted = {(w, s) for w in wamids for s in ("sent", "delivered", "read")}

    def done(_: object) -> bool:
        return wanted <= {(s["id"], s["status"]) for s in sandbox.receiver.statuses()}

    sandbox.receiver.wait_for(done, timeout, what=f"{len(wanted)} statuses")


# -- what every POST looks like ----------------------------------------------------------------


def test_every_post_is_signed_with_hmac_sha256_of_the_raw_body(sandbox: Sandbox) -> None:
    sandbox.say(ALICE)
    all_statuses_arrived(sandbox, [sandbox.send_ok(text(ALICE))])

    deliveries = sandbox.receiver.snapshot()

    assert len(deliveries) >= 4  # the inbound message and three statuses
    for delivery in deliveries:
        assert delivery.headers["x-hub-signature-256"] == expected_signature(delivery.body)


def test_every_post_is_json(sandbox: Sandbox) -> None:
    wamid = sandbox.say(ALICE)

    delivery = inbound_delivery(sandbox, wamid)

    assert delivery.headers["content-type"].startswith("application/json")


def test_a_signature_made_with_another_secret_does_not_match(sandbox: Sandbox) -> None:
    wamid = sandbox.say(ALICE)
    delivery = inbound_delivery(sandbox, wamid)

    assert delivery.headers["x-hub-signature-256"] != expected_signature(delivery.body, "other")


def test_bodies_are_ascii_with_non_ascii_escaped_as_lowercase_u_escapes(
    sandbox: Sandbox,
) -> None:
    wamid = sandbox.inbound(
        **{"from": ALICE, "type": "text", "text": {"body": NAMASTE}, "profile_name": "प्रिया"}
    )

    delivery = inbound_delivery(sandbox, wamid)

    assert delivery.body.isascii()
    assert b"\\u0928\\u092e" in delivery.body  # न म
    assert b"\\ud83d\\ude00" in delivery.body  # 😀 as a surrogate pair, lowercase hex
    assert signed(delivery)  # the signature covers exactly these escaped bytes
    value = delivery.json["entry"][0]["changes"][0]["value"]
    assert value["messages"][0]["text"]["body"] == NAMASTE
    assert value["contacts"][0]["profile"]["name"] == "प्रिया"


def test_the_envelope_names_the_waba_and_the_business_number(sandbox: Sandbox) -> None:
    inbound = sandbox.say(ALICE)
    wamid = sandbox.send_ok(text(ALICE))
    wait_status(sandbox, wamid, "sent")

    bodies = [inbound_delivery(sandbox, inbound).json] + [
        d.json for d in sandbox.receiver.snapshot() if any(s["id"] == wamid for s in d.statuses())
    ]

    for body in bodies:
        assert body["object"] == "whatsapp_business_account"
        assert body["entry"][0]["id"] == sandbox.settings.waba_id
        change = body["entry"][0]["changes"][0]
        assert change["field"] == "messages"
        assert change["value"]["messaging_product"] == "whatsapp"
        assert change["value"]["metadata"] == {
            "display_phone_number": "15550783881",
            "phone_number_id": sandbox.number,
        }


def test_a_status_names_its_recipient_and_echoes_the_callback_data(sandbox: Sandbox) -> None:
    wamid = sandbox.send_ok(template(ALICE, biz_opaque_callback_data="outbox:42"))

    status = wait_status(sandbox, wamid, "sent")

    assert status["recipient_id"] == ALICE
    assert status["biz_opaque_callback_data"] == "outbox:42"


def test_a_status_names_the_business_number_that_sent_the_message(sandbox: Sandbox) -> None:
    response = sandbox.send(template(ALICE), number=SECOND_NUMBER)
    wamid = response.json()["messages"][0]["id"]
    wait_status(sandbox, wamid, "sent")

    deliveries = [d for d in sandbox.receiver.snapshot() if d.statuses()]

    for delivery in deliveries:
        metadata = delivery.json["entry"][0]["changes"][0]["value"]["metadata"]
        assert metadata["phone_number_id"] == SECOND_NUMBER
        assert metadata["display_phone_number"] != "15550783881"


# -- status sequences --------------------------------------------------------------------------


def test_statuses_arrive_sent_then_delivered_then_read(sandbox: Sandbox) -> None:
    sandbox.say(ALICE)
    wamid = sandbox.send_ok(text(ALICE))

    wait_status(sandbox, wamid, "read")

    assert sandbox.receiver.statuses_of(wamid) == ["sent", "delivered", "read"]


def test_status_timestamps_are_strings_and_never_go_backwards(sandbox: Sandbox) -> None:
    sandbox.say(ALICE)
    wamid = sandbox.send_ok(text(ALICE))
    wait_status(sandbox, wamid, "read")

    stamps = [s["timestamp"] for s in sandbox.receiver.statuses() if s["id"] == wamid]

    assert all(isinstance(stamp, str) and stamp.isdigit() for stamp in stamps)
    assert [int(s) for s in stamps] == sorted(int(s) for s in stamps)


def test_a_batch_size_puts_several_statuses_in_one_post(sandbox: Sandbox) -> None:
    sandbox.configure(status_batch_size=50)
    wamids = [sandbox.send_ok(template(to)) for to in customers(20)]

    all_statuses_arrived(sandbox, wamids)

    status_posts = [d for d in sandbox.receiver.snapshot() if d.statuses()]
    statuses = [s for d in status_posts for s in d.statuses()]
    assert len(status_posts) < len(statuses)
    assert Counter((s["id"], s["status"]) for s in statuses) == Counter(
        {(w, s): 1 for w in wamids for s in ("sent", "delivered", "read")}
    )


def test_a_batched_post_lists_the_contact_of_every_status(sandbox: Sandbox) -> None:
    sandbox.configure(status_batch_size=50)
    wamids = [sandbox.send_ok(template(to)) for to in customers(20)]
    all_statuses_arrived(sandbox, wamids)

    for delivery in sandbox.receiver.snapshot():
        value = delivery.json["entry"][0]["changes"][0]["value"]
        recipients = {s["recipient_id"] for s in value.get("statuses", [])}
        assert recipients <= {c["wa_id"] for c in value.get("contacts", [])}


# -- retries, duplicates, reordering -----------------------------------------------------------


def test_statuses_are_retried_until_a_receiver_that_was_down_comes_back(
    sandbox: Sandbox,
) -> None:
    sandbox.receiver.status_code = 500
    wamids = [sandbox.send_ok(template(to)) for to in customers(10)]
    sandbox.receiver.wait_for(lambda r: r.refused >= 30, what="30 refused statuses")

    sandbox.receiver.status_code = 200

    all_statuses_arrived(sandbox, wamids)
    report = sandbox.control.get("/_sandbox/webhooks").json()
    assert report["posts_failed"] > 0
    assert report["dropped"] == 0


def test_an_inbound_message_is_retried_until_the_receiver_is_back(sandbox: Sandbox) -> None:
    sandbox.receiver.status_code = 500
    wamid = sandbox.say(ALICE, "Where is my order?")
    sandbox.receiver.wait_for(lambda r: r.refused >= 1, what="a refused inbound webhook")

    sandbox.receiver.status_code = 200

    assert inbound_delivery(sandbox, wamid).json["entry"][0]["changes"][0]["field"] == "messages"


def test_statuses_are_dropped_once_the_retry_horizon_has_passed(sandbox: Sandbox) -> None:
    sandbox.receiver.status_code = 500
    wamid = sandbox.send_ok(template(ALICE))
    sandbox.receiver.wait_for(lambda r: r.refused >= 3, what="three refused statuses")

    sandbox.advance(8 * 86_400)  # Meta gives up after about 7 days

    def dropped() -> int:
        count: int = sandbox.control.get("/_sandbox/webhooks").json()["dropped"]
        return count

    sandbox.receiver.wait_for(lambda _: dropped() == 3, what="three dropped statuses")
    sandbox.receiver.status_code = 200
    settle(sandbox)
    assert sandbox.receiver.statuses_of(wamid) == []


def test_a_duplicate_ratio_of_one_delivers_every_status_at_least_twice(
    sandbox: Sandbox,
) -> None:
    sandbox.faults(duplicate_ratio=1.0)
    wamids = [sandbox.send_ok(template(to)) for to in customers(3)]

    def twice(_: object) -> bool:
        seen = Counter((s["id"], s["status"]) for s in sandbox.receiver.statuses())
        return all(seen[(w, s)] >= 2 for w in wamids for s in ("sent", "delivered", "read"))

    sandbox.receiver.wait_for(twice, what="every status twice")


def test_a_duplicate_ratio_of_one_delivers_inbound_messages_at_least_twice(
    sandbox: Sandbox,
) -> None:
    sandbox.faults(duplicate_ratio=1.0)

    wamid = sandbox.say(ALICE, "Where is my order?")

    # At-least-once applies to every webhook: receivers must dedupe messages[].id too.
    def copies() -> int:
        return sum(
            1
            for d in sandbox.receiver.snapshot()
            for c in d.json["entry"][0]["changes"]
            for m in c["value"].get("messages", [])
            if m["id"] == wamid
        )

    inbound_delivery(sandbox, wamid)
    sandbox.receiver.wait_for(lambda _: copies() >= 2, timeout=2, what="a duplicate inbound")


def test_reordering_delivers_read_before_sent(sandbox: Sandbox) -> None:
    sandbox.faults(reorder=True)
    sandbox.say(ALICE)
    wamid = sandbox.send_ok(text(ALICE))

    all_statuses_arrived(sandbox, [wamid])

    arrived = sandbox.receiver.statuses_of(wamid)
    assert arrived.index("read") < arrived.index("sent")


def test_reordered_statuses_never_move_the_phone_backwards(sandbox: Sandbox) -> None:
    sandbox.faults(reorder=True)
    sandbox.say(ALICE)
    wamid = sandbox.send_ok(text(ALICE))
    all_statuses_arrived(sandbox, [wamid])

    [message] = sandbox.phone(ALICE)

    assert (message["id"], message["status"]) == (wamid, "read")


# -- delays on the sandbox clock ---------------------------------------------------------------


def test_long_status_delays_follow_the_sandbox_clock(sandbox: Sandbox) -> None:
    sandbox.configure(delivered_delay_s=3600, read_delay_s=7200)
    sandbox.say(ALICE)
    wamid = sandbox.send_ok(text(ALICE))
    wait_status(sandbox, wamid, "sent")
    assert sandbox.phone(ALICE)[0]["status"] == "sent"
    assert sandbox.receiver.statuses_of(wamid) == ["sent"]

    sandbox.advance(3600)

    wait_status(sandbox, wamid, "delivered")
    assert sandbox.receiver.statuses_of(wamid) == ["sent", "delivered"]


def test_the_read_status_comes_when_the_clock_reaches_its_delay(sandbox: Sandbox) -> None:
    sandbox.configure(delivered_delay_s=3600, read_delay_s=7200)
    sandbox.say(ALICE)
    wamid = sandbox.send_ok(text(ALICE))
    sandbox.advance(7200)

    wait_status(sandbox, wamid, "read")

    assert sandbox.receiver.statuses_of(wamid) == ["sent", "delivered", "read"]


# -- verification handshake --------------------------------------------------------------------


def test_the_verification_handshake_succeeds_against_the_receiver(sandbox: Sandbox) -> None:
    response = sandbox.control.post("/_sandbox/verify-webhook")

    assert response.status_code == 200
    assert response.json()["ok"] is True


# -- faults on the send endpoint ---------------------------------------------------------------


def test_an_injected_server_error_answers_500_with_the_131000_envelope(sandbox: Sandbox) -> None:
    sandbox.faults(http_500_ratio=1.0)

    response = sandbox.send(template(ALICE))

    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == 131000
    assert error["message"].startswith("(#131000) ")
    assert error["type"] == "OAuthException"
    assert error["error_data"]["messaging_product"] == "whatsapp"
    assert error["fbtrace_id"]
    assert sandbox.phone(ALICE) == []  # nothing was sent


def latency_probe(sandbox: Sandbox, timeout: float) -> httpx.Response:
    """One send with its own (short) client timeout."""
    with httpx.Client(
        base_url=f"{sandbox.url}/{API}",
        headers={"Authorization": f"Bearer {sandbox.settings.access_token}"},
        timeout=timeout,
    ) as client:
        body = {"messaging_product": "whatsapp"} | template(ALICE)
        return client.post(f"/{sandbox.number}/messages", json=body)


def logged_sends(sandbox: Sandbox) -> list[dict[str, Any]]:
    """The request log's rows for message sends."""
    rows: list[dict[str, Any]] = sandbox.control.get("/_sandbox/log").json()
    return [r for r in rows if r.get("path", "").endswith("/messages")]


def test_injected_latency_delays_the_answer(sandbox: Sandbox) -> None:
    sandbox.faults(latency_ms=1000)

    with pytest.raises(httpx.TimeoutException):
        latency_probe(sandbox, timeout=0.25)
    patient = latency_probe(sandbox, timeout=5)

    # The patient send started after the impatient one, so both are over on the server now.
    assert patient.status_code == 200


def test_a_timed_out_send_was_still_accepted(sandbox: Sandbox) -> None:
    sandbox.faults(timeout_ratio=1.0, timeout_s=1)

    with pytest.raises(httpx.TimeoutException):
        latency_probe(sandbox, timeout=0.3)

    [message] = sandbox.phone(ALICE)
    status = wait_status(sandbox, message["id"], "delivered")
    assert status["recipient_id"] == ALICE


def test_callback_data_ties_the_statuses_of_a_timed_out_send_to_the_outbox(
    sandbox: Sandbox,
) -> None:
    sandbox.faults(timeout_ratio=1.0, timeout_s=1)
    with httpx.Client(
        base_url=f"{sandbox.url}/{API}",
        headers={"Authorization": f"Bearer {sandbox.settings.access_token}"},
        timeout=0.3,
    ) as client:
        body = {"messaging_product": "whatsapp"} | template(
            ALICE, biz_opaque_callback_data="outbox:7"
        )
        with pytest.raises(httpx.TimeoutException):
            client.post(f"/{sandbox.number}/messages", json=body)

    sandbox.receiver.wait_for(
        lambda r: any(s.get("biz_opaque_callback_data") == "outbox:7" for s in r.statuses()),
        what="a status for outbox:7",
    )
    status = next(
        s for s in sandbox.receiver.statuses() if s.get("biz_opaque_callback_data") == "outbox:7"
    )
    assert status["id"] == sandbox.phone(ALICE)[0]["id"]


# -- the request log ---------------------------------------------------------------------------


def test_the_request_log_lists_sends_with_time_path_status_code_and_recipient(
    sandbox: Sandbox,
) -> None:
    wamid = sandbox.send_ok(template(ALICE))
    refused = sandbox.send({"to": ALICE, "type": "text"})  # no text object
    assert refused.status_code == 400

    ok_row, refused_row = logged_sends(sandbox)

    assert ok_row["path"] == f"/{API}/{sandbox.number}/messages"
    assert ok_row["http_status"] == 200
    assert ok_row["to"] == ALICE
    assert ok_row["wamid"] == wamid
    assert isinstance(ok_row["time"], int | float)
    assert refused_row["http_status"] == 400
    assert refused_row["code"] == refused.json()["error"]["code"]
    assert refused_row["time"] >= ok_row["time"]


def test_the_request_log_uses_the_sandbox_clock(sandbox: Sandbox) -> None:
    sandbox.advance(86_400)
    now = sandbox.control.get("/_sandbox/clock").json()["now"]

    sandbox.send_ok(template(ALICE))

    [row] = logged_sends(sandbox)
    assert row["time"] >= now


def test_the_request_log_can_be_read_from_a_point_in_time(sandbox: Sandbox) -> None:
    sandbox.send_ok(template(ALICE))
    sandbox.advance(60)
    since = sandbox.control.get("/_sandbox/clock").json()["now"]
    later = sandbox.send_ok(template(ALICE))

    rows = sandbox.control.get("/_sandbox/log", params={"since": since}).json()

    assert [r.get("wamid") for r in rows] == [later]


def test_settled_webhooks_leave_nothing_pending(sandbox: Sandbox) -> None:
    sandbox.say(ALICE)
    all_statuses_arrived(sandbox, [sandbox.send_ok(text(ALICE))])

    settle(sandbox)

    report = sandbox.control.get("/_sandbox/webhooks").json()
    assert report["pending"] == 0
    assert report["statuses_delivered"] == 3
    assert report["changes_delivered"] == 1
    assert json.dumps(report)  # plain JSON all the way down


def test_account_events_are_emitted_on_demand_with_the_waba_and_a_time(sandbox: Sandbox) -> None:
    answer = sandbox.control.post(
        "/_sandbox/account-events",
        json={
            "field": "phone_number_quality_update",
            "value": {"event": "THROUGHPUT_UPGRADE", "current_limit": "TIER_UNLIMITED"},
        },
    )
    assert answer.status_code == 200, answer.text
    sandbox.receiver.wait_for(
        lambda r: any("phone_number_quality_update" in d.fields() for d in r.snapshot()),
        what="phone_number_quality_update",
    )
    delivery = next(
        d for d in sandbox.receiver.snapshot() if "phone_number_quality_update" in d.fields()
    )
    entry = delivery.json["entry"][0]
    assert entry["id"] == sandbox.settings.waba_id
    assert isinstance(entry["time"], int)
    value = entry["changes"][0]["value"]
    assert value["event"] == "THROUGHPUT_UPGRADE"
    assert value["display_phone_number"] == "15550783881"


def test_an_unknown_account_event_field_is_refused(sandbox: Sandbox) -> None:
    answer = sandbox.control.post(
        "/_sandbox/account-events", json={"field": "messages", "value": {}}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == 100
