"""`/v1/contacts` over HTTP: upsert by any phone format, lookups, the consent ledger, and one
store never seeing another's customers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.api_support import ApiClient, api_client, auth, new_store
from tests.database import fresh_database

pytestmark = pytest.mark.database

PHONE = "+919876543210"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[ApiClient]:
    async with api_client(database_url) as client:
        yield client


@pytest.fixture
async def key(client: ApiClient) -> str:
    _, key = await new_store(client, country="IN", language="hi")
    return key


async def _contact(client: ApiClient, key: str, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/contacts", headers=auth(key), json={"phone": PHONE} | body)
    assert response.status_code == 200, response.text
    contact: dict[str, Any] = response.json()
    return contact


async def test_a_contact_is_created_with_the_number_masked_in_the_answer(
    client: ApiClient, key: str
) -> None:
    response = await client.post(
        "/v1/contacts", headers=auth(key), json={"phone": "98765 43210", "name": "Ravi"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["phone_masked"] == "+91•••••3210"
    assert (body["name"], body["language"], body["timezone"]) == ("Ravi", "hi", "Asia/Kolkata")
    assert (body["utility_consent"], body["marketing_consent"]) == (None, None)
    assert "9876543210" not in response.text


@pytest.mark.parametrize(
    ("phone", "region"),
    [
        ("98765 43210", None),
        ("+91 98765-43210", None),
        ("919876543210", None),
        ("(11) 91234-5678", "BR"),
        ("0812-3456-7890", "ID"),
        ("612 345 678", "ES"),
    ],
)
async def test_any_format_upserts_one_contact_and_finds_it_again(
    client: ApiClient, key: str, phone: str, region: str | None
) -> None:
    body = {"phone": phone} | ({"region": region} if region else {})
    first = await client.post("/v1/contacts", headers=auth(key), json=body)
    again = await client.post("/v1/contacts", headers=auth(key), json=body | {"name": "Later"})
    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert again.json()["name"] == "Later"


@pytest.mark.parametrize("phone", ["12345", "98765 4321099999", "call me at home", "+00 123"])
async def test_an_invalid_number_is_422_without_the_digits(
    client: ApiClient, key: str, phone: str
) -> None:
    response = await client.post("/v1/contacts", headers=auth(key), json={"phone": phone})
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (
        "invalid_input",
        "phone is not a valid number for region IN",
    )
    assert "12345" not in response.text
    assert "4321" not in response.text


async def test_lookup_by_phone_in_a_local_format(client: ApiClient, key: str) -> None:
    created = await _contact(client, key)
    found = await client.get("/v1/contacts", headers=auth(key), params={"phone": "098765 43210"})
    assert found.status_code == 200
    assert found.json()["id"] == created["id"]
    by_id = await client.get(f"/v1/contacts/{created['id']}", headers=auth(key))
    assert by_id.json() == found.json()


async def test_lookup_of_a_foreign_local_number_names_its_region(
    client: ApiClient, key: str
) -> None:
    created = await _contact(client, key, phone="(11) 91234-5678", region="BR")
    found = await client.get(
        "/v1/contacts", headers=auth(key), params={"phone": "(11) 91234-5678", "region": "BR"}
    )
    assert found.json()["id"] == created["id"]


async def test_an_unknown_number_or_id_is_404(client: ApiClient, key: str) -> None:
    missing = await client.get("/v1/contacts", headers=auth(key), params={"phone": "98765 00000"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert (await client.get("/v1/contacts/999999", headers=auth(key))).status_code == 404


async def test_contacts_need_a_key(client: ApiClient) -> None:
    assert (await client.get("/v1/contacts")).status_code == 401
    assert (await client.post("/v1/contacts", json={"phone": PHONE})).status_code == 401


async def test_another_stores_contacts_are_invisible(client: ApiClient, key: str) -> None:
    mine = await _contact(client, key, consent={"utility": True})
    _, other_key = await new_store(client, country="IN")
    theirs = auth(other_key)
    contact_url = f"/v1/contacts/{mine['id']}"

    assert (await client.get(contact_url, headers=theirs)).status_code == 404
    assert (await client.get(f"{contact_url}/consent", headers=theirs)).status_code == 404
    grant = {"purpose": "marketing", "granted": True}
    assert (
        await client.post(f"{contact_url}/consent", headers=theirs, json=grant)
    ).status_code == 404
    lookup = await client.get("/v1/contacts", headers=theirs, params={"phone": PHONE})
    assert lookup.status_code == 404
    listing = await client.get("/v1/contacts", headers=theirs)
    assert listing.json() == {"contacts": [], "next_after": None}
    # ...and the owner's view did not change.
    after = await client.get(contact_url, headers=auth(key))
    assert after.json()["marketing_consent"] is None


async def test_the_listing_pages_through_the_stores_contacts(client: ApiClient, key: str) -> None:
    ids = [
        (await client.post("/v1/contacts", headers=auth(key), json={"phone": p})).json()["id"]
        for p in ("98765 43210", "98765 43211", "98765 43212")
    ]
    first = (await client.get("/v1/contacts", headers=auth(key), params={"limit": 2})).json()
    assert [c["id"] for c in first["contacts"]] == ids[:2]
    rest = await client.get(
        "/v1/contacts", headers=auth(key), params={"limit": 2, "after": first["next_after"]}
    )
    assert [c["id"] for c in rest.json()["contacts"]] == ids[2:]
    assert rest.json()["next_after"] is None


async def test_consent_given_with_the_contact_is_recorded_once(client: ApiClient, key: str) -> None:
    consent = {"utility": True, "marketing": False, "source": "store_payload", "evidence": {"o": 1}}
    contact = await _contact(client, key, consent=consent)
    await _contact(client, key, consent=consent)  # the store sends the same checkbox again

    assert (contact["utility_consent"], contact["marketing_consent"]) == (True, False)
    ledger = await client.get(f"/v1/contacts/{contact['id']}/consent", headers=auth(key))
    events = ledger.json()["events"]
    assert sorted((e["purpose"], e["granted"], e["source"]) for e in events) == [
        ("marketing", False, "store_payload"),
        ("utility", True, "store_payload"),
    ]
    assert events[0]["evidence"] == {"o": 1}


async def test_the_consent_ledger_is_appended_to_and_read_newest_first(
    client: ApiClient, key: str
) -> None:
    contact = await _contact(client, key)
    url = f"/v1/contacts/{contact['id']}/consent"
    changes = [
        {"purpose": "marketing", "granted": True, "at": "2026-10-01T10:00:00Z", "evidence": {}},
        {"purpose": "marketing", "granted": False, "at": "2026-10-02T10:00:00Z"},
        {"purpose": "utility", "granted": True, "source": "widget", "at": "2026-10-03T10:00:00Z"},
    ]
    for change in changes:
        response = await client.post(url, headers=auth(key), json=change)
        assert response.status_code == 201, response.text

    events = (await client.get(url, headers=auth(key))).json()["events"]
    assert [(e["purpose"], e["granted"], e["source"]) for e in events] == [
        ("utility", True, "widget"),
        ("marketing", False, "api"),
        ("marketing", True, "api"),
    ]
    marketing = await client.get(url, headers=auth(key), params={"purpose": "marketing"})
    assert [e["granted"] for e in marketing.json()["events"]] == [False, True]
    now = (await client.get(f"/v1/contacts/{contact['id']}", headers=auth(key))).json()
    assert (now["utility_consent"], now["marketing_consent"]) == (True, False)


@pytest.mark.parametrize(
    "change",
    [
        {"purpose": "service", "granted": True},  # service replies need no consent
        {"purpose": "marketing", "granted": True, "source": "keyword"},  # only Ordertalk sees those
        {"purpose": "marketing", "granted": True, "at": "2999-01-01T00:00:00Z"},
        {"purpose": "marketing", "granted": True, "at": "2026-10-01T10:00:00"},  # no zone
        {"purpose": "marketing"},
    ],
)
async def test_bad_consent_changes_are_422(
    client: ApiClient, key: str, change: dict[str, Any]
) -> None:
    contact = await _contact(client, key)
    url = f"/v1/contacts/{contact['id']}/consent"
    response = await client.post(url, headers=auth(key), json=change)
    assert response.status_code == 422
    assert (await client.get(url, headers=auth(key))).json()["events"] == []


async def test_full_numbers_never_reach_the_logs(
    client: ApiClient, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Everything at the default level, and Ordertalk's own lines down to DEBUG. (aiosqlite's
    # DEBUG lines carry raw SQL parameters: the logging set-up must keep that logger above DEBUG.)
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="ordertalk")
    await _contact(client, key, consent={"marketing": True})
    await client.post("/v1/contacts", headers=auth(key), json={"phone": "98765 4321"})
    assert "+91•••••3210" in caplog.text  # the contact's creation is logged, masked
    assert "9876543210" not in caplog.text
    assert "98765 4321" not in caplog.text
