"""Error classification and Graph error envelope parsing."""

from __future__ import annotations

import json

import pytest

from ordertalk.whatsapp.errors import (
    CloudApiError,
    CloudApiTransportError,
    RetryClass,
    classify,
    redact,
)

SOON = RetryClass.RETRY_SOON
LATER = RetryClass.RETRY_LATER
FIX = RetryClass.FIX_REQUEST
NEVER = RetryClass.NEVER_RETRY

TOKEN = "EAAGm0PX4ZCpsBAKZCdummyTokenValue1234567890abcdefXYZ"


def envelope(code: int, title: str, details: str | None = None, **extra: object) -> bytes:
    """A Graph error body shaped like Meta's."""
    error: dict[str, object] = {
        "message": f"(#{code}) {title}",
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AIuaBG7oaIH0NkT5zP_khJH",
        **extra,
    }
    if details is not None:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return json.dumps({"error": error}).encode()


@pytest.mark.parametrize(
    ("code", "http_status", "expected"),
    [
        # throughput and platform hiccups
        (130429, 400, SOON),
        (130429, 429, SOON),
        (4, 400, SOON),
        (80007, 400, SOON),
        (2, 503, SOON),
        (131000, 500, SOON),
        (131016, 503, SOON),
        (131057, 500, SOON),
        (133004, 503, SOON),
        # recipient- or quota-scoped
        (131056, 400, LATER),
        (131056, 429, LATER),
        (131049, None, LATER),
        (131048, 400, LATER),
        # policy, consent, reachability
        (131047, None, NEVER),
        (131047, 400, NEVER),
        (131050, None, NEVER),
        (131026, None, NEVER),
        (130472, None, NEVER),
        (368, 403, NEVER),
        (130497, 403, NEVER),
        (131031, 403, NEVER),
        (131021, 400, NEVER),
        (131062, 400, NEVER),
        (137000, 400, NEVER),
        # ours to fix: token, permissions, request, template, registration
        (0, 401, FIX),
        (190, 401, FIX),
        (3, 500, FIX),
        (10, 403, FIX),
        (200, 403, FIX),
        (299, 403, FIX),
        (100, 400, FIX),
        (131008, 400, FIX),
        (131009, 400, FIX),
        (131030, 400, FIX),
        (131053, None, FIX),
        (132000, 400, FIX),
        (132001, 404, FIX),
        (132015, 400, FIX),
        (132018, 400, FIX),
        (133010, 400, FIX),
        (2388040, 400, FIX),
        (987654, 400, FIX),
        (987654, None, FIX),
    ],
)
def test_classify_by_code(code: int, http_status: int | None, expected: RetryClass) -> None:
    assert classify(code, http_status) is expected


@pytest.mark.parametrize(
    ("http_status", "expected"),
    [
        *[(None, SOON), (500, SOON), (502, SOON), (504, SOON), (429, SOON), (408, SOON)],
        *[(400, FIX), (401, FIX), (403, FIX), (404, FIX)],
    ],
)
def test_classify_without_code_falls_back_to_http_status(
    http_status: int | None, expected: RetryClass
) -> None:
    assert classify(None, http_status) is expected


def test_unknown_code_on_5xx_is_retried() -> None:
    assert classify(987654, 503) is SOON


def test_from_response_reads_the_graph_envelope() -> None:
    body = envelope(
        131009,
        "Parameter value is not valid",
        "Total row count exceed max allowed count: 10",
        error_subcode=2494010,
    )
    exc = CloudApiError.from_response(400, body)
    assert exc.code == 131009
    assert exc.title == "Parameter value is not valid"
    assert exc.details == "Total row count exceed max allowed count: 10"
    assert exc.http_status == 400
    assert exc.fbtrace_id == "AIuaBG7oaIH0NkT5zP_khJH"
    assert exc.error_subcode == 2494010
    assert exc.error_type == "OAuthException"
    assert exc.retry_class is FIX
    assert exc.ambiguous is False
    assert "131009" in str(exc)
    assert "Total row count" in str(exc)


@pytest.mark.parametrize(
    ("code", "status", "title", "expected"),
    [
        (130429, 400, "Rate limit hit", SOON),
        (131056, 400, "(Business Account, Consumer Account) pair rate limit hit", LATER),
        (131047, 400, "Re-engagement message", NEVER),
        (132001, 404, "Template name does not exist in the translation", FIX),
        (131000, 500, "Something went wrong", SOON),
    ],
)
def test_from_response_classifies_real_codes(
    code: int, status: int, title: str, expected: RetryClass
) -> None:
    exc = CloudApiError.from_response(status, envelope(code, title, "details"))
    assert (exc.code, exc.title, exc.retry_class) == (code, title, expected)


