"""The phone page over HTTP: `/_sandbox/phones` (the chat list) and `/_sandbox/phones/{wa_id}`
(one chat) for browsers, what they render and escape, and what their buttons send. The JSON
routes API clients use stay as they were. (The same page in Chromium: tests/browser.)"""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx

from ordertalk.sandbox.bubbles import safe_href
from ordertalk.sandbox.text_format import whatsapp_text
from tests.conftest import Sandbox
from tests.sandbox.http_support import JPEG, PDF, create_approved, upload_ok, wait_inbound
from tests.sandbox.steps import list_message, reply_buttons, text, wait_status

ASHA = "919876543210"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
FETCH_JSON = {"Accept": "application/json"}
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGBgAAAABQABpfZFQAAAAABJRU5ErkJggg=="
)
SHIPPED = {
    "name": "parcel_shipped",
    "language": "en_US",
    "category": "UTILITY",
    "components": [
        {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}",
         "example": {"header_text": ["#1"]}},
        {
            "type": "BODY",
            "text": "Hi {{1}}, your parcel is on its way.\nIt arrives soon.",
            "example": {"body_text": [["Asha"]]},
        },
        {"type": "FOOTER", "text": "Chai & Co"},
        {
            "type": "BUTTONS",
            "buttons": [
                {"type": "QUICK_REPLY", "text": "Where is it?"},
                {
                    "type": "URL",
                    "text": "Track",
                    "url": "https://shop.example/t/{{1}}",
                    "example": ["https://shop.example/t/AWB1"],
                },
                {"type": "PHONE_NUMBER", "text": "Call us", "phone_number": "15550051310"},
            ],
        },
    ],
}  # fmt: skip


def page(sandbox: Sandbox, path: str, **params: str) -> httpx.Response:
    """GET a page as a browser asks for it."""
    return sandbox.control.get(path, headers=BROWSER, params=params)


