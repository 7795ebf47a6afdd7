"""Specification of the sandbox's messaging rules, over real HTTP (reference §4, §5, §6, §9, §11).

- the 24-hour customer service window: free-form messages only while it is open, templates
  always, and only the customer's own messages open or reset it;
- the 72-hour free entry point after a click-to-WhatsApp ad;
- per-message pricing in status webhooks, on both sides of the 2026-10-01 cut-over;
- throughput (130429), pair rate (131056) and the daily messaging limit (131064);
- how a simulated phone behaves: not on WhatsApp, read receipts off, marketing opt-out and caps.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SECOND_NUMBER, Sandbox
from tests.sandbox.steps import (
    AD_REFERRAL,
    field_deliveries,
    inbound_value,
    marketing_template,
    set_phone,
    settle,
    signed,
    status_object,
    template,
    text,
    wait_status,
)

ALICE = "16505551234"
BOB = "447700900123"
BSUID = "US.13491208655302741918"
HOUR = 3600.0
DAY = 24 * HOUR
FUTURE = "2099-01-01T00:00:00Z"
PAST = "2020-01-01T00:00:00Z"


def customers(count: int, prefix: str = "1650556") -> list[str]:
    """``count`` distinct customer wa_ids."""
    return [f"{prefix}{i:04d}" for i in range(count)]


def error_code(status: dict[str, Any]) -> int:
    """The code of a failed status."""
    code: int = status["errors"][0]["code"]
    return code


def failed_code(sandbox: Sandbox, wamid: str) -> int:
    """Wait for a message's `failed` status; its error code."""
    return error_code(wait_status(sandbox, wamid, "failed"))


def pricing_of(sandbox: Sandbox, wamid: str, status: str = "sent") -> dict[str, Any]:
    """The pricing object of one status of a message."""
    pricing: dict[str, Any] = wait_status(sandbox, wamid, status)["pricing"]
    return pricing


def api_error(response: Any) -> int:
    """The Graph error code of a refused request."""
    code: int = response.json()["error"]["code"]
    return code


# -- the 24-hour customer service window -------------------------------------------------------


def test_a_text_to_a_customer_who_never_wrote_is_accepted_then_fails_with_131047(
    sandbox: Sandbox,
) -> None:
    response = sandbox.send(text(ALICE))

    assert response.status_code == 200
    wamid = response.json()["messages"][0]["id"]
    assert failed_code(sandbox, wamid) == 131047
    settle(sandbox)
    assert sandbox.receiver.statuses_of(wamid) == ["failed"]


def test_a_text_after_the_customer_wrote_is_delivered(sandbox: Sandbox) -> None:
    sandbox.say(ALICE)

    wamid = sandbox.send_ok(text(ALICE))

    wait_status(sandbox, wamid, "delivered")
    assert "failed" not in sandbox.receiver.statuses_of(wamid)


def test_the_window_closes_24_hours_after_the_customers_last_message(sandbox: Sandbox) -> None:
    sandbox.say(ALICE)
    sandbox.advance(DAY + 1)

    wamid = sandbox.send_ok(text(ALICE))

    assert failed_code(sandbox, wamid) == 131047


def test_every_customer_message_resets_the_window(sandbox: Sandbox) -> None:
    sandbox.say(ALICE)
    sandbox.advance(23 * HOUR)
    sandbox.say(ALICE, "any news?")
    sandbox.advance(23 * HOUR)

    wamid = sandbox.send_ok(text(ALICE))

    wait_status(sandbox, wamid, "delivered")


def test_a_template_is_delivered_outside_the_window(sandbox: Sandbox) -> None:
    wamid = sandbox.send_ok(template(ALICE))

    wait_status(sandbox, wamid, "delivered")


def test_a_template_does_not_open_the_window(sandbox: Sandbox) -> None:
    wait_status(sandbox, sandbox.send_ok(template(ALICE)), "delivered")

    wamid = sandbox.send_ok(text(ALICE))

    assert failed_code(sandbox, wamid) == 131047


