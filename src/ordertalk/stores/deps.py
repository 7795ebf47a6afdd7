"""`StoreDep`: the store whose API key is in the request's `Authorization: Bearer` header."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ordertalk.deps import SessionDep
from ordertalk.stores.models import Store
from ordertalk.stores.service import authenticate


async def current_store(request: Request, session: SessionDep) -> Store:
    """The authenticated store (401 on a missing, malformed, unknown or revoked key)."""
    return await authenticate(session, request.headers.get("authorization"))


StoreDep = Annotated[Store, Depends(current_store)]
