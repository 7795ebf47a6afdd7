"""`/v1/store` and `/v1/integrations`: a store's own settings, for its API key."""

from __future__ import annotations

from fastapi import APIRouter

from ordertalk.deps import SessionDep
from ordertalk.stores import service
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