def test_a_quick_reply_tap_opens_the_window(sandbox: Sandbox) -> None:
    wamid = sandbox.send_ok(template(ALICE))
    wait_status(sandbox, wamid, "delivered")
    sandbox.inbound(**{"from": ALICE, "type": "button", "button": {"text": "Yes"}})

    reply = sandbox.send_ok(text(ALICE))

    wait_status(sandbox, reply, "delivered")


def test_the_window_is_per_business_number(sandbox: Sandbox) -> None:
    sandbox.say(ALICE)  # to the primary number

    response = sandbox.send(text(ALICE), number=SECOND_NUMBER)

    assert response.status_code == 200
    assert failed_code(sandbox, response.json()["messages"][0]["id"]) == 131047


# -- free entry point (click-to-WhatsApp ads) --------------------------------------------------


def test_a_reply_to_an_ad_referral_is_a_free_entry_point(sandbox: Sandbox) -> None:
    sandbox.inbound(
        **{"from": ALICE, "type": "text", "text": {"body": "Hi!"}, "referral": AD_REFERRAL}
    )

    wamid = sandbox.send_ok(text(ALICE, "Thanks for your interest!"))

    pricing = pricing_of(sandbox, wamid)
    assert pricing["billable"] is False
    assert pricing["type"] == "free_entry_point"
    assert pricing["category"] == "referral_conversion"


def test_templates_stay_free_for_72_hours_after_the_reply_to_an_ad(sandbox: Sandbox) -> None:
    sandbox.inbound(
        **{"from": ALICE, "type": "text", "text": {"body": "Hi!"}, "referral": AD_REFERRAL}
    )
    wait_status(sandbox, sandbox.send_ok(text(ALICE)), "sent")
    sandbox.advance(48 * HOUR)  # the service window is closed, the entry point is not

    wamid = sandbox.send_ok(template(ALICE))

    pricing = pricing_of(sandbox, wamid)
    assert (pricing["billable"], pricing["type"]) == (False, "free_entry_point")


def test_templates_are_priced_normally_once_the_free_entry_point_is_over(
    sandbox: Sandbox,
) -> None:
    sandbox.inbound(
        **{"from": ALICE, "type": "text", "text": {"body": "Hi!"}, "referral": AD_REFERRAL}
    )
    wait_status(sandbox, sandbox.send_ok(text(ALICE)), "sent")
    sandbox.advance(72 * HOUR + 1)

    wamid = sandbox.send_ok(template(ALICE))

    pricing = pricing_of(sandbox, wamid)
    assert pricing == {
        "billable": True,
        "pricing_model": "PMP",
        "type": "regular",
        "category": "utility",
    }


def test_an_inbound_without_a_referral_opens_no_free_entry_point(sandbox: Sandbox) -> None:
    sandbox.say(ALICE)

    wamid = sandbox.send_ok(text(ALICE))

    assert pricing_of(sandbox, wamid)["type"] != "free_entry_point"


# -- pricing -----------------------------------------------------------------------------------


def test_a_service_reply_before_the_cutover_is_free_customer_service(sandbox: Sandbox) -> None:
    sandbox.configure(pricing_cutover=FUTURE)
    sandbox.say(ALICE)

    wamid = sandbox.send_ok(text(ALICE))

    assert pricing_of(sandbox, wamid) == {
        "billable": False,
        "pricing_model": "PMP",
        "type": "free_customer_service",
        "category": "service",
    }


def test_a_service_reply_after_the_cutover_is_charged(sandbox: Sandbox) -> None:
    sandbox.configure(pricing_cutover=PAST)
    sandbox.say(ALICE)

    wamid = sandbox.send_ok(text(ALICE))

    assert pricing_of(sandbox, wamid) == {
        "billable": True,
        "pricing_model": "PMP",
        "type": "regular",
        "category": "service",
    }


def test_a_utility_template_inside_the_window_before_the_cutover_is_free(
    sandbox: Sandbox,
) -> None:
    sandbox.configure(pricing_cutover=FUTURE)
    sandbox.say(ALICE)

    wamid = sandbox.send_ok(template(ALICE))

    pricing = pricing_of(sandbox, wamid)
    assert (pricing["billable"], pricing["type"], pricing["category"]) == (
        False,
        "free_customer_service",
        "utility",
    )


