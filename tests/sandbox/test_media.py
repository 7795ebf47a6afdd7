"""Specification of the Media API over HTTP: upload, describe, download, delete.

`POST /{phone_number_id}/media` (multipart `file`, `type`, `messaging_product`) answers
`{"id"}`; `GET /{media_id}` gives a short-lived `url` with `mime_type`, `sha256` and
`file_size`; the url is downloaded with the same bearer token; `DELETE /{media_id}` forgets it.
Unsupported types and oversize files are 131053, a missing file 131008. Media a customer sends
resolves the same way, and media sent by a link that can't be fetched fails later with 131053.
"""

from __future__ import annotations

import base64
import hashlib

import httpx

from tests.conftest import Sandbox
from tests.sandbox.http_support import (
    JPEG,
    PDF,
    assert_graph_error,
    create_approved,
    template_send,
    upload,
    upload_ok,
    wait_inbound,
    wait_outcome,
)

CUSTOMER = "447700900123"
MB = 1024 * 1024
PARCEL_PHOTO = {
    "name": "parcel_photo",
    "language": "en_US",
    "category": "UTILITY",
    "components": [
        {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1h"]}},
        {"type": "BODY", "text": "Your parcel has been packed and is ready to go."},
    ],
}


def describe(sandbox: Sandbox, media_id: str) -> httpx.Response:
    """GET /{media_id}."""
    return sandbox.graph.get(f"/{media_id}")


def download(sandbox: Sandbox, url: str, token: str | None) -> httpx.Response:
    """GET the media url, with or without a bearer token."""
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.get(url, headers=headers, timeout=10)


# -- upload ----------------------------------------------------------------------------------


def test_an_upload_answers_only_the_new_media_id(sandbox: Sandbox) -> None:
    response = upload(sandbox, JPEG, "image/jpeg", "receipt.jpg")

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"id"}
    assert isinstance(body["id"], str)
    assert body["id"].isdigit()


def test_each_upload_gets_a_new_id(sandbox: Sandbox) -> None:
    first = upload_ok(sandbox, JPEG, "image/jpeg")
    second = upload_ok(sandbox, JPEG, "image/jpeg")

    assert first != second


DOCUMENTED_TYPES = [
    "image/jpeg",
    "image/png",
    "video/mp4",
    "video/3gpp",
    "audio/aac",
    "audio/amr",
    "audio/mpeg",
    "audio/mp4",
    "audio/ogg",
    "text/plain",
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "image/webp",
]


def test_every_documented_media_type_can_be_uploaded(sandbox: Sandbox) -> None:
    refused = {
        mime: response.text
        for mime in DOCUMENTED_TYPES
        if (response := upload(sandbox, b"sample bytes of some media", mime)).status_code != 200
    }

    assert refused == {}


def test_an_unsupported_mime_type_is_refused_with_131053(sandbox: Sandbox) -> None:
    response = upload(sandbox, b"PK\x03\x04zip", "application/zip", "archive.zip")

    error = assert_graph_error(response, 131053)
    assert "application/zip" in error["error_data"]["details"]


def test_an_image_over_5_mb_is_refused_with_131053(sandbox: Sandbox) -> None:
    response = upload(sandbox, b"\xff" * (5 * MB + 1), "image/jpeg", "huge.jpg")

    assert_graph_error(response, 131053)


def test_an_image_of_exactly_5_mb_is_accepted(sandbox: Sandbox) -> None:
    response = upload(sandbox, b"\xff" * (5 * MB), "image/jpeg", "big.jpg")

    assert response.status_code == 200, response.text


def test_a_sticker_over_500_kb_is_refused_with_131053(sandbox: Sandbox) -> None:
    response = upload(sandbox, b"R" * (500 * 1024 + 1), "image/webp", "sticker.webp")

    assert_graph_error(response, 131053)


def test_an_empty_file_is_refused_with_131053(sandbox: Sandbox) -> None:
    assert_graph_error(upload(sandbox, b"", "image/jpeg"), 131053)


