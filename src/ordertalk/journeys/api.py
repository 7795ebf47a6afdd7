"""`/v1/journeys`: the store's playbook, and changing one step of it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from ordertalk.deps import SessionDep
from ordertalk.journeys.service import effective_playbook, set_override
from ordertalk.stores.deps import StoreDep

router = APIRouter(prefix="/v1/journeys", tags=["journeys"])


@router.get("")
async def get_playbook(store: StoreDep, session: SessionDep) -> list[dict[str, Any]]:
    """Every step with this store's settings."""
    steps = await effective_playbook(session, store.id)
    return [step.public() for step in steps.values()]


@router.put("/{step}")
async def change_step(
    step: str,
    store: StoreDep,
    session: SessionDep,
    changes: dict[str, Any] = Body(  # noqa: B008 (FastAPI's way to take a free-form body)
        ..., examples=[{"enabled": False}, {"delay_minutes": 60}]
    ),
) -> dict[str, Any]:
    """Change `enabled`, `delay_minutes`, `respect_quiet_hours` or `expires_after_minutes`."""
    return (await set_override(session, store.id, step, changes)).public()