def test_a_utility_template_inside_the_window_after_the_cutover_is_charged(
    sandbox: Sandbox,
) -> None:
    sandbox.configure(pricing_cutover=PAST)
    sandbox.say(ALICE)

    wamid = sandbox.send_ok(template(ALICE))

    pricing = pricing_of(sandbox, wamid)
    assert (pricing["billable"], pricing["type"], pricing["category"]) == (
        True,
        "regular",
        "utility",
    )


def test_a_utility_template_outside_the_window_is_charged_even_before_the_cutover(
    sandbox: Sandbox,
) -> None:
    sandbox.configure(pricing_cutover=FUTURE)

    wamid = sandbox.send_ok(template(ALICE))

    pricing = pricing_of(sandbox, wamid)
    assert (pricing["billable"], pricing["type"], pricing["category"]) == (
        True,
        "regular",
        "utility",
    )


@pytest.mark.parametrize("cutover", [FUTURE, PAST])
def test_a_marketing_template_is_always_charged(sandbox: Sandbox, cutover: str) -> None:
    marketing_template(sandbox)
    sandbox.configure(pricing_cutover=cutover)
    sandbox.say(ALICE)

    wamid = sandbox.send_ok(template(ALICE, "spring_sale"))

    pricing = pricing_of(sandbox, wamid)
    assert (pricing["billable"], pricing["type"], pricing["category"]) == (
        True,
        "regular",
        "marketing",
    )


def test_pricing_is_on_sent_and_delivered_but_not_on_read(sandbox: Sandbox) -> None:
    sandbox.say(ALICE)

    wamid = sandbox.send_ok(text(ALICE))

    wait_status(sandbox, wamid, "read")
    assert "pricing" in status_object(sandbox, wamid, "sent")
    assert "pricing" in status_object(sandbox, wamid, "delivered")
    assert "pricing" not in status_object(sandbox, wamid, "read")


def test_a_failed_message_carries_no_pricing(sandbox: Sandbox) -> None:
    wamid = sandbox.send_ok(text(ALICE))  # window closed

    assert "pricing" not in wait_status(sandbox, wamid, "failed")


# -- throughput --------------------------------------------------------------------------------


def test_sends_beyond_the_throughput_are_refused_with_130429(sandbox: Sandbox) -> None:
    sandbox.configure(throughput_mps=5)
    first, *others, sixth = customers(6)

    accepted = [sandbox.send(template(to)).status_code for to in [first, *others]]
    refused = sandbox.send(template(sixth))

    assert accepted == [200] * 5
    assert refused.status_code == 400
    assert api_error(refused) == 130429


def test_throughput_refusals_can_be_http_429(sandbox: Sandbox) -> None:
    sandbox.configure(throughput_mps=5, throttle_http_status=429)
    for to in customers(5):
        sandbox.send_ok(template(to))

    refused = sandbox.send(template("16505559999"))

    assert refused.status_code == 429
    assert api_error(refused) == 130429


def test_inbound_messages_consume_throughput(sandbox: Sandbox) -> None:
    sandbox.configure(throughput_mps=5)
    for wa_id in customers(5):
        sandbox.say(wa_id)

    refused = sandbox.send(text(customers(1)[0]))

    assert api_error(refused) == 130429


# -- pair rate ---------------------------------------------------------------------------------


def test_the_46th_message_in_a_burst_to_one_customer_is_refused_with_131056(
    sandbox: Sandbox,
) -> None:
    sandbox.configure(throughput_mps=1000)
    for _ in range(45):
        sandbox.send_ok(template(ALICE))

    refused = sandbox.send(template(ALICE))

    assert refused.status_code == 400
    assert api_error(refused) == 131056