def test_an_upload_without_a_file_is_refused_with_131008(sandbox: Sandbox) -> None:
    response = sandbox.graph.post(
        f"/{sandbox.number}/media", data={"messaging_product": "whatsapp", "type": "image/jpeg"}
    )

    assert_graph_error(response, 131008)


def test_an_upload_without_messaging_product_is_refused_with_100(sandbox: Sandbox) -> None:
    response = upload(sandbox, JPEG, "image/jpeg", fields={"type": "image/jpeg"})

    assert_graph_error(response, 100)


def test_an_upload_that_is_not_multipart_is_refused_with_100(sandbox: Sandbox) -> None:
    response = sandbox.graph.post(f"/{sandbox.number}/media", json={"file": "x"})

    assert_graph_error(response, 100)


def test_an_upload_without_a_token_is_refused_with_401(sandbox: Sandbox) -> None:
    response = sandbox.control.post(
        f"/v25.0/{sandbox.number}/media",
        data={"messaging_product": "whatsapp", "type": "image/jpeg"},
        files={"file": ("a.jpg", JPEG, "image/jpeg")},
    )

    assert_graph_error(response, 0, status=401)


# -- describe and download -------------------------------------------------------------------


def test_get_media_describes_url_type_hash_and_size(sandbox: Sandbox) -> None:
    media_id = upload_ok(sandbox, PDF, "application/pdf", "invoice.pdf")

    response = describe(sandbox, media_id)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "messaging_product": "whatsapp",
        "url": body["url"],
        "mime_type": "application/pdf",
        "sha256": hashlib.sha256(PDF).hexdigest(),
        "file_size": len(PDF),
        "id": media_id,
    }
    assert body["url"].startswith("http")


def test_the_media_url_downloads_the_exact_bytes_with_the_token(sandbox: Sandbox) -> None:
    media_id = upload_ok(sandbox, JPEG, "image/jpeg", "receipt.jpg")
    url = describe(sandbox, media_id).json()["url"]

    response = download(sandbox, url, sandbox.settings.access_token)

    assert response.status_code == 200
    assert response.content == JPEG
    assert response.headers["content-type"].startswith("image/jpeg")


def test_the_media_url_without_the_token_is_refused_with_401(sandbox: Sandbox) -> None:
    media_id = upload_ok(sandbox, JPEG, "image/jpeg")
    url = describe(sandbox, media_id).json()["url"]

    assert download(sandbox, url, None).status_code == 401


def test_the_media_url_with_a_wrong_token_is_refused_with_401(sandbox: Sandbox) -> None:
    media_id = upload_ok(sandbox, JPEG, "image/jpeg")
    url = describe(sandbox, media_id).json()["url"]

    assert download(sandbox, url, "someone-elses-token").status_code == 401


def test_the_media_url_accepts_the_bearer_scheme_in_any_case(sandbox: Sandbox) -> None:
    # HTTP auth schemes are case-insensitive, and the Graph routes accept "bearer" too.
    media_id = upload_ok(sandbox, JPEG, "image/jpeg")
    url = describe(sandbox, media_id).json()["url"]

    response = httpx.get(
        url, headers={"Authorization": f"bearer {sandbox.settings.access_token}"}, timeout=10
    )

    assert response.status_code == 200
    assert response.content == JPEG


def test_get_of_an_unknown_media_id_is_refused_with_100(sandbox: Sandbox) -> None:
    assert_graph_error(describe(sandbox, "1234567890123456"), 100)


def test_media_ids_expire_after_30_days(sandbox: Sandbox) -> None:
    media_id = upload_ok(sandbox, JPEG, "image/jpeg")

    sandbox.advance(30 * 86_400)

    assert_graph_error(describe(sandbox, media_id), 100)


# -- delete ----------------------------------------------------------------------------------


def test_delete_answers_success_and_the_media_is_gone(sandbox: Sandbox) -> None:
    media_id = upload_ok(sandbox, JPEG, "image/jpeg")

    response = sandbox.graph.delete(f"/{media_id}")

    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}
    assert_graph_error(describe(sandbox, media_id), 100)


