"""Webhook signature and GET handshake."""

from __future__ import annotations

import json

import pytest
from pywa.utils import webhook_updates_validator

from ordertalk.whatsapp.signature import sign, verify_challenge, verify_signature
from ordertalk.whatsapp.webhooks import messages, parse_webhook

SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
BODY = b'{"object":"whatsapp_business_account","entry":[]}'


def test_sign_shape() -> None:
    signature = sign(SECRET, BODY)
    assert signature.startswith("sha256=")
    digest = signature.removeprefix("sha256=")
    assert len(digest) == 64
    assert digest == digest.lower()


def test_right_signature_verifies() -> None:
    assert verify_signature(SECRET, BODY, sign(SECRET, BODY))


def test_uppercase_hex_is_accepted() -> None:
    header = "sha256=" + sign(SECRET, BODY).removeprefix("sha256=").upper()
    assert verify_signature(SECRET, BODY, header)


def test_wrong_secret_fails() -> None:
    assert not verify_signature(SECRET, BODY, sign("another-secret", BODY))


def test_tampered_body_fails() -> None:
    assert not verify_signature(SECRET, BODY + b" ", sign(SECRET, BODY))


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        "sha256",
        "sha1=0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33",
        "sha256=" + "g" * 64,
        "sha256=" + "a" * 63,
        "sha256=" + "a" * 65,
        "sha256=" + "é" * 64,
        "SHA256=" + "a" * 64,
        "sha256=\x00" + "a" * 63,
    ],
)
def test_missing_or_malformed_header_is_false(header: str | None) -> None:
    assert verify_signature(SECRET, BODY, header) is False


def test_empty_secret_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="app_secret"):
        sign("", BODY)


def test_non_ascii_is_signed_as_escaped_bytes() -> None:
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"phone_number_id": "106540352242922"},
                            "messages": [
                                {
                                    "from": "16505551234",
                                    "id": "wamid.X",
                                    "timestamp": "1749416383",
                                    "type": "text",
                                    "text": {"body": "Où est ma commande? 😮 שלום"},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    # Meta sends non-ASCII as lowercase \uXXXX escapes and signs exactly those bytes.
    escaped = json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode()
    assert b"\\u00f9" in escaped
    assert b"\\ud83d\\ude2e" in escaped
    header = sign(SECRET, escaped)
    assert verify_signature(SECRET, escaped, header)
    # Re-serializing (as UTF-8) before verifying breaks the signature: verify raw bytes only.
    reencoded = json.dumps(json.loads(escaped), ensure_ascii=False, separators=(",", ":"))
    assert not verify_signature(SECRET, reencoded.encode(), header)
    ((_, _, message),) = messages(parse_webhook(escaped))
    assert message.text == "Où est ma commande? 😮 שלום"


def test_agrees_with_pywa() -> None:
    body = json.dumps({"text": "naïve ✓"}).encode()
    assert webhook_updates_validator(SECRET, body, sign(SECRET, body))


def challenge_params(
    mode: str = "subscribe", token: str = "verify-me", challenge: str = "1158201444"
) -> dict[str, str]:
    return {"hub.mode": mode, "hub.verify_token": token, "hub.challenge": challenge}


def test_challenge_echoed_when_token_matches() -> None:
    assert verify_challenge(challenge_params(), "verify-me") == "1158201444"


@pytest.mark.parametrize(
    "params",
    [
        challenge_params(token="wrong"),
        challenge_params(token="vérify"),
        challenge_params(mode="unsubscribe"),
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": "verify-me"},
        {},
    ],
)
def test_challenge_refused(params: dict[str, str]) -> None:
    assert verify_challenge(params, "verify-me") is None


def test_challenge_refused_when_no_token_is_configured() -> None:
    assert verify_challenge(challenge_params(token=""), "") is None