def test_the_pair_rate_limit_leaves_other_customers_unaffected(sandbox: Sandbox) -> None:
    sandbox.configure(throughput_mps=1000)
    for _ in range(45):
        sandbox.send_ok(template(ALICE))
    assert api_error(sandbox.send(template(ALICE))) == 131056

    response = sandbox.send(template(BOB))

    assert response.status_code == 200


def test_one_more_message_goes_through_six_seconds_after_a_pair_burst(sandbox: Sandbox) -> None:
    sandbox.configure(throughput_mps=1000)
    for _ in range(45):
        sandbox.send_ok(template(ALICE))
    assert api_error(sandbox.send(template(ALICE))) == 131056

    sandbox.advance(6)

    assert sandbox.send(template(ALICE)).status_code == 200
    assert api_error(sandbox.send(template(ALICE))) == 131056


def test_changing_the_throughput_does_not_forget_the_pair_rate(sandbox: Sandbox) -> None:
    sandbox.configure(throughput_mps=1000)
    for _ in range(45):
        sandbox.send_ok(template(ALICE))

    sandbox.configure(throughput_mps=900)  # e.g. the number's throughput level changes

    assert api_error(sandbox.send(template(ALICE))) == 131056


# -- messaging limit (unique customers outside the window, rolling 24 h) ----------------------


def reach(sandbox: Sandbox, wa_ids: list[str]) -> list[str]:
    """Send a template to each customer; the wamids."""
    return [sandbox.send_ok(template(to)) for to in wa_ids]


def delivered_all(sandbox: Sandbox, wamids: list[str]) -> None:
    """Wait until every message was delivered."""
    wanted = set(wamids)

    def done(_: object) -> bool:
        got = {s["id"] for s in sandbox.receiver.statuses() if s["status"] == "delivered"}
        return wanted <= got

    sandbox.receiver.wait_for(done, what=f"{len(wanted)} deliveries")


@pytest.fixture
def fast_limits(sandbox: Sandbox) -> Sandbox:
    """The lowest messaging tier, no throughput limit in the way, statuses in batches."""
    sandbox.configure(messaging_limit_tier="TIER_250", throughput_mps=1000, status_batch_size=100)
    return sandbox


def test_templates_to_250_customers_outside_the_window_are_delivered(
    fast_limits: Sandbox,
) -> None:
    wamids = reach(fast_limits, customers(250))

    delivered_all(fast_limits, wamids)
    assert not [s for s in fast_limits.receiver.statuses() if s["status"] == "failed"]


def test_the_251st_customer_outside_the_window_fails_with_131064(fast_limits: Sandbox) -> None:
    reach(fast_limits, customers(250))

    response = fast_limits.send(template("16505570000"))

    assert response.status_code == 200  # accepted; the limit is reported asynchronously
    assert failed_code(fast_limits, response.json()["messages"][0]["id"]) == 131064


def test_a_customer_already_reached_today_can_get_more_templates(fast_limits: Sandbox) -> None:
    reach(fast_limits, customers(250))

    wamid = fast_limits.send_ok(template(customers(1)[0]))

    wait_status(fast_limits, wamid, "delivered")


def test_customers_inside_the_window_do_not_count_towards_the_limit(
    fast_limits: Sandbox,
) -> None:
    fast_limits.say(ALICE)
    wait_status(fast_limits, fast_limits.send_ok(template(ALICE)), "delivered")

    wamids = reach(fast_limits, customers(250))

    delivered_all(fast_limits, wamids)


def test_the_messaging_limit_rolls_over_after_24_hours(fast_limits: Sandbox) -> None:
    reach(fast_limits, customers(250))
    late = fast_limits.send_ok(template("16505570000"))
    assert failed_code(fast_limits, late) == 131064

    fast_limits.advance(DAY)

    wamid = fast_limits.send_ok(template("16505570000"))
    wait_status(fast_limits, wamid, "delivered")


# -- how a customer's phone behaves ------------------------------------------------------------


def test_a_number_not_on_whatsapp_fails_with_131026(sandbox: Sandbox) -> None:
    set_phone(sandbox, ALICE, on_whatsapp=False)

    wamid = sandbox.send_ok(template(ALICE))

    assert failed_code(sandbox, wamid) == 131026
    settle(sandbox)
    assert sandbox.receiver.statuses_of(wamid) == ["failed"]


