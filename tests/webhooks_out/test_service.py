"""Endpoints and `emit` at the service layer: validation, subscriptions, the caller's
transaction, idempotency, tenant scoping, rotation and deletion."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ordertalk.errors import InvalidInput, NotFound
from ordertalk.stores.models import Store
from ordertalk.webhooks_out import service
from ordertalk.webhooks_out.addresses import IPAddress
from ordertalk.webhooks_out.events import WebhookEventType
from ordertalk.webhooks_out.models import WebhookDelivery, WebhookEndpoint
from ordertalk.webhooks_out.schemas import EndpointUpdate
from tests.api_support import new_store

pytestmark = pytest.mark.database

PUBLIC_URL = "https://93.184.216.34/hooks"
E = WebhookEventType


async def deliveries_of(session: AsyncSession, endpoint_id: int | None = None) -> int:
    query = select(func.count(WebhookDelivery.id))
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    return int(await session.scalar(query) or 0)


async def other_store(session: AsyncSession) -> Store:
    store_id, _ = await new_store(session, name="Someone Else")
    found = await session.get(Store, store_id)
    assert found is not None
    return found


async def test_creation_hands_out_the_secret_and_keeps_the_subscription(
    sessions: async_sessionmaker[AsyncSession], store: Store
) -> None:
    async with sessions() as session:
        endpoint, secret = await service.create_endpoint(
            session,
            store,
            PUBLIC_URL,
            [E.RETURN_REQUESTED, E.MESSAGE_STATUS, "return.requested"],
            "  CRM  ",
        )
        await session.commit()
    assert secret.startswith("whsec_")
    assert endpoint.secret == secret
    assert endpoint.event_types == ["message.status", "return.requested"]
    assert (endpoint.description, endpoint.enabled, endpoint.allow_private) == ("CRM", True, False)


@pytest.mark.parametrize(
    ("events", "why"), [(["order.shipped"], "not an event type"), (["ping"], "test route")]
)
async def test_unknown_or_ping_subscriptions_are_refused(
    sessions: async_sessionmaker[AsyncSession], store: Store, events: list[str], why: str
) -> None:
    async with sessions() as session:
        with pytest.raises(InvalidInput, match=why):
            await service.create_endpoint(session, store, PUBLIC_URL, events)


async def test_a_url_that_resolves_to_a_private_address_is_refused_unless_allowed(
    sessions: async_sessionmaker[AsyncSession], store: Store
) -> None:
    async def internal(host: str, port: int) -> list[IPAddress]:
        return [ipaddress.ip_address("10.20.30.40")]

    async with sessions() as session:
        with pytest.raises(InvalidInput, match=r"url: 10\.20\.30\.40 is a private address"):
            await service.create_endpoint(
                session, store, "https://erp.shop.example/hook", resolver=internal
            )
        endpoint, _ = await service.create_endpoint(
            session, store, "https://erp.shop.example/hook", allow_private=True, resolver=internal
        )
        # Turning the permission off again re-checks the URL.
        with pytest.raises(InvalidInput, match="private"):
            await service.update_endpoint(
                session, store, endpoint.id, EndpointUpdate(allow_private=False), resolver=internal
            )


async def test_emit_queues_one_row_per_enabled_subscribed_endpoint_of_the_store(
    sessions: async_sessionmaker[AsyncSession], store: Store
) -> None:
    async with sessions() as session:
        everything, _ = await service.create_endpoint(session, store, PUBLIC_URL)
        statuses, _ = await service.create_endpoint(session, store, PUBLIC_URL, [E.MESSAGE_STATUS])
        returns, _ = await service.create_endpoint(session, store, PUBLIC_URL, [E.RETURN_REQUESTED])
        off, _ = await service.create_endpoint(session, store, PUBLIC_URL)
        await service.update_endpoint(session, store, off.id, EndpointUpdate(enabled=False))
        elsewhere, _ = await service.create_endpoint(
            session, await other_store(session), PUBLIC_URL
        )
        await session.commit()

    async with sessions() as session:
        at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
        written = await service.emit(
            session,
            store.id,
            E.MESSAGE_STATUS,
            {"message_id": 7, "status": "read", "at": at, "cost": Decimal("0.0107")},
            occurred_at=at,
        )
        await session.commit()
        assert written == 2
        rows = list(await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))
    assert {r.endpoint_id for r in rows} == {everything.id, statuses.id}
    assert {r.event_id for r in rows} == {rows[0].event_id}  # one event, one webhook-id
    assert rows[0].payload == {
        "type": "message.status",
        "timestamp": "2026-03-01T09:30:00Z",
        "data": {
            "message_id": 7,
            "status": "read",
            "at": "2026-03-01T09:30:00Z",
            "cost": "0.0107",
        },
    }
    assert all(r.state == "pending" and r.attempts == 0 for r in rows)
    assert returns.id not in {r.endpoint_id for r in rows}
    assert elsewhere.id not in {r.endpoint_id for r in rows}


async def test_emit_is_part_of_the_callers_transaction(
    sessions: async_sessionmaker[AsyncSession], store: Store
) -> None:
    async with sessions() as session:
        await service.create_endpoint(session, store, PUBLIC_URL)
        await session.commit()
    async with sessions() as session:
        assert await service.emit(session, store.id, E.ORDER_COD_DECISION, {"order": "1"}) == 1
        await session.rollback()  # the change that caused the event did not happen
    async with sessions() as session:
        assert await deliveries_of(session) == 0


async def test_emitting_one_event_id_twice_queues_it_once(
    sessions: async_sessionmaker[AsyncSession], store: Store
) -> None:
    async with sessions() as session:
        await service.create_endpoint(session, store, PUBLIC_URL)
        await session.commit()
    for _ in range(2):
        async with sessions() as session:
            await service.emit(
                session, store.id, E.FEEDBACK_LOW_SCORE, {"score": 1}, event_id="fb_42_low"
            )
            await session.commit()
    async with sessions() as session:
        assert await deliveries_of(session) == 1
        with pytest.raises(ValueError, match="event_id"):
            await service.emit(session, store.id, E.PING, {}, event_id="has.a.dot")


async def test_emit_refuses_data_that_is_not_json(
    sessions: async_sessionmaker[AsyncSession], store: Store
) -> None:
    async with sessions() as session:
        await service.create_endpoint(session, store, PUBLIC_URL)
        with pytest.raises(TypeError, match="JSON"):
            await service.emit(session, store.id, E.MESSAGE_INBOUND, {"x": object()})
        with pytest.raises(ValueError, match="bytes"):
            await service.emit(session, store.id, E.MESSAGE_INBOUND, {"x": "y" * 70_000})


async def test_every_lookup_is_scoped_to_the_store(
    sessions: async_sessionmaker[AsyncSession], store: Store
) -> None:
    async with sessions() as session:
        mine, _ = await service.create_endpoint(session, store, PUBLIC_URL)
        theirs_store = await other_store(session)
        theirs, _ = await service.create_endpoint(session, theirs_store, PUBLIC_URL)
        assert [e.id for e in await service.list_endpoints(session, store)] == [mine.id]
        for call in (
            service.get_endpoint(session, store, theirs.id),
            service.update_endpoint(session, store, theirs.id, EndpointUpdate(enabled=False)),
            service.rotate_secret(session, store, theirs.id),
            service.send_test(session, store, theirs.id),
            service.deliveries(session, store, theirs.id),
            service.delete_endpoint(session, store, theirs.id),
        ):
            with pytest.raises(NotFound):
                await call
        assert (await service.get_endpoint(session, theirs_store, theirs.id)).enabled


async def test_rotation_keeps_the_old_secret_signing_for_a_while(
    sessions: async_sessionmaker[AsyncSession], store: Store
) -> None:
    async with sessions() as session:
        endpoint, first = await service.create_endpoint(session, store, PUBLIC_URL)
        now = datetime(2026, 3, 1, tzinfo=UTC)
        rotated, second = await service.rotate_secret(session, store, endpoint.id, now=now)
    assert second != first
    assert (rotated.secret, rotated.previous_secret) == (second, first)
    assert rotated.previous_secret_until == now + service.ROTATION_OVERLAP


async def test_deleting_an_endpoint_deletes_its_deliveries(
    sessions: async_sessionmaker[AsyncSession], store: Store
) -> None:
    async with sessions() as session:
        doomed, _ = await service.create_endpoint(session, store, PUBLIC_URL)
        kept, _ = await service.create_endpoint(session, store, PUBLIC_URL)
        await service.emit(session, store.id, E.CONVERSATION_HANDOFF, {"contact": "x"})
        await session.commit()
    async with sessions() as session:
        await service.delete_endpoint(session, store, doomed.id)
        await session.commit()
    async with sessions() as session:
        assert await deliveries_of(session, doomed.id) == 0
        assert await deliveries_of(session, kept.id) == 1
        assert await session.get(WebhookEndpoint, doomed.id) is None


async def test_a_store_has_a_bounded_number_of_endpoints(
    sessions: async_sessionmaker[AsyncSession], store: Store
) -> None:
    async with sessions() as session:
        for _ in range(service.MAX_ENDPOINTS):
            await service.create_endpoint(session, store, PUBLIC_URL)
        with pytest.raises(InvalidInput, match="at most"):
            await service.create_endpoint(session, store, PUBLIC_URL)


async def test_re_enabling_clears_the_failure_streak(
    sessions: async_sessionmaker[AsyncSession], store: Store
) -> None:
    async with sessions() as session:
        endpoint, _ = await service.create_endpoint(session, store, PUBLIC_URL)
        endpoint.enabled, endpoint.disabled_reason = False, "10 failed attempts in a row"
        endpoint.consecutive_failures = 10
        endpoint.failing_since = datetime(2026, 1, 1, tzinfo=UTC)
        await service.update_endpoint(session, store, endpoint.id, EndpointUpdate(enabled=True))
        await session.commit()
    async with sessions() as session:
        again = await session.get(WebhookEndpoint, endpoint.id)
    assert again is not None
    assert again.enabled
    assert (again.disabled_reason, again.consecutive_failures) == (None, 0)
    assert again.failing_since is None
