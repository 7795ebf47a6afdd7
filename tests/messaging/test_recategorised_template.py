"""An order-update template that Meta re-categorised as MARKETING is billed and judged as
marketing: it goes to customers who agreed to marketing, and to nobody else.

Real sends to the sandbox; the dispatcher is driven with `run_once()` as in `test_dispatcher.py`.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from ordertalk.contacts.models import Contact
from ordertalk.db import utcnow
from ordertalk.stores.models import Store
from ordertalk.templates.models import TemplateStatus
from tests.messaging.test_dispatcher import PRIYA, Rig, cod_order

pytestmark = pytest.mark.database

TEMPLATE = "ot_cod_confirmation"  # what the COD order's confirmation is sent with


async def recategorise(rig: Rig, category: str = "MARKETING") -> None:
    """Meta moved the template to another category (its template_category_update webhook)."""
    async with rig.sessions() as session:
        await session.execute(
            update(TemplateStatus)
            .where(TemplateStatus.store_id == rig.store_id, TemplateStatus.name == TEMPLATE)
            .values(category=category)
        )
        await session.commit()


async def marketing_consent(rig: Rig, granted: bool | None) -> None:
    async with rig.sessions() as session:
        await session.execute(
            update(Contact).where(Contact.wa_id == PRIYA).values(marketing_consent=granted)
        )
        await session.commit()


async def test_a_recategorised_template_goes_to_a_customer_who_agreed_to_marketing(
    rig: Rig,
) -> None:
    rig.clock.now = now = utcnow()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))
    await recategorise(rig)
    await marketing_consent(rig, True)

    assert await rig.dispatcher().run_once() == 1

    message = await rig.message(message_id)
    assert (message.state, message.form, message.template_name) == (
        "accepted",
        "template",
        TEMPLATE,
    )
    assert await rig.events(message_id) == [
        ("decision", "send", "ok"),
        ("attempt", "accepted", None),
    ]
    [sent] = rig.sends(PRIYA)
    assert sent["wamid"] == message.wamid


@pytest.mark.parametrize("granted", [None, False], ids=["never-asked", "declined"])
async def test_a_recategorised_template_is_not_sent_without_marketing_consent(
    rig: Rig, granted: bool | None
) -> None:
    rig.clock.now = now = utcnow()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))
    await recategorise(rig)
    await marketing_consent(rig, granted)

    assert await rig.dispatcher().run_once() == 1

    assert (await rig.message(message_id)).state == "suppressed"
    assert await rig.events(message_id) == [("decision", "suppress", "no_consent")]
    assert rig.sends() == []


async def test_a_recategorised_template_counts_against_the_weekly_marketing_cap(
    rig: Rig,
) -> None:
    rig.clock.now = now = utcnow()
    async with rig.sessions() as session:
        await session.execute(
            update(Store).where(Store.id == rig.store_id).values(marketing_cap_per_week=0)
        )
        await session.commit()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))
    await recategorise(rig)
    await marketing_consent(rig, True)

    assert await rig.dispatcher().run_once() == 1

    assert (await rig.message(message_id)).state == "suppressed"
    assert await rig.events(message_id) == [("decision", "suppress", "marketing_cap")]
    assert rig.sends() == []
