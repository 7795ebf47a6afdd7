"""`/v1/store` and `/v1/integrations`: a store's own settings, for its API key."""

from __future__ import annotations

from fastapi import APIRouter

from ordertalk.db import utcnow
from ordertalk.deps import SessionDep
from ordertalk.stores import rate_card, service
from ordertalk.stores.deps import StoreDep
from ordertalk.stores.schemas import (
    IntegrationIn,
    IntegrationList,
    IntegrationOut,
    IntegrationSource,
    StoreOut,
    StoreUpdate,
)

router = APIRouter(prefix="/v1", tags=["stores"])


@router.get("/store")
async def read_store(store: StoreDep) -> StoreOut:
    """The store's settings (secrets only as `*_set` booleans)."""
    return StoreOut.of(store)


@router.patch("/store")
async def patch_store(store: StoreDep, session: SessionDep, changes: StoreUpdate) -> StoreOut:
    """Change some settings; fields left out keep their values."""
    return StoreOut.of(await service.update_store(session, store, changes))


@router.get("/store/rate-card")
async def read_rate_card(store: StoreDep) -> rate_card.RateCardOut:
    """What the store pays Meta per delivered message (`currency` null until it is set)."""
    return rate_card.rate_card_out(store)


@router.put("/store/rate-card")
async def put_rate_card(
    body: rate_card.RateCardIn, store: StoreDep, session: SessionDep
) -> rate_card.RateCardOut:
    """Replace the rate card: a `currency` (ISO 4217) and `markets` {"default" or a country
    code: {pricing category: price}}. Prices messages delivered from now on; never past ones."""
    return await rate_card.set_rate_card(session, store, body, utcnow())


@router.put("/integrations/{source}")
async def put_integration(
    source: str, body: IntegrationIn, store: StoreDep, session: SessionDep
) -> IntegrationOut:
    """Set a source's webhook signing secret; answers where that source should send webhooks."""
    row = await service.set_integration_secret(
        session, store, source, body.secret.get_secret_value(), body.options
    )
    return IntegrationOut.of(row)


@router.get("/integrations")
async def read_integrations(store: StoreDep, session: SessionDep) -> IntegrationList:
    """Which integrations are configured (never their secrets)."""
    rows = await service.list_integrations(session, store)
    return IntegrationList(
        integrations=[IntegrationOut.of(row) for row in rows],
        available=[source.value for source in IntegrationSource],
    )
