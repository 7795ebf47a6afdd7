"""Standard Webhooks signatures: the spec's published example, and what receivers verify."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from ordertalk.webhooks_out.signing import new_event_id, new_secret, sign, signed_headers

# The example the Standard Webhooks libraries are tested against.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_spec_example_signs_to_the_published_signature() -> None:
    assert sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_the_headers_of_the_spec_example() -> None:
    at = datetime.fromtimestamp(SPEC_TIMESTAMP, UTC)
    assert signed_headers([SPEC_SECRET], SPEC_ID, at, SPEC_BODY) == {
        "webhook-id": SPEC_ID,
        "webhook-timestamp": str(SPEC_TIMESTAMP),
        "webhook-signature": SPEC_SIGNATURE,
    }


def test_a_receiver_verifies_what_we_sign_and_rejects_a_changed_body() -> None:
    secret = new_secret()
    body = b'{"type":"ping","timestamp":"2026-01-01T00:00:00Z","data":{}}'
    headers = signed_headers([secret], new_event_id(), datetime.now(UTC), body)
    assert Webhook(secret).verify(body, headers)["type"] == "ping"
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"ping", b"pong"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)


def test_during_a_rotation_either_key_verifies() -> None:
    old, new = new_secret(), new_secret()
    body = b'{"a":1}'
    headers = signed_headers([new, old], "msg_1", datetime.now(UTC), body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(body, headers) == {"a": 1}
    assert Webhook(new).verify(body, headers) == {"a": 1}


def test_secrets_are_whsec_and_32_random_bytes_and_ids_have_no_dot() -> None:
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert all("." not in new_event_id() for _ in range(50))
