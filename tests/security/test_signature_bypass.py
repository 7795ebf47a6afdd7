"""Forged deliveries to every incoming webhook route are refused, and nothing is stored or
changed: not a raw event, not an order, not a consent, not a row of any table.

Each forgery is posted to store B's URL (or, for /webhooks/whatsapp, names B's number) with
a body that, correctly signed, would change B's data (the controls show it does). The forger
knows the body and may know store A's secrets, but not B's.

Equivalent spellings of a correct signature (surrounding whitespace, upper-case hex, a lower-case
"bearer") are still accepted by design: they prove knowledge of the secret, so they are no
bypass and are not listed here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterator

import httpx
import pytest

from ordertalk.integrations.registry import SOURCES
from tests.integrations.fixtures import load, signature, signed_headers, topic_for
from tests.security.support import (
    FIXTURES,
    Running,
    Tenant,
    hmac_hex,
    row_counts,
    serve_seeded,
    text_from,
    whatsapp_body,
    whatsapp_headers,
)
from tests.webhook_support import outcome_at

pytestmark = pytest.mark.database

GUESSED_SECRET = "whsec_guess_0000000000"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """Stores A and B, each with its own integration secrets and Meta app secret."""
    with serve_seeded(tmp_path_factory.mktemp("signatures"), "A", "B") as running:
        yield running


def assert_refused_and_nothing_changed(
    running: Running, send: Callable[[], httpx.Response]
) -> None:
    before = row_counts(running.database_url)
    response = send()
    assert response.status_code in (401, 403), response.text
    assert response.json()["error"]["code"] in ("unauthorized", "forbidden")
    for tenant in running.tenants.values():
        for secret in tenant.secrets:
            assert secret not in response.text
    after = row_counts(running.database_url)
    changed = {
        table: (before[table], after[table]) for table in before if before[table] != after[table]
    }
    assert not changed, f"a refused delivery changed rows: {changed}"


# --- /webhooks/{source}/{store_id} ----------------------------------------------------------------


def hmac_b64(secret: str, raw: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


def changed(raw: bytes) -> bytes:
    """The body with its first digit changed: still valid JSON, another id or amount."""
    index = next(i for i, byte in enumerate(raw) if chr(byte).isdigit())
    digit = b"1" if raw[index : index + 1] != b"1" else b"2"
    return raw[:index] + digit + raw[index + 1 :]


Forgery = Callable[[str, bytes, Tenant, Tenant], tuple[bytes, dict[str, str], dict[str, str]]]


def _headers(source: str, raw: bytes, secret: str, **extra: str | None) -> dict[str, str]:
    if source in ("shopify", "woocommerce"):
        extra.setdefault("topic", topic_for(source, FIXTURES[source]))
    return signed_headers(source, raw, secret, **extra)


def _with_signature(value: str | None) -> Forgery:
    """The victim's body with the signature header set to `value(...)` (None: left out)."""

    def forge(
        source: str, raw: bytes, victim: Tenant, attacker: Tenant
    ) -> tuple[bytes, dict[str, str], dict[str, str]]:
        return raw, _headers(source, raw, victim.integration_secret, signature=value), {}

    return forge


def _signed_with(secret_of: Callable[[Tenant, Tenant], str]) -> Forgery:
    def forge(
        source: str, raw: bytes, victim: Tenant, attacker: Tenant
    ) -> tuple[bytes, dict[str, str], dict[str, str]]:
        return raw, _headers(source, raw, secret_of(victim, attacker)), {}

    return forge


def _signature_then(
    alter: Callable[[str, bytes, Tenant], str],
) -> Forgery:
    """The correct signature, altered by `alter(signature, raw, victim)`."""

    def forge(
        source: str, raw: bytes, victim: Tenant, attacker: Tenant
    ) -> tuple[bytes, dict[str, str], dict[str, str]]:
        correct = signature(source, raw, victim.integration_secret)
        forged = alter(correct, raw, victim)
        return raw, _headers(source, raw, victim.integration_secret, signature=forged), {}

    return forge


def _replayed_on_a_changed_body(
    source: str, raw: bytes, victim: Tenant, attacker: Tenant
) -> tuple[bytes, dict[str, str], dict[str, str]]:
    return changed(raw), _headers(source, raw, victim.integration_secret), {}


def _in_another_header(
    source: str, raw: bytes, victim: Tenant, attacker: Tenant
) -> tuple[bytes, dict[str, str], dict[str, str]]:
    correct = signature(source, raw, victim.integration_secret)
    headers = _headers(source, raw, victim.integration_secret, signature=None)
    return raw, headers | {"x-hub-signature-256": correct, "x-signature": correct}, {}