def chat(sandbox: Sandbox, wa_id: str = ASHA) -> str:
    """The chat page's HTML, insisting it rendered."""
    response = page(sandbox, f"/_sandbox/phones/{wa_id}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def bubble(html: str, text_in_it: str) -> str:
    """The <li> of the (first) message whose HTML contains ``text_in_it``."""
    for item in re.findall(r'<li id="m-[0-9a-f]+".*?\n</li>', html, re.DOTALL):
        if text_in_it in item:
            return str(item)
    raise AssertionError(f"no message with {text_in_it!r}")


def message_id_in(item: str) -> str:
    """The wamid a bubble's reply form names."""
    found = re.search(r'name="message" value="([^"]+)"', item)
    assert found is not None, item
    return found.group(1)


def tap(sandbox: Sandbox, item: str, option: int, wa_id: str = ASHA) -> dict[str, Any]:
    """Press the option on a bubble (a form post, as without JavaScript); the webhook's message."""
    before = {m["id"] for m in sandbox.control.get(f"/_sandbox/phones/{wa_id}/sent").json()}
    response = sandbox.control.post(
        f"/_sandbox/phones/{wa_id}/reply",
        data={"kind": "option", "message": message_id_in(item), "option": str(option)},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/_sandbox/phones/{wa_id}#end"
    sent = sandbox.control.get(f"/_sandbox/phones/{wa_id}/sent").json()
    (new,) = [m for m in sent if m["id"] not in before]
    return wait_inbound(sandbox.receiver, new["id"])


# -- the JSON routes stay ----------------------------------------------------------------------


def test_api_clients_still_get_json_from_every_phones_route(sandbox: Sandbox) -> None:
    sandbox.say(ASHA)
    sandbox.send_ok(text(ASHA, "Hello"))

    listing = sandbox.control.get("/_sandbox/phones")
    assert listing.headers["content-type"] == "application/json"
    assert [p["wa_id"] for p in listing.json()] == [ASHA]
    assert set(listing.json()[0]) == {
        "wa_id", "user_id", "profile_name", "on_whatsapp", "read_receipts",
        "marketing_opt_out", "marketing_capped", "typing",
    }  # fmt: skip
    forced = sandbox.control.get("/_sandbox/phones", headers=BROWSER, params={"format": "json"})
    assert forced.json() == listing.json()
    assert [m["text"] for m in sandbox.phone(ASHA)] == ["Hello"]
    assert len(sandbox.control.get(f"/_sandbox/phones/{ASHA}/sent").json()) == 1
    changed = sandbox.control.put(f"/_sandbox/phones/{ASHA}", json={"read_receipts": False})
    assert changed.json()["read_receipts"] is False


def test_a_browser_gets_the_chat_list(sandbox: Sandbox) -> None:
    sandbox.inbound(
        **{"from": ASHA, "type": "text", "text": {"body": "hi"}, "profile_name": "Asha"}
    )
    sandbox.send_ok(text(ASHA, "First"))
    sandbox.send_ok(text(ASHA, "Second <b>bold</b>"))

    response = page(sandbox, "/_sandbox/phones")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["vary"] == "Accept"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    html = response.text
    assert f'href="/_sandbox/phones/{ASHA}#end"' in html
    assert ">Asha<" in html
    assert f"+{ASHA}" in html
    assert "Second &lt;b&gt;bold&lt;/b&gt;" in html  # the last message, escaped
    assert 'aria-label="2 unread"' in html
    chat(sandbox)  # opening the chat reads it
    assert "unread" not in page(sandbox, "/_sandbox/phones").text


def test_the_chat_list_is_empty_and_says_so(sandbox: Sandbox) -> None:
    html = page(sandbox, "/_sandbox/phones").text

    assert "No customers yet" in html
    assert page(sandbox, "/_sandbox/phones", fragment="1").text.strip().startswith("<li")


def test_an_unknown_phone_is_a_404_page(sandbox: Sandbox) -> None:
    response = page(sandbox, "/_sandbox/phones/14155550100")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "no customer 14155550100" in response.text
    tap = sandbox.control.post("/_sandbox/phones/14155550100/reply", data={"text": "hi"})
    assert tap.status_code == 404


# -- what a chat shows -------------------------------------------------------------------------


def test_text_is_escaped_and_keeps_its_line_breaks(sandbox: Sandbox) -> None:
    sandbox.inbound(
        **{"from": ASHA, "type": "text", "text": {"body": "<img src=x onerror=alert(1)>"},
           "profile_name": "<script>alert('name')</script>"}
    )  # fmt: skip
    sandbox.send_ok(
        text(ASHA, "<script>alert(1)</script>\nline two *bold* https://t.example/a?b=1&c=2")
    )

    html = chat(sandbox)

    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\nline two <strong>bold</strong>" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in html
    assert '<a href="https://t.example/a?b=1&amp;c=2" rel="noopener noreferrer"' in html
    mine, theirs = bubble(html, "&lt;img"), bubble(html, "line two")
    assert 'class="msg mine"' in mine  # the customer's own message, on the right
    assert 'class="msg theirs"' in theirs


def test_a_template_shows_header_body_footer_and_its_buttons(sandbox: Sandbox) -> None:
    create_approved(sandbox, SHIPPED)
    sandbox.send_ok(
        {
            "to": ASHA,
            "type": "template",
            "template": {
                "name": "parcel_shipped",
                "language": {"code": "en_US"},
                "components": [
                    {"type": "header", "parameters": [{"type": "text", "text": "#2041"}]},
                    {"type": "body", "parameters": [{"type": "text", "text": "Asha"}]},
                    {"type": "button", "sub_type": "url", "index": "1",
                     "parameters": [{"type": "text", "text": "AWB42"}]},
                ],
            },
        }
    )  # fmt: skip

    item = bubble(chat(sandbox), "parcel_shipped")

    assert '<p class="header">Order #2041</p>' in item
    assert "Hi Asha, your parcel is on its way.\nIt arrives soon." in item
    assert '<p class="footer">Chai &amp; Co</p>' in item
    assert re.search(
        r'<button type="submit" name="option" value="0">.*Where is it\?</button>', item
    )
    assert '<a class="link-button" href="https://shop.example/t/AWB42"' in item
    assert "Call us" in item
    assert item.count("<button") == 1  # only the quick reply is a reply


def test_tapping_a_template_quick_reply_sends_the_button_with_its_context(
    sandbox: Sandbox,
) -> None:
    create_approved(sandbox, SHIPPED)
    sent = sandbox.send_ok(
        {
            "to": ASHA,
            "type": "template",
            "template": {
                "name": "parcel_shipped",
                "language": {"code": "en_US"},
                "components": [
                    {"type": "header", "parameters": [{"type": "text", "text": "#2041"}]},
                    {"type": "body", "parameters": [{"type": "text", "text": "Asha"}]},
                    {"type": "button", "sub_type": "quick_reply", "index": "0",
                     "parameters": [{"type": "payload", "payload": "WISMO:2041"}]},
                    {"type": "button", "sub_type": "url", "index": "1",
                     "parameters": [{"type": "text", "text": "AWB42"}]},
                ],
            },
        }
    )  # fmt: skip

    message = tap(sandbox, bubble(chat(sandbox), "parcel_shipped"), 0)

    assert message["type"] == "button"
    assert message["button"] == {"text": "Where is it?", "payload": "WISMO:2041"}
    assert message["context"]["id"] == sent
    assert 'class="msg mine"' in bubble(chat(sandbox), '<p class="text">Where is it?</p>')


def test_tapping_a_reply_button_sends_its_id(sandbox: Sandbox) -> None:
    sandbox.say(ASHA)
    sent = sandbox.send_ok(reply_buttons(ASHA, "Tomorrow", "Next week"))
    item = bubble(chat(sandbox), "When should we deliver?")
    assert "Next week</button>" in item

    message = tap(sandbox, item, 1)

    assert message["interactive"] == {
        "type": "button_reply",
        "button_reply": {"id": "next week", "title": "Next week"},
    }
    assert message["context"]["id"] == sent


def test_a_list_opens_its_rows_from_a_menu_button_and_a_row_is_a_reply(sandbox: Sandbox) -> None:
    sandbox.say(ASHA)
    sandbox.send_ok(list_message(ASHA))
    item = bubble(chat(sandbox), "Pick a delivery speed")
    menu = re.search(r'<button type="button" popovertarget="(menu-[0-9a-f]+)">.*See options', item)
    assert menu is not None
    assert f'<div id="{menu.group(1)}" popover' in item
    assert "<h3>Speeds</h3>" in item
    assert "Next day" in item

    message = tap(sandbox, item, 0)

    assert message["interactive"]["list_reply"] == {
        "id": "express",
        "title": "Express",
        "description": "Next day",
    }


def test_a_cta_url_button_is_a_link(sandbox: Sandbox) -> None:
    sandbox.say(ASHA)
    sandbox.send_ok(
        {
            "to": ASHA,
            "type": "interactive",
            "interactive": {
                "type": "cta_url",
                "body": {"text": "Track your parcel"},
                "action": {
                    "name": "cta_url",
                    "parameters": {"display_text": "Open tracking", "url": "https://t.example/1"},
                },
            },
        }
    )

    item = bubble(chat(sandbox), "Track your parcel")

    assert '<a class="link-button" href="https://t.example/1"' in item
    assert "Open tracking</a>" in item
    assert "<button" not in item


def test_images_show_from_the_media_store_and_documents_are_downloads(sandbox: Sandbox) -> None:
    sandbox.say(ASHA)
    image = upload_ok(sandbox, JPEG, "image/jpeg", "parcel.jpg")
    document = upload_ok(sandbox, PDF, "application/pdf", "invoice.pdf")
    sandbox.send_ok({"to": ASHA, "type": "image", "image": {"id": image, "caption": "Packed"}})
    sandbox.send_ok(
        {"to": ASHA, "type": "document", "document": {"id": document, "filename": "invoice.pdf"}}
    )
    sandbox.send_ok({"to": ASHA, "type": "image", "image": {"link": "https://cdn.example/p.jpg"}})

    html = chat(sandbox)

    assert f'<img class="media image" src="/_sandbox/media/{image}"' in bubble(html, "Packed")
    download = bubble(html, "invoice.pdf")
    assert f'href="/_sandbox/media/{document}?download=1" download' in download
    linked = bubble(html, "cdn.example")
    assert "<img" not in linked  # a link is never fetched by the page
    shown = sandbox.control.get(f"/_sandbox/media/{image}")
    assert shown.content == JPEG
    assert shown.headers["content-type"] == "image/jpeg"
    saved = sandbox.control.get(f"/_sandbox/media/{document}", params={"download": "1"})
    assert saved.headers["content-disposition"] == "attachment; filename*=UTF-8''invoice.pdf"
    assert sandbox.control.get("/_sandbox/media/123").status_code == 404


def test_a_customers_file_of_an_unsafe_type_is_only_ever_a_download(sandbox: Sandbox) -> None:
    evil = base64.b64encode(b"<script>alert(1)</script>").decode()
    wamid = sandbox.inbound(
        **{"from": ASHA, "type": "document",
           "document": {"data_base64": evil, "mime_type": "text/html", "filename": "x.html"}}
    )  # fmt: skip
    media_id = wait_inbound(sandbox.receiver, wamid)["document"]["id"]

    served = sandbox.control.get(f"/_sandbox/media/{media_id}")

    assert served.headers["content-type"] == "application/octet-stream"
    assert served.headers["content-disposition"].startswith("attachment")
    assert served.headers["x-content-type-options"] == "nosniff"


def test_ticks_follow_the_message_status(sandbox: Sandbox) -> None:
    sandbox.say(ASHA)
    read = sandbox.send_ok(text(ASHA, "Will be read"))
    wait_status(sandbox, read, "read")
    sandbox.control.put(f"/_sandbox/phones/{ASHA}", json={"on_whatsapp": False})
    failed = sandbox.send_ok(text(ASHA, "Will fail"))
    wait_status(sandbox, failed, "failed")

    html = chat(sandbox)

    assert 'class="ticks ticks-read" data-status role="img" aria-label="Read"' in bubble(
        html, "Will be read"
    )
    assert 'aria-label="Not delivered"' in bubble(html, "Will fail")
    assert "✗" in bubble(html, "Will fail")


# -- what the customer sends -------------------------------------------------------------------


def test_free_text_goes_out_as_an_inbound_webhook(sandbox: Sandbox) -> None:
    sandbox.say(ASHA)

    posted = sandbox.control.post(
        f"/_sandbox/phones/{ASHA}/reply", data={"kind": "text", "text": "where is my order"}
    )
    fetched = sandbox.control.post(
        f"/_sandbox/phones/{ASHA}/reply", data={"text": "thanks"}, headers=FETCH_JSON
    )

    assert posted.status_code == 303
    assert fetched.status_code == 200
    message = wait_inbound(sandbox.receiver, fetched.json()["id"])
    assert message["text"] == {"body": "thanks"}
    assert message["from"] == ASHA
    bodies = [m["message"].get("text", {}).get("body") for m in sandbox.control.get(
        f"/_sandbox/phones/{ASHA}/sent").json()]  # fmt: skip
    assert bodies == ["hi", "where is my order", "thanks"]


def test_an_empty_text_or_a_stale_button_is_refused_without_sending(sandbox: Sandbox) -> None:
    sandbox.say(ASHA)

    empty = sandbox.control.post(f"/_sandbox/phones/{ASHA}/reply", data={"text": "  "})
    stale = sandbox.control.post(
        f"/_sandbox/phones/{ASHA}/reply",
        data={"kind": "option", "message": "wamid.nope", "option": "0"},
        headers=FETCH_JSON,
    )

    assert empty.status_code == 400
    assert 'role="alert">Type a message first.' in empty.text
    assert stale.status_code == 400
    assert stale.json()["error"]["error_data"]["details"] == "That message is not in this chat."
    assert len(sandbox.control.get(f"/_sandbox/phones/{ASHA}/sent").json()) == 1


def test_a_photo_is_sent_as_the_customers_own_image(sandbox: Sandbox) -> None:
    sandbox.say(ASHA)

    response = sandbox.control.post(
        f"/_sandbox/phones/{ASHA}/reply",
        data={"kind": "photo", "text": "It arrived broken"},
        files={"photo": ("broken.png", PNG, "image/png")},
        headers=FETCH_JSON,
    )

    assert response.status_code == 200, response.text
    message = wait_inbound(sandbox.receiver, response.json()["id"])
    assert message["image"]["mime_type"] == "image/png"
    assert message["image"]["caption"] == "It arrived broken"
    media_id = message["image"]["id"]
    assert sandbox.control.get(f"/_sandbox/media/{media_id}").content == PNG
    assert f'src="/_sandbox/media/{media_id}"' in bubble(chat(sandbox), "It arrived broken")
    wrong = sandbox.control.post(
        f"/_sandbox/phones/{ASHA}/reply",
        data={"kind": "photo"},
        files={"photo": ("x.gif", b"GIF89a", "image/gif")},
    )
    assert wrong.status_code == 400


def test_a_new_customer_can_write_first_from_the_list(sandbox: Sandbox) -> None:
    response = sandbox.control.post(
        "/_sandbox/phones", data={"wa_id": "+44 7700 900123", "profile_name": "Tom", "text": "hi"}
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/_sandbox/phones/447700900123#end"
    assert "Tom" in chat(sandbox, "447700900123")
    bad = sandbox.control.post("/_sandbox/phones", data={"wa_id": "12", "text": "hi"})
    assert bad.status_code == 400
    assert 'role="alert"' in bad.text


def test_posts_from_another_site_are_refused(sandbox: Sandbox) -> None:
    sandbox.say(ASHA)

    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        refused = sandbox.control.post(
            f"/_sandbox/phones/{ASHA}/reply", data={"text": "pwned"}, headers=headers
        )
        assert refused.status_code == 403
    same = sandbox.control.post(
        f"/_sandbox/phones/{ASHA}/reply",
        data={"text": "ok"},
        headers={"Origin": sandbox.url, "Sec-Fetch-Site": "same-origin"},
    )
    assert same.status_code == 303
    assert len(sandbox.control.get(f"/_sandbox/phones/{ASHA}/sent").json()) == 2


def test_the_page_polls_a_fragment_of_its_messages(sandbox: Sandbox) -> None:
    sandbox.say(ASHA)
    html = chat(sandbox)
    assert f'data-refresh="/_sandbox/phones/{ASHA}?fragment=1"' in html
    assert '<script src="/_sandbox/static/phone.js" defer></script>' in html

    sandbox.send_ok(text(ASHA, "New one"))
    fragment = page(sandbox, f"/_sandbox/phones/{ASHA}", fragment="1").text

    assert fragment.lstrip().startswith("<li")
    assert "New one" in fragment
    assert "<html" not in fragment
    script = sandbox.control.get("/_sandbox/static/phone.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert sandbox.control.get("/_sandbox/static/phone.css").status_code == 200
    assert sandbox.control.get("/_sandbox/static/app.py").status_code == 404


# -- pure helpers ------------------------------------------------------------------------------


def test_only_http_links_become_hrefs() -> None:
    assert safe_href("https://shop.example/t/1") == "https://shop.example/t/1"
    assert safe_href("javascript:alert(1)") is None
    assert safe_href(" JavaScript:alert(1)") is None
    assert safe_href("data:text/html,x") is None
    assert safe_href(None) is None


def test_whatsapp_formatting_adds_only_its_own_tags() -> None:
    assert str(whatsapp_text("*a* _b_ ~c~ snake_case_name 2*3*4")) == (
        "<strong>a</strong> <em>b</em> <s>c</s> snake_case_name 2*3*4"
    )
    assert str(whatsapp_text('*<b onmouseover="x">*')) == (
        "<strong>&lt;b onmouseover=&#34;x&#34;&gt;</strong>"
    )
    assert str(whatsapp_text('go https://x.example/"><script>')) == (
        'go <a href="https://x.example/" rel="noopener noreferrer" target="_blank">'
        "https://x.example/</a>&#34;&gt;&lt;script&gt;"
    )
