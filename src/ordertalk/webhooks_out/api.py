"""`/v1/webhooks`: a store's webhook endpoints, their secrets (shown once) and delivery logs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from ordertalk.config import Settings
from ordertalk.deps import SessionDep, SettingsDep
from ordertalk.errors import Forbidden
from ordertalk.stores.deps import StoreDep
from ordertalk.webhooks_out import service
from ordertalk.webhooks_out.schemas import (
    DeliveryOut,
    EndpointIn,
    EndpointOut,
    EndpointUpdate,
    EndpointWithSecret,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


def _private_allowed(requested: bool | None, settings: Settings) -> None:
    """Private addresses only where the operator allows them for every store."""
    if requested and not settings.webhooks_allow_private:
        raise Forbidden(
            "private and loopback addresses are off on this server "
            "(the operator can allow them with ORDERTALK_WEBHOOKS_ALLOW_PRIVATE=true)"
        )


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_endpoint(
    body: EndpointIn, store: StoreDep, session: SessionDep, settings: SettingsDep
) -> EndpointWithSecret:
    """Add an endpoint; the answer carries its signing secret, which is never shown again."""
    _private_allowed(body.allow_private, settings)
    endpoint, secret = await service.create_endpoint(
        session, store, body.url, body.events, body.description, body.allow_private
    )
    return EndpointWithSecret.with_secret(endpoint, secret)


@router.get("")
async def list_endpoints(store: StoreDep, session: SessionDep) -> list[EndpointOut]:
    """The store's endpoints (without secrets)."""
    return [EndpointOut.of(e) for e in await service.list_endpoints(session, store)]


@router.get("/{endpoint_id}")
async def read_endpoint(endpoint_id: int, store: StoreDep, session: SessionDep) -> EndpointOut:
    """One endpoint (without its secret)."""
    return EndpointOut.of(await service.get_endpoint(session, store, endpoint_id))


@router.patch("/{endpoint_id}")
async def patch_endpoint(
    endpoint_id: int,
    changes: EndpointUpdate,
    store: StoreDep,
    session: SessionDep,
    settings: SettingsDep,
) -> EndpointOut:
    """Change an endpoint; `{"enabled": true}` resumes a disabled one's waiting deliveries."""
    _private_allowed(changes.allow_private, settings)
    return EndpointOut.of(await service.update_endpoint(session, store, endpoint_id, changes))


@router.delete("/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_endpoint(endpoint_id: int, store: StoreDep, session: SessionDep) -> Response:
    """Remove an endpoint and its delivery log."""
    await service.delete_endpoint(session, store, endpoint_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{endpoint_id}/rotate-secret")
async def rotate_secret(
    endpoint_id: int, store: StoreDep, session: SessionDep
) -> EndpointWithSecret:
    """A new signing secret, shown this once; the old one keeps signing for 24 hours too."""
    endpoint, secret = await service.rotate_secret(session, store, endpoint_id)
    return EndpointWithSecret.with_secret(endpoint, secret)


@router.post("/{endpoint_id}/test", status_code=status.HTTP_202_ACCEPTED)
async def test_endpoint(endpoint_id: int, store: StoreDep, session: SessionDep) -> DeliveryOut:
    """Queue a `ping` event for this endpoint; follow it in the delivery log."""
    return DeliveryOut.of(await service.send_test(session, store, endpoint_id))


@router.get("/{endpoint_id}/deliveries")
async def list_deliveries(
    endpoint_id: int,
    store: StoreDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[DeliveryOut]:
    """The endpoint's delivery log, newest first."""
    rows = await service.deliveries(session, store, endpoint_id, limit)
    return [DeliveryOut.of(row) for row in rows]