def _attackers_token_in_the_query(
    source: str, raw: bytes, victim: Tenant, attacker: Tenant
) -> tuple[bytes, dict[str, str], dict[str, str]]:
    headers = _headers(source, raw, victim.integration_secret, signature=None)
    return raw, headers, {"token": attacker.integration_secret}


# Every source, every forgery below; a few apply only to the sources that sign the body.
COMMON: dict[str, Forgery] = {
    "no signature": _with_signature(None),
    "an empty signature": _with_signature(""),
    "signed with a guessed secret": _signed_with(lambda victim, attacker: GUESSED_SECRET),
    "signed with another store's secret": _signed_with(
        lambda victim, attacker: attacker.integration_secret
    ),
    "the correct signature truncated": _signature_then(lambda sig, raw, victim: sig[:-6]),
    "the correct signature with a space inside": _signature_then(
        lambda sig, raw, victim: sig[:-10] + " " + sig[-10:]
    ),
    "the correct signature under another header": _in_another_header,
}
BODY_SIGNED: dict[str, Forgery] = {
    "a valid signature replayed with a changed body": _replayed_on_a_changed_body,
    "the signature of an empty body": _signature_then(
        lambda sig, raw, victim: signature_for_body(sig, b"", victim)
    ),
}
PER_SOURCE: dict[str, dict[str, Forgery]] = {
    "shopify": {},
    "woocommerce": {},
    "aftership": {},
    "easypost": {
        "the right hex under another scheme": _signature_then(
            lambda sig, raw, victim: sig.replace("hmac-sha256-hex=", "hmac-sha1-hex=")
        ),
        "the right hex with no scheme": _signature_then(
            lambda sig, raw, victim: sig.removeprefix("hmac-sha256-hex=")
        ),
        "base64 instead of hex": _signature_then(
            lambda sig, raw, victim: "hmac-sha256-hex=" + hmac_b64(victim.integration_secret, raw)
        ),
    },
    # ClickPost sends the secret itself as a token (no body signature): the token is the proof.
    "clickpost": {
        "the secret under the Basic scheme": _signature_then(
            lambda sig, raw, victim: sig.replace("Bearer ", "Basic ")
        ),
        "the secret with no space after Bearer": _signature_then(
            lambda sig, raw, victim: sig.replace("Bearer ", "Bearer")
        ),
        "another store's token in the query": _attackers_token_in_the_query,
    },
}
for base64_source in ("shopify", "woocommerce", "aftership"):
    PER_SOURCE[base64_source] |= {
        "the right HMAC in hex instead of base64": _signature_then(
            lambda sig, raw, victim: hmac_hex(victim.integration_secret, raw)
        ),
        "the right base64 with its case flipped": _signature_then(
            lambda sig, raw, victim: sig.swapcase()
        ),
        "the right base64 behind a sha256= scheme": _signature_then(
            lambda sig, raw, victim: "sha256=" + sig
        ),
    }


def signature_for_body(correct: str, body: bytes, victim: Tenant) -> str:
    """What the source would send for `body` (the shape of `correct`, another body's HMAC)."""
    if correct.startswith("hmac-sha256-hex="):
        return "hmac-sha256-hex=" + hmac_hex(victim.integration_secret, body)
    return hmac_b64(victim.integration_secret, body)


CASES = [
    (source, name, forge)
    for source in sorted(SOURCES)
    for name, forge in {
        **COMMON,
        **({} if source == "clickpost" else BODY_SIGNED),
        **PER_SOURCE[source],
    }.items()
]


def test_every_source_is_attacked() -> None:
    # A new source must get its own forgeries (its signature scheme decides which apply).
    assert set(PER_SOURCE) == set(SOURCES)


def post(
    running: Running, source: str, store: Tenant, raw: bytes, headers: dict[str, str], **query: str
) -> httpx.Response:
    return running.http.post(
        f"/webhooks/{source}/{store.store_id}", content=raw, headers=headers, params=query
    )