def test_a_deleted_media_url_no_longer_downloads(sandbox: Sandbox) -> None:
    media_id = upload_ok(sandbox, JPEG, "image/jpeg")
    url = describe(sandbox, media_id).json()["url"]

    sandbox.graph.delete(f"/{media_id}")

    assert download(sandbox, url, sandbox.settings.access_token).status_code == 404


def test_deleting_unknown_media_is_refused_with_100(sandbox: Sandbox) -> None:
    assert_graph_error(sandbox.graph.delete("/1234567890123456"), 100)


def test_a_send_by_a_deleted_media_id_is_refused(sandbox: Sandbox) -> None:
    media_id = upload_ok(sandbox, JPEG, "image/jpeg")
    sandbox.graph.delete(f"/{media_id}")

    response = sandbox.send({"to": CUSTOMER, "type": "image", "image": {"id": media_id}})

    assert_graph_error(response, 131009)


# -- media from customers --------------------------------------------------------------------


def test_an_image_a_customer_sends_resolves_and_downloads(sandbox: Sandbox) -> None:
    wamid = sandbox.inbound(**{"from": CUSTOMER, "type": "image", "image": {"caption": "x"}})
    image = wait_inbound(sandbox.receiver, wamid)["image"]

    described = describe(sandbox, image["id"])

    assert described.status_code == 200, described.text
    body = described.json()
    assert body["mime_type"] == image["mime_type"]
    assert body["sha256"] == image["sha256"]
    content = download(sandbox, body["url"], sandbox.settings.access_token).content
    assert hashlib.sha256(content).hexdigest() == image["sha256"]
    assert len(content) == body["file_size"]


def test_a_customer_image_webhook_keeps_its_caption(sandbox: Sandbox) -> None:
    wamid = sandbox.inbound(
        **{"from": CUSTOMER, "type": "image", "image": {"caption": "damaged box"}}
    )

    assert wait_inbound(sandbox.receiver, wamid)["image"]["caption"] == "damaged box"


def test_every_other_kind_of_media_a_customer_sends_also_resolves(sandbox: Sandbox) -> None:
    kinds = ["document", "audio", "video", "sticker"]
    wamids = {kind: sandbox.inbound(**{"from": CUSTOMER, "type": kind, kind: {}}) for kind in kinds}

    for kind, wamid in wamids.items():
        media = wait_inbound(sandbox.receiver, wamid)[kind]
        response = describe(sandbox, media["id"])
        assert response.status_code == 200, (kind, response.text)
        assert response.json()["sha256"] == media["sha256"], kind


def test_a_customer_can_send_bytes_of_their_own_which_download_unchanged(
    sandbox: Sandbox,
) -> None:
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    image = {"data_base64": base64.b64encode(data).decode(), "mime_type": "image/png"}
    wamid = sandbox.inbound(**{"from": CUSTOMER, "type": "image", "image": image})
    sent = wait_inbound(sandbox.receiver, wamid)["image"]

    assert "data_base64" not in sent
    assert sent["mime_type"] == "image/png"
    assert sent["sha256"] == hashlib.sha256(data).hexdigest()
    body = describe(sandbox, sent["id"]).json()
    assert body["file_size"] == len(data)
    assert download(sandbox, body["url"], sandbox.settings.access_token).content == data


def test_a_customer_may_send_what_an_upload_would_refuse(sandbox: Sandbox) -> None:
    # A phone is not the upload API: the business must cope with whatever type arrives.
    gif = {"data_base64": base64.b64encode(b"GIF89a....").decode(), "mime_type": "image/gif"}
    wamid = sandbox.inbound(**{"from": CUSTOMER, "type": "image", "image": gif})

    sent = wait_inbound(sandbox.receiver, wamid)["image"]

    assert describe(sandbox, sent["id"]).json()["mime_type"] == "image/gif"


