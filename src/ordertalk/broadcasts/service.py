"""A broadcast request checked and kept: the template (broadcastable, approved somewhere, of the
request's purpose), its params (rendered once per language to prove them), the audience filter
and the times. Planning it into the outbox is planner.py's. Services flush; the edge commits."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.broadcasts.audience import Audience
from ordertalk.broadcasts.models import Broadcast, BroadcastState
from ordertalk.broadcasts.schemas import AudienceIn, BroadcastIn
from ordertalk.db import insert_or_ignore
from ordertalk.errors import Conflict, InvalidInput, NotFound
from ordertalk.policy.decisions import Form, Purpose
from ordertalk.stores.models import Store
from ordertalk.stores.service import validate_country, validate_language
from ordertalk.templates.models import TemplateStatus
from ordertalk.templates.registry import BROADCAST_FIELDS, REGISTRY, TemplateDef, broadcastable
from ordertalk.templates.render import RenderContext, RenderError, render_definition

# Further ahead than this is more likely a typo than a plan (and Meta's review can change).
MAX_AHEAD = timedelta(days=90)
IDEMPOTENCY_KEY_MAX = 100
_APPROVED = "APPROVED"


class TemplateNotBroadcastable(InvalidInput):
    """The template needs an order (or has buttons naming one): a broadcast cannot fill it."""

    code = "template_not_broadcastable"


class TemplateNotApproved(Conflict):
    """Meta has approved the template in none of its languages for this store."""

    code = "template_not_approved"


class IdempotencyConflict(Conflict):
    """An Idempotency-Key reused for a different broadcast."""

    code = "idempotency_conflict"


def broadcastable_keys() -> list[str]:
    """The registry keys a broadcast can send."""
    return sorted(key for key, defn in REGISTRY.items() if broadcastable(defn))


def check_template(key: str, purpose: Purpose) -> TemplateDef:
    """The registry template `key`, if a broadcast of `purpose` can send it."""
    defn = REGISTRY.get(key)
    if defn is None or not broadcastable(defn):
        raise TemplateNotBroadcastable(
            f"{key[:60]!r} is not a template a broadcast can send (it needs an order, or does "
            "not exist)",
            details={"broadcastable": broadcastable_keys()},
        )
    category = Purpose.MARKETING if defn.category == "MARKETING" else Purpose.UTILITY
    if category is not purpose:
        # Meta bills and checks consent by the template's category, whatever the request says.
        raise InvalidInput(f"{key} is a {category.value} template: send it as {category.value}")
    return defn


def check_params(defn: TemplateDef, params: dict[str, str], store: Store) -> dict[str, str]:
    """The template's broadcast values, each proven by rendering it in every language."""
    wanted = set(defn.params) & BROADCAST_FIELDS
    unknown = sorted(set(params) - wanted)
    if unknown:
        names = ", ".join(n[:40] for n in unknown)
        raise InvalidInput(f"{defn.key} takes params {sorted(wanted)}, not: {names}")
    missing = sorted(wanted - set(params))
    if missing:
        raise InvalidInput(f"{defn.key} needs params {missing}")
    for language in defn.languages:
        sample = RenderContext(
            store_name=store.name,
            locale=language,
            timezone=store.timezone,
            order_ref="broadcast",
            offer=params.get("offer"),
            product=params.get("product"),
            shop_url=params.get("shop_url"),
        )
        try:
            render_definition(defn, Form.TEMPLATE, language, sample)
        except RenderError as exc:
            raise InvalidInput(f"params: {exc.message}") from None
    return {name: params[name] for name in sorted(wanted)}


def check_audience(audience: AudienceIn) -> Audience:
    """The filter, with its language and country in the form contacts store them."""
    return Audience(
        language=validate_language(audience.language) if audience.language else None,
        country=validate_country(audience.country) if audience.country else None,
    )


