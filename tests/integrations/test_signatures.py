"""Every source accepts its own signature on the raw body and nothing else."""

from __future__ import annotations

import pytest

from ordertalk.integrations.base import Delivery
from ordertalk.integrations.registry import SOURCES, source
from tests.integrations.fixtures import ALIASES, delivery, load, names, signature

SECRET = "whsec_9f8e7d6c5b4a"
SIGNED = [(name, names(name)[0]) for name in sorted(SOURCES)]


def header_of(name: str) -> str:
    return ALIASES[name]["signature"]


@pytest.mark.parametrize(("name", "fixture"), SIGNED)
def test_a_delivery_signed_with_the_secret_is_accepted(name: str, fixture: str) -> None:
    assert source(name).verify(delivery(name, fixture, SECRET), SECRET)


@pytest.mark.parametrize(("name", "fixture"), SIGNED)
def test_a_delivery_without_a_signature_is_rejected(name: str, fixture: str) -> None:
    assert not source(name).verify(delivery(name, fixture, SECRET, signature=None), SECRET)


@pytest.mark.parametrize(("name", "fixture"), SIGNED)
def test_a_delivery_signed_with_another_secret_is_rejected(name: str, fixture: str) -> None:
    assert not source(name).verify(delivery(name, fixture, "another-secret"), SECRET)


@pytest.mark.parametrize(("name", "fixture"), [s for s in SIGNED if s[0] != "clickpost"])
def test_a_body_changed_after_signing_is_rejected(name: str, fixture: str) -> None:
    signed = delivery(name, fixture, SECRET)
    tampered = Delivery(raw=signed.raw.replace(b"1", b"2", 1), headers=signed.headers, query={})
    assert tampered.raw != signed.raw
    assert not source(name).verify(tampered, SECRET)


@pytest.mark.parametrize(("name", "fixture"), [s for s in SIGNED if s[0] != "clickpost"])
def test_a_reserialised_body_is_rejected_because_only_raw_bytes_count(
    name: str, fixture: str
) -> None:
    signed = delivery(name, fixture, SECRET)
    compact = Delivery(raw=signed.raw.replace(b"\n", b""), headers=signed.headers, query={})
    assert not source(name).verify(compact, SECRET)


@pytest.mark.parametrize(("name", "fixture"), SIGNED)
def test_an_empty_configured_secret_never_verifies(name: str, fixture: str) -> None:
    assert not source(name).verify(delivery(name, fixture, ""), "")


@pytest.mark.parametrize(("name", "fixture"), SIGNED)
def test_a_garbage_signature_header_is_rejected_without_error(name: str, fixture: str) -> None:
    bad = delivery(name, fixture, SECRET, signature="ünïcødé ✓ \x00")
    assert not source(name).verify(bad, SECRET)


def test_woocommerce_decodes_html_entities_in_the_secret_like_wordpress() -> None:
    raw = load("woocommerce", "order_created_cod_in")
    # WordPress signs with the decoded secret `a&b<c>"d'`; the merchant may paste either form.
    wordpress_signature = signature("shopify", raw, "a&b<c>\"d'")  # plain HMAC, decoded key
    headers = {"x-wc-webhook-signature": wordpress_signature}
    item = Delivery(raw=raw, headers=headers, query={})
    assert source("woocommerce").verify(item, "a&amp;b&lt;c&gt;&quot;d&#039;")
    assert source("woocommerce").verify(item, "a&b<c>\"d'")
    assert not source("woocommerce").verify(item, "a&amp;amp;b")


def test_easypost_normalises_the_secret_to_nfkd() -> None:
    raw = load("easypost", "delivered_us")
    composed, decomposed = "caf\u00e9-secret", "cafe\u0301-secret"
    item = Delivery(
        raw=raw, headers={"x-hmac-signature": signature("easypost", raw, decomposed)}, query={}
    )
    assert source("easypost").verify(item, composed)


def test_easypost_accepts_upper_case_hex() -> None:
    raw = load("easypost", "delivered_us")
    value = signature("easypost", raw, SECRET)
    prefix, _, digest = value.partition("=")
    item = Delivery(raw=raw, headers={"x-hmac-signature": f"{prefix}={digest.upper()}"}, query={})
    assert source("easypost").verify(item, SECRET)


def test_easypost_requires_its_prefix() -> None:
    raw = load("easypost", "delivered_us")
    digest = signature("easypost", raw, SECRET).partition("=")[2]
    item = Delivery(raw=raw, headers={"x-hmac-signature": digest}, query={})
    assert not source("easypost").verify(item, SECRET)


@pytest.mark.parametrize(
    ("headers", "query", "ok"),
    [
        ({"authorization": f"Bearer {SECRET}"}, {}, True),
        ({"authorization": f"bearer {SECRET}"}, {}, True),
        ({}, {"token": SECRET}, True),
        ({"authorization": "Bearer nope"}, {"token": SECRET}, True),
        ({"authorization": f"Basic {SECRET}"}, {}, False),
        ({"authorization": SECRET}, {}, False),
        ({}, {"token": "nope"}, False),
        ({}, {"key": SECRET}, False),
        ({}, {}, False),
    ],
)
def test_clickpost_is_authenticated_by_a_shared_token(
    headers: dict[str, str], query: dict[str, str], ok: bool
) -> None:
    item = Delivery(raw=load("clickpost", "forward_8_delivered_in"), headers=headers, query=query)
    assert source("clickpost").verify(item, SECRET) is ok


def test_the_signature_header_names_are_what_each_source_sends() -> None:
    assert {name: header_of(name) for name in sorted(SOURCES)} == {
        "aftership": "aftership-hmac-sha256",
        "clickpost": "authorization",
        "easypost": "x-hmac-signature",
        "shopify": "x-shopify-hmac-sha256",
        "woocommerce": "x-wc-webhook-signature",
    }
