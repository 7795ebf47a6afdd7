"""Which endpoint URLs are accepted, and which addresses webhooks may go to (SSRF guard)."""

from __future__ import annotations

import ipaddress

import pytest

from ordertalk.webhooks_out.addresses import (
    AddressRejected,
    IPAddress,
    Resolver,
    check_destination,
    check_url,
    refusal,
)

PUBLIC = "93.184.216.34"


def resolving_to(*answers: str) -> Resolver:
    """A resolver that answers every name with these addresses."""

    async def resolve(host: str, port: int) -> list[IPAddress]:
        return [ipaddress.ip_address(a) for a in answers]

    return resolve


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1/hook", "loopback"),
        ("http://127.1.2.3:8080/hook", "loopback"),
        ("http://10.0.0.1/hook", "private"),
        ("http://172.16.5.4/hook", "private"),
        ("http://192.168.1.1/hook", "private"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://[::1]/hook", "loopback"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://[fd00::1]/hook", "private"),
        ("http://[fe80::1]/hook", "link-local"),
        ("http://0.0.0.0/hook", "unspecified"),
        ("http://224.0.0.1/hook", "multicast"),
        ("http://240.0.0.1/hook", "reserved"),
        ("http://100.64.0.1/hook", "not a globally routable"),
        ("http://localhost/hook", "loopback name"),
        ("http://LOCALHOST./hook", "loopback name"),
        ("http://api.localhost:9000/hook", "loopback name"),
        ("ftp://example.com/hook", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("http://user:pw@example.com/hook", "credentials"),
        ("http://user@example.com/hook", "credentials"),
        ("http:///hook", "no host"),
        ("http://example.com:99999/hook", "port"),
        ("http://exa mple.com/hook", "whitespace"),
        ("", "empty"),
    ],
)
async def test_unsafe_or_malformed_urls_are_refused(url: str, why: str) -> None:
    with pytest.raises(AddressRejected, match=why):
        await check_url(url, allow_private=False, resolver=resolving_to(PUBLIC))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://10.0.0.1/hook",
        "http://[::1]/hook",
        "http://localhost:3000/hook",
        "https://hooks.internal/hook",
    ],
)
async def test_private_addresses_are_accepted_when_the_endpoint_allows_them(url: str) -> None:
    async def no_dns(host: str, port: int) -> list[IPAddress]:
        raise AssertionError("no lookup is needed when private addresses are allowed")

    assert await check_url(url, allow_private=True, resolver=no_dns) == url


@pytest.mark.parametrize(
    "url", ["ftp://10.0.0.1/", "http://user:pw@127.0.0.1/", "http://:80/", "gopher://x/"]
)
async def test_allowing_private_addresses_does_not_allow_any_url(url: str) -> None:
    with pytest.raises(AddressRejected):
        await check_url(url, allow_private=True)


async def test_a_public_name_and_a_public_literal_are_accepted() -> None:
    url = "https://hooks.example.com/ordertalk?x=1"
    assert await check_url(url, allow_private=False, resolver=resolving_to(PUBLIC)) == url
    assert await check_url(f"http://{PUBLIC}/h", allow_private=False) == f"http://{PUBLIC}/h"
    assert await check_url("http://[2606:4700::1111]/h", allow_private=False)


@pytest.mark.parametrize(
    "answers",
    [("10.1.2.3",), (PUBLIC, "127.0.0.1"), ("::ffff:10.0.0.1",), ("64:ff9b::a00:1",)],
)
async def test_a_name_is_refused_if_any_of_its_addresses_is_private(answers: tuple[str]) -> None:
    with pytest.raises(AddressRejected, match="only public addresses"):
        await check_url(
            "https://rebind.example.com/", allow_private=False, resolver=resolving_to(*answers)
        )


async def test_a_name_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(AddressRejected, match="does not resolve"):
        await check_url("http://no-such-host.invalid/hook", allow_private=False)


async def test_a_delivery_goes_to_the_checked_address_over_http_and_by_name_over_https() -> None:
    resolver = resolving_to(PUBLIC)
    target, pinned = await check_destination(
        "http://hooks.example.com:8080/h", allow_private=False, resolver=resolver
    )
    assert (target.host, target.port, str(pinned)) == ("hooks.example.com", 8080, PUBLIC)
    target, pinned = await check_destination(
        "https://hooks.example.com/h", allow_private=False, resolver=resolver
    )
    assert (target.port, pinned) == (443, None)
    with pytest.raises(AddressRejected):
        await check_destination(
            "https://hooks.example.com/h", allow_private=False, resolver=resolving_to("10.0.0.9")
        )


def test_public_unicast_addresses_have_no_refusal() -> None:
    for text in (PUBLIC, "8.8.8.8", "2606:4700::1111", "2a00:1450:4001:81a::200e"):
        assert refusal(ipaddress.ip_address(text)) is None