@pytest.mark.parametrize(
    ("source", "forgery"),
    [(source, forge) for source, _, forge in CASES],
    ids=[f"{source}: {name}" for source, name, _ in CASES],
)
def test_a_forged_store_or_carrier_delivery_is_refused_and_changes_nothing(
    running: Running, source: str, forgery: Forgery
) -> None:
    victim, attacker = running.tenants["B"], running.tenants["A"]
    raw, headers, query = forgery(source, load(source, FIXTURES[source]), victim, attacker)
    assert_refused_and_nothing_changed(
        running, lambda: post(running, source, victim, raw, headers, **query)
    )


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_control_the_same_delivery_correctly_signed_is_taken_and_stored(
    running: Running, source: str
) -> None:
    # Without this, "nothing changed" could hold because the body changes nothing anyway.
    victim = running.tenants["B"]
    raw = load(source, FIXTURES[source])
    before = row_counts(running.database_url)
    response = post(running, source, victim, raw, _headers(source, raw, victim.integration_secret))
    assert response.status_code == 200, response.text
    assert "duplicate" not in response.json(), response.text
    assert row_counts(running.database_url)["raw_events"] == before["raw_events"] + 1


# --- /webhooks/whatsapp ---------------------------------------------------------------------------


def stop_from_b(running: Running) -> bytes:
    """B's customer writes STOP to B's number: applied, it would revoke B's consent."""
    victim = running.tenants["B"]
    return whatsapp_body(victim, text_from(victim, "STOP"))


def meta_headers(value: str | None) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    return headers if value is None else headers | {"X-Hub-Signature-256": value}


def sha256_hex(secret: str, raw: bytes) -> str:
    return hmac_hex(secret, raw)


WHATSAPP: dict[str, Callable[[bytes, Tenant, Tenant], tuple[bytes, dict[str, str]]]] = {
    "no signature": lambda raw, victim, attacker: (raw, meta_headers(None)),
    "an empty signature": lambda raw, victim, attacker: (raw, meta_headers("")),
    "signed with a guessed secret": lambda raw, victim, attacker: (
        raw,
        whatsapp_headers(raw, GUESSED_SECRET),
    ),
    "signed with another store's app secret": lambda raw, victim, attacker: (
        raw,
        whatsapp_headers(raw, attacker.app_secret),
    ),
    "a valid signature replayed with a changed body": lambda raw, victim, attacker: (
        raw.replace(b"STOP", b"STOQ"),
        whatsapp_headers(raw, victim.app_secret),
    ),
    "the correct signature truncated": lambda raw, victim, attacker: (
        raw,
        meta_headers(whatsapp_headers(raw, victim.app_secret)["X-Hub-Signature-256"][:-2]),
    ),
    "the right hex under sha1=": lambda raw, victim, attacker: (
        raw,
        meta_headers("sha1=" + sha256_hex(victim.app_secret, raw)),
    ),
    "the right hex under an upper-case SHA256=": lambda raw, victim, attacker: (
        raw,
        meta_headers("SHA256=" + sha256_hex(victim.app_secret, raw)),
    ),
    "the right hex with no scheme": lambda raw, victim, attacker: (
        raw,
        meta_headers(sha256_hex(victim.app_secret, raw)),
    ),
    "the right HMAC in base64": lambda raw, victim, attacker: (
        raw,
        meta_headers("sha256=" + hmac_b64(victim.app_secret, raw)),
    ),
    "the right hex with a space inside": lambda raw, victim, attacker: (
        raw,
        meta_headers(
            "sha256="
            + sha256_hex(victim.app_secret, raw)[:30]
            + " "
            + sha256_hex(victim.app_secret, raw)[30:]
        ),
    ),
    "the correct signature under another header": lambda raw, victim, attacker: (
        raw,
        {"Content-Type": "application/json", "X-Hub-Signature": sha256_hex(victim.app_secret, raw)},
    ),
}


@pytest.mark.parametrize("forgery", WHATSAPP.values(), ids=WHATSAPP.keys())
def test_a_forged_whatsapp_webhook_is_refused_and_changes_nothing(
    running: Running, forgery: Callable[[bytes, Tenant, Tenant], tuple[bytes, dict[str, str]]]
) -> None:
    raw, headers = forgery(stop_from_b(running), running.tenants["B"], running.tenants["A"])
    assert_refused_and_nothing_changed(
        running, lambda: running.http.post("/webhooks/whatsapp", content=raw, headers=headers)
    )


def test_control_the_same_whatsapp_webhook_correctly_signed_is_applied(running: Running) -> None:
    victim = running.tenants["B"]
    raw = stop_from_b(running)
    before = row_counts(running.database_url)
    response = running.http.post(
        "/webhooks/whatsapp", content=raw, headers=whatsapp_headers(raw, victim.app_secret)
    )
    assert response.status_code == 200, response.text
    assert outcome_at(running.database_url, response.json()["id"]) is None
    after = row_counts(running.database_url)
    assert after["whatsapp_webhook_events"] == before["whatsapp_webhook_events"] + 1
    assert after["consent_events"] > before["consent_events"]  # STOP revoked B's consent