def test_expired_token_error_is_flagged() -> None:
    body = json.dumps(
        {
            "error": {
                "message": "Error validating access token: Session has expired.",
                "type": "OAuthException",
                "code": 190,
                "error_subcode": 463,
                "fbtrace_id": "Ab1",
            }
        }
    )
    exc = CloudApiError.from_response(401, body)
    assert exc.token_invalid
    assert exc.error_subcode == 463
    assert exc.retry_class is FIX


def test_error_data_as_json_string_and_string_code() -> None:
    body = json.dumps(
        {
            "error": {
                "message": "(#100) Invalid parameter",
                "code": "100",
                "error_data": '{"details": "Param to is required"}',
            }
        }
    )
    exc = CloudApiError.from_response(400, body)
    assert exc.code == 100
    assert exc.details == "Param to is required"


def test_is_transient_upgrades_an_unknown_code() -> None:
    body = json.dumps({"error": {"message": "Please retry", "code": 9999, "is_transient": True}})
    assert CloudApiError.from_response(400, body).retry_class is SOON


def test_error_as_plain_string() -> None:
    exc = CloudApiError.from_response(400, b'{"error": "Unsupported get request."}')
    assert exc.code is None
    assert exc.title == "Unsupported get request."
    assert exc.retry_class is FIX


def test_proxy_html_502_becomes_retry_soon() -> None:
    html = (
        b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
        b"</body>\r\n</html>\r\n"
    )
    exc = CloudApiError.from_response(502, html)
    assert isinstance(exc, CloudApiError)
    assert exc.code is None
    assert exc.http_status == 502
    assert exc.retry_class is SOON
    assert exc.ambiguous is True
    assert exc.details is not None
    assert "502 Bad Gateway" in exc.details
    assert "<" not in exc.details


@pytest.mark.parametrize("body", [b"", None, "", b"   "])
def test_empty_body(body: bytes | str | None) -> None:
    exc = CloudApiError.from_response(503, body)
    assert exc.code is None
    assert exc.details is None
    assert exc.retry_class is SOON
    assert "503" in str(exc)


@pytest.mark.parametrize(
    "body",
    [b"[1, 2]", b'{"error": 5}', b'{"unexpected": true}', b"\xff\xfe\x00garbage", b"[" * 5000],
)
def test_unexpected_bodies_still_give_an_error(body: bytes) -> None:
    exc = CloudApiError.from_response(400, body)
    assert exc.code is None
    assert exc.http_status == 400
    assert exc.retry_class is FIX


def test_long_bodies_are_truncated() -> None:
    exc = CloudApiError.from_response(500, "x" * 10_000)
    assert len(str(exc)) < 500


def test_messages_never_carry_the_token_or_a_full_phone_number() -> None:
    body = envelope(
        131030,
        "Recipient phone number not in allowed list",
        f"Bearer {TOKEN} cannot send to +1 650-555-1234 or 16505551234 (token {TOKEN})",
    )
    exc = CloudApiError.from_response(400, body, secrets=[TOKEN])
    for text in (str(exc), repr(exc), exc.details or ""):
        assert TOKEN not in text
        assert "16505551234" not in text
        assert "650-555-1234" not in text
        assert "…1234" in text


def test_meta_shaped_tokens_are_redacted_without_being_told() -> None:
    exc = CloudApiError.from_response(400, f"<p>access_token={TOKEN}&x=1 {TOKEN}</p>")
    assert TOKEN not in str(exc)


def test_redact_keeps_short_numbers_and_base64_ids() -> None:
    text = "code 131047 subcode 2494010 wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVC"
    assert redact(text) == text
    assert redact("call +44 20 7946 0958 now") == "call …0958 now"


def test_transport_error_is_retry_soon_and_ambiguous() -> None:
    exc = CloudApiTransportError(
        f"POST /v25.0/1/messages: ReadTimeout with {TOKEN}", secrets=[TOKEN]
    )
    assert isinstance(exc, CloudApiError)
    assert exc.retry_class is SOON
    assert exc.ambiguous is True
    assert exc.code is None
    assert exc.http_status is None
    assert TOKEN not in str(exc)
    assert "ReadTimeout" in str(exc)


def test_transport_error_before_sending_is_not_ambiguous() -> None:
    exc = CloudApiTransportError("ConnectError", ambiguous=False)
    assert exc.ambiguous is False
    assert exc.retry_class is SOON
