"""Which URLs an endpoint may have, and which addresses Ordertalk may send webhooks to.

Endpoint URLs come from API clients, and the sender POSTs to them from inside the deployment's
network: without a check, a URL naming an internal service (a database's HTTP port, a cloud
metadata address) would make Ordertalk a proxy into that network (SSRF). So, unless the store
allows private addresses on an endpoint, a host that is, or resolves to, anything but a public
unicast address is refused — at creation, and again at every delivery (see `check_destination`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port -> the addresses it resolves to (injectable, so tests can play DNS).
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]

MAX_URL_LENGTH = 2000
RESOLVE_TIMEOUT_S = 5.0
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressRejected(ValueError):
    """The URL or the address it leads to is not allowed (the message says why)."""


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL, split into what the sender needs."""

    url: str
    scheme: str
    host: str  # without brackets, lower-case, no trailing dot
    port: int


async def resolve(host: str, port: int) -> list[IPAddress]:
    """The host's addresses (`getaddrinfo` in a thread, time-bounded); AddressRejected if none."""
    try:
        infos = await asyncio.wait_for(
            asyncio.to_thread(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM),
            RESOLVE_TIMEOUT_S,
        )
    except TimeoutError:
        raise AddressRejected(f"resolving {host!r} took too long") from None
    except (OSError, UnicodeError):
        raise AddressRejected(f"{host!r} does not resolve") from None
    found: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]))
        if address not in found:
            found.append(address)
    if not found:
        raise AddressRejected(f"{host!r} does not resolve")
    return found


def _embedded(address: IPAddress) -> list[IPAddress]:
    """Any IPv4 address the address carries (mapped, 6to4, Teredo, NAT64), then the address: a
    public-looking IPv6 address can lead to a private IPv4 one."""
    found: list[IPAddress] = []
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            found.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            found.append(address.sixtofour)
        if address.teredo is not None:
            found.extend(address.teredo)
        if address in _NAT64:
            found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    found.append(address)
    return found


def refusal(address: IPAddress) -> str | None:
    """Why webhooks may not go to this address (None: a public unicast address)."""
    for candidate in _embedded(address):
        for what, hit in (
            ("an unspecified address", candidate.is_unspecified),
            ("a loopback address", candidate.is_loopback),
            ("a link-local address", candidate.is_link_local),
            ("a multicast address", candidate.is_multicast),
            ("a reserved address", candidate.is_reserved),
            ("a private address", candidate.is_private),
            ("not a globally routable address", not candidate.is_global),
        ):
            if hit:
                return f"{address} is {what}"
    return None


def parse_url(url: str) -> Target:
    """Check the URL's form: http(s), a host, no credentials; AddressRejected otherwise."""
    text = url.strip()
    if not text:
        raise AddressRejected("the URL is empty")
    if len(text) > MAX_URL_LENGTH:
        raise AddressRejected(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise AddressRejected("the URL contains whitespace or control characters")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise AddressRejected("only http and https URLs are allowed")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise AddressRejected("credentials in the URL are not allowed; check the signature instead")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise AddressRejected("the URL has no host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise AddressRejected("the URL's port is not a valid port") from None
    return Target(url=text, scheme=scheme, host=host, port=port)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


async def public_addresses(target: Target, resolver: Resolver | None = None) -> list[IPAddress]:
    """The target's addresses, every one of them public; AddressRejected otherwise.

    All must pass, not just one: the HTTP client may connect to any of them.
    """
    literal = _literal(target.host)
    if literal is not None:
        addresses = [literal]
    else:
        if target.host == "localhost" or target.host.endswith(".localhost"):
            # RFC 6761: always loopback, whatever a resolver says.
            raise AddressRejected(f"{target.host!r} is a loopback name")
        addresses = await (resolver or resolve)(target.host, target.port)
    for address in addresses:
        reason = refusal(address)
        if reason is not None:
            raise AddressRejected(
                f"{reason}; only public addresses are allowed unless the endpoint allows "
                "private ones"
            )
    return addresses


async def check_url(url: str, *, allow_private: bool, resolver: Resolver | None = None) -> str:
    """The URL, trimmed, if an endpoint may have it; AddressRejected (with the reason) otherwise."""
    target = parse_url(url)
    if not allow_private:
        await public_addresses(target, resolver)
    return target.url


async def check_destination(
    url: str, *, allow_private: bool, resolver: Resolver | None = None
) -> tuple[Target, IPAddress | None]:
    """Check an endpoint's URL again just before a delivery; the target and, for plain http,
    the checked address to connect to.

    The check at creation is not enough: DNS answers change (a name that pointed to a public
    address can be re-pointed at 10.0.0.5 or 169.254.169.254 the next minute, on purpose — DNS
    rebinding), so every delivery resolves the host again and refuses a private answer. Over
    http the request then goes to the address that was checked (the HTTP client would otherwise
    resolve once more and could get a different answer). Over https TLS already guards that
    gap: an internal service cannot present a valid certificate for the endpoint's host name.
    """
    target = parse_url(url)
    if allow_private:
        return target, None
    addresses = await public_addresses(target, resolver)
    return target, addresses[0] if target.scheme == "http" else None