def test_a_phone_with_read_receipts_off_never_reports_read(sandbox: Sandbox) -> None:
    set_phone(sandbox, ALICE, read_receipts=False)

    wamid = sandbox.send_ok(template(ALICE))

    wait_status(sandbox, wamid, "delivered")
    settle(sandbox)
    assert sandbox.receiver.statuses_of(wamid) == ["sent", "delivered"]


def test_a_marketing_opt_out_emits_a_signed_user_preferences_webhook(sandbox: Sandbox) -> None:
    set_phone(sandbox, ALICE, marketing_opt_out=True)

    sandbox.receiver.wait_for(
        lambda _: bool(field_deliveries(sandbox, "user_preferences")), what="user_preferences"
    )
    delivery = field_deliveries(sandbox, "user_preferences")[0]
    assert signed(delivery)
    value = delivery.json["entry"][0]["changes"][0]["value"]
    preference = value["user_preferences"][0]
    assert preference["wa_id"] == ALICE
    assert preference["value"] == "stop"
    assert preference["category"] == "marketing_messages"
    assert value["contacts"][0]["wa_id"] == ALICE


def test_opting_back_in_emits_resume(sandbox: Sandbox) -> None:
    set_phone(sandbox, ALICE, marketing_opt_out=True)
    set_phone(sandbox, ALICE, marketing_opt_out=False)

    def values() -> list[str]:
        return [
            d.json["entry"][0]["changes"][0]["value"]["user_preferences"][0]["value"]
            for d in field_deliveries(sandbox, "user_preferences")
        ]

    sandbox.receiver.wait_for(lambda _: len(values()) == 2, what="two user_preferences")
    assert sorted(values()) == ["resume", "stop"]


def test_marketing_templates_to_an_opted_out_customer_fail_with_131050(
    sandbox: Sandbox,
) -> None:
    marketing_template(sandbox)
    set_phone(sandbox, ALICE, marketing_opt_out=True)

    wamid = sandbox.send_ok(template(ALICE, "spring_sale"))

    assert failed_code(sandbox, wamid) == 131050


def test_utility_templates_still_reach_an_opted_out_customer(sandbox: Sandbox) -> None:
    set_phone(sandbox, ALICE, marketing_opt_out=True)

    wamid = sandbox.send_ok(template(ALICE))

    wait_status(sandbox, wamid, "delivered")


def test_a_marketing_capped_customer_fails_with_131049(sandbox: Sandbox) -> None:
    marketing_template(sandbox)
    set_phone(sandbox, ALICE, marketing_capped=True)

    wamid = sandbox.send_ok(template(ALICE, "spring_sale"))

    assert failed_code(sandbox, wamid) == 131049


def test_a_reaction_only_ever_gets_sent(sandbox: Sandbox) -> None:
    their_message = sandbox.say(ALICE, "Where is my order?")

    wamid = sandbox.send_ok(
        {"to": ALICE, "type": "reaction", "reaction": {"message_id": their_message, "emoji": "👍"}}
    )

    wait_status(sandbox, wamid, "sent")
    settle(sandbox)
    assert sandbox.receiver.statuses_of(wamid) == ["sent"]


# -- more rules, found while specifying the ones above -----------------------------------------


def test_a_reply_by_bsuid_reaches_the_customer_whose_window_is_open(sandbox: Sandbox) -> None:
    inbound = sandbox.say(ALICE)
    user_id = inbound_value(sandbox, inbound)["contacts"][0]["user_id"]

    wamid = sandbox.send_ok({"recipient": user_id, "type": "text", "text": {"body": "Hello!"}})

    # The BSUID names the same person as the phone number: same chat, same open window.
    sandbox.receiver.wait_for(
        lambda r: bool({"delivered", "failed"} & set(r.statuses_of(wamid))), what="an outcome"
    )
    assert "failed" not in sandbox.receiver.statuses_of(wamid), sandbox.receiver.statuses()