def test_customer_bytes_must_be_base64_and_come_without_an_id(sandbox: Sandbox) -> None:
    bad = sandbox.control.post(
        "/_sandbox/inbound",
        json={"from": CUSTOMER, "type": "image", "image": {"data_base64": "not base64!"}},
    )
    both = sandbox.control.post(
        "/_sandbox/inbound",
        json={"from": CUSTOMER, "type": "document", "document": {"id": "1", "data_base64": "eA=="}},
    )

    assert_graph_error(bad, 100)
    assert_graph_error(both, 100)


def test_a_media_fault_makes_lookups_and_downloads_answer_500(sandbox: Sandbox) -> None:
    wamid = sandbox.inbound(**{"from": CUSTOMER, "type": "image", "image": {}})
    media_id = wait_inbound(sandbox.receiver, wamid)["image"]["id"]
    url = describe(sandbox, media_id).json()["url"]

    sandbox.faults(media_error_ratio=1.0)
    described = describe(sandbox, media_id)
    downloaded = download(sandbox, url, sandbox.settings.access_token)
    sandbox.faults(media_error_ratio=0.0)

    assert_graph_error(described, 131000, 500)
    assert_graph_error(downloaded, 131000, 500)
    assert describe(sandbox, media_id).status_code == 200
    assert sandbox.send({"to": CUSTOMER, "type": "text", "text": {"body": "ok"}}).status_code == 200


# -- media by link ---------------------------------------------------------------------------


def test_media_by_an_unreachable_link_is_accepted_then_fails_with_131053(
    sandbox: Sandbox,
) -> None:
    sandbox.say(CUSTOMER)

    wamid = sandbox.send_ok(
        {"to": CUSTOMER, "type": "image", "image": {"link": "https://cdn.shop.invalid/box.jpg"}}
    )

    statuses = wait_outcome(sandbox.receiver, wamid)
    assert [s["status"] for s in statuses] == ["failed"]
    assert statuses[0]["errors"][0]["code"] == 131053


def test_an_interactive_header_by_an_unreachable_link_fails_with_131053(
    sandbox: Sandbox,
) -> None:
    sandbox.say(CUSTOMER)
    interactive = {
        "type": "cta_url",
        "header": {"type": "image", "image": {"link": "https://cdn.shop.invalid/banner.png"}},
        "body": {"text": "Track your parcel live."},
        "action": {
            "name": "cta_url",
            "parameters": {"display_text": "Track", "url": "https://shop.example/t/1"},
        },
    }

    wamid = sandbox.send_ok({"to": CUSTOMER, "type": "interactive", "interactive": interactive})

    statuses = wait_outcome(sandbox.receiver, wamid)
    assert [s["status"] for s in statuses] == ["failed"]
    assert statuses[0]["errors"][0]["code"] == 131053


def test_a_template_header_by_an_unreachable_link_fails_with_131053(sandbox: Sandbox) -> None:
    create_approved(sandbox, PARCEL_PHOTO)
    header = {
        "type": "header",
        "parameters": [{"type": "image", "image": {"link": "https://cdn.shop.invalid/p.jpg"}}],
    }

    wamid = sandbox.send_ok(template_send(CUSTOMER, "parcel_photo", [header]))

    statuses = wait_outcome(sandbox.receiver, wamid)
    assert [s["status"] for s in statuses] == ["failed"]
    assert statuses[0]["errors"][0]["code"] == 131053


def test_a_template_header_naming_media_never_uploaded_never_reaches_the_customer(
    sandbox: Sandbox,
) -> None:
    # Like any media id: refused at once (131009), or failed later (131053) - never delivered.
    create_approved(sandbox, PARCEL_PHOTO)
    header = {"type": "header", "parameters": [{"type": "image", "image": {"id": "1234567890"}}]}

    response = sandbox.send(template_send(CUSTOMER, "parcel_photo", [header]))

    if response.status_code != 200:
        assert_graph_error(response, 131009)
        return
    statuses = wait_outcome(sandbox.receiver, response.json()["messages"][0]["id"])
    assert [s["status"] for s in statuses] == ["failed"]
    assert statuses[0]["errors"][0]["code"] == 131053