def check_times(not_before: datetime | None, expires_at: datetime | None, now: datetime) -> None:
    """Not planned too far ahead, and not expired before it could go."""
    if not_before is not None and not_before > now + MAX_AHEAD:
        raise InvalidInput(f"not_before is more than {MAX_AHEAD.days} days ahead")
    if expires_at is not None and expires_at <= max(now, not_before or now):
        raise InvalidInput("expires_at must be in the future and after not_before")


def check_idempotency_key(raw: str | None) -> str | None:
    """The key as kept, or None; InvalidInput when it is not short printable ASCII."""
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable() or not key.isascii():
        raise InvalidInput(
            f"Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} printable ASCII characters"
        )
    return key


async def template_statuses(
    session: AsyncSession, store_id: str, defn: TemplateDef
) -> dict[str, TemplateStatus]:
    """What Meta said of the template in each language, for this store."""
    rows = await session.scalars(
        select(TemplateStatus).where(
            TemplateStatus.store_id == store_id, TemplateStatus.name == defn.name
        )
    )
    return {row.language: row for row in rows}


async def require_approved(session: AsyncSession, store_id: str, defn: TemplateDef) -> None:
    """TemplateNotApproved unless Meta approved the template in at least one language (each
    contact whose language is not approved is then skipped with that reason)."""
    states = await template_statuses(session, store_id, defn)
    if any(state.status == _APPROVED for state in states.values()):
        return
    statuses = {language: states[language].status if language in states else "NOT_SUBMITTED"
                for language in defn.languages}  # fmt: skip
    raise TemplateNotApproved(
        f"{defn.name} is approved in none of its languages; push the templates "
        "(`ordertalk templates push`) and wait for Meta's review",
        details={"statuses": statuses},
    )


async def create_broadcast(
    session: AsyncSession,
    store: Store,
    body: BroadcastIn,
    idempotency_key: str | None,
    now: datetime,
) -> tuple[Broadcast, bool]:
    """The broadcast the request describes, and whether it is new: with an Idempotency-Key
    already used for the same request, the broadcast made then (to be planned again)."""
    key = check_idempotency_key(idempotency_key)
    purpose = Purpose(body.purpose)
    defn = check_template(body.template, purpose)
    params = check_params(defn, body.params, store)
    audience = check_audience(body.audience)
    check_times(body.not_before, body.expires_at, now)
    await require_approved(session, store.id, defn)
    values: dict[str, Any] = {
        "store_id": store.id,
        "idempotency_key": key,
        "template": defn.key,
        "purpose": purpose.value,
        "audience": audience.stored(),
        "params": params,
        "not_before": body.not_before,
        "expires_at": body.expires_at,
        "state": BroadcastState.PLANNING.value,
        "planned": 0,
        "audience_size": 0,
        "already_planned": 0,
        "skipped": {},
        "created_at": now,
    }
    if key is None:
        broadcast = Broadcast(**values)
        session.add(broadcast)
        await session.flush()
        return broadcast, True
    # Two retries racing: the unique key lets one insert, and both carry on with its row.
    created = await insert_or_ignore(session, Broadcast, values, ["store_id", "idempotency_key"])
    found = await session.scalar(
        select(Broadcast).where(Broadcast.store_id == store.id, Broadcast.idempotency_key == key)
    )
    assert found is not None
    if not created and not _same(found, values):
        raise IdempotencyConflict(
            "this Idempotency-Key was used for a different broadcast; use a new key"
        )
    return found, created


def _same(found: Broadcast, values: dict[str, Any]) -> bool:
    fields = ("template", "purpose", "audience", "params", "not_before", "expires_at")
    return all(getattr(found, name) == values[name] for name in fields)


async def get_broadcast(session: AsyncSession, store_id: str, broadcast_id: int) -> Broadcast:
    """One of the store's broadcasts (NotFound for another store's)."""
    broadcast = await session.scalar(
        select(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.store_id == store_id)
    )
    if broadcast is None:
        raise NotFound(f"no broadcast {broadcast_id}")
    return broadcast