def test_a_reply_more_than_24_hours_after_an_ad_click_opens_no_free_entry_point(
    sandbox: Sandbox,
) -> None:
    sandbox.inbound(
        **{"from": ALICE, "type": "text", "text": {"body": "Hi!"}, "referral": AD_REFERRAL}
    )
    sandbox.advance(DAY + 1)

    wamid = sandbox.send_ok(template(ALICE))

    assert pricing_of(sandbox, wamid)["type"] == "regular"


def test_the_messages_of_a_free_entry_point_share_one_conversation(sandbox: Sandbox) -> None:
    sandbox.inbound(
        **{"from": ALICE, "type": "text", "text": {"body": "Hi!"}, "referral": AD_REFERRAL}
    )
    first = sandbox.send_ok(text(ALICE, "Thanks for your interest!"))
    second = sandbox.send_ok(text(ALICE, "Here is the catalogue."))

    first_conversation = wait_status(sandbox, first, "sent")["conversation"]
    second_conversation = wait_status(sandbox, second, "sent")["conversation"]

    assert first_conversation["origin"] == {"type": "referral_conversion"}
    assert first_conversation["id"] == second_conversation["id"]


def test_the_first_status_of_a_free_entry_point_tells_when_it_expires(sandbox: Sandbox) -> None:
    sandbox.inbound(
        **{"from": ALICE, "type": "text", "text": {"body": "Hi!"}, "referral": AD_REFERRAL}
    )
    now = sandbox.control.get("/_sandbox/clock").json()["now"]

    wamid = sandbox.send_ok(text(ALICE, "Thanks for your interest!"))

    expires = int(wait_status(sandbox, wamid, "sent")["conversation"]["expiration_timestamp"])
    assert now + 72 * HOUR - 5 <= expires <= now + 72 * HOUR + 5


def test_a_pricing_cutover_without_a_timezone_never_breaks_sending(sandbox: Sandbox) -> None:
    configured = sandbox.control.put(
        "/_sandbox/config", json={"pricing_cutover": "2099-01-01T00:00:00"}
    )
    assert configured.status_code in {200, 400}  # read as UTC, or refused: both fine
    sandbox.say(ALICE)

    response = sandbox.send(text(ALICE))

    assert response.status_code == 200, response.text


def test_the_messaging_limit_is_shared_by_every_number_of_the_portfolio(
    fast_limits: Sandbox,
) -> None:
    reach(fast_limits, customers(250))

    response = fast_limits.send(template("16505570000"), number=SECOND_NUMBER)

    assert failed_code(fast_limits, response.json()["messages"][0]["id"]) == 131064


def test_throughput_is_counted_per_business_number(sandbox: Sandbox) -> None:
    sandbox.configure(throughput_mps=5)
    for to in customers(5):
        sandbox.send_ok(template(to))
    assert api_error(sandbox.send(template(BOB))) == 130429

    response = sandbox.send(template(BOB), number=SECOND_NUMBER)

    assert response.status_code == 200


def test_pair_rate_refusals_can_be_http_429(sandbox: Sandbox) -> None:
    sandbox.configure(throughput_mps=1000, throttle_http_status=429)
    for _ in range(45):
        sandbox.send_ok(template(ALICE))

    refused = sandbox.send(template(ALICE))

    assert refused.status_code == 429
    assert api_error(refused) == 131056


def test_a_username_only_customers_opt_out_names_them_by_user_id_only(
    sandbox: Sandbox,
) -> None:
    set_phone(sandbox, BSUID, marketing_opt_out=True)

    sandbox.receiver.wait_for(
        lambda _: bool(field_deliveries(sandbox, "user_preferences")), what="user_preferences"
    )
    value = field_deliveries(sandbox, "user_preferences")[0].json["entry"][0]["changes"][0]["value"]
    [preference] = value["user_preferences"]
    assert preference["user_id"] == BSUID
    assert "wa_id" not in preference  # absent, as in `contacts`, rather than null
    assert "wa_id" not in value["contacts"][0]
