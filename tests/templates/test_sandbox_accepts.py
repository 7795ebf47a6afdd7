"""End to end: push the registry to the sandbox, let it approve everything, then send every
message in every language and form to a customer. The Cloud API answers 200 each time, and the
customer's phone shows exactly the text the render's preview promised.
"""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.policy.decisions import Form
from ordertalk.templates.registry import REGISTRY
from ordertalk.templates.render import Rendered, has_form, render
from ordertalk.templates.service import push, template_state
from tests.conftest import Sandbox
from tests.templates.conftest import (
    STORE_ID,
    apply_received,
    context,
    sandbox_client,
    wait_for_reviews,
)

pytestmark = pytest.mark.database

CUSTOMER = "5511987654321"


def on_the_phone(rendered: Rendered) -> str:
    """What the phone shows for a rendered message: its preview, behind any document label."""
    kind = rendered.payload["type"]
    if kind == "template" and rendered.template_name == "ot_order_confirmed_invoice":
        return f"[document]\n{rendered.preview}"
    if kind == "document":
        return f"[document {rendered.payload['document']['filename']}] {rendered.preview}"
    return rendered.preview


async def test_every_rendered_message_is_accepted_and_reads_as_previewed(
    session: AsyncSession, sandbox: Sandbox
) -> None:
    # One customer receives ~260 messages here: lift the per-customer and per-number pacing.
    sandbox.configure(pair_burst=1000, throughput_mps=1000)
    async with sandbox_client(sandbox) as client:
        await push(session, STORE_ID, client, document_handle="4::sample-invoice-pdf")
    await session.commit()
    templates = sum(len(d.languages) for d in REGISTRY.values() if d.template)
    wait_for_reviews(sandbox, "APPROVED", templates)
    await apply_received(session, sandbox)
    ctx = context(locale="pt_BR", timezone="America/Sao_Paulo", currency="BRL")

    sent: list[tuple[str, Rendered]] = []
    for form in (Form.TEMPLATE, Form.FREEFORM):
        if form is Form.FREEFORM:
            sandbox.say(CUSTOMER, "oi")  # free-form messages need an open service window
        for key, defn in REGISTRY.items():
            if not has_form(key, form):
                continue
            for language in defn.languages:
                if form is Form.TEMPLATE:
                    state = await template_state(session, STORE_ID, defn.name, language)
                    assert state is not None
                    assert state.status == "APPROVED"
                rendered = render(key, form, language, ctx)
                response = sandbox.send({"to": CUSTOMER, **rendered.payload})
                assert response.status_code == 200, (key, language, form, response.text)
                sent.append((response.json()["messages"][0]["id"], rendered))

    phone = {message["id"]: message for message in sandbox.phone(CUSTOMER)}
    assert len(sent) == 2 * templates + 2 * 5
    for wamid, rendered in sent:
        shown = phone[wamid]
        assert shown["text"] == on_the_phone(rendered), rendered.template_name
        if rendered.template_name is not None:
            assert shown["template"] == {
                "name": rendered.template_name,
                "language": rendered.language,
            }
        if rendered.payload["type"] == "interactive":
            buttons = rendered.payload["interactive"]["action"]["buttons"]
            assert shown["buttons"] == [b["reply"]["title"] for b in buttons]
