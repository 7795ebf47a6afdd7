"""One turn of the bot: the customer's message, what it means, and how the bot answers it.

Flows (`conversations/flows/`) get a `Turn` and use it to reply and to keep their step in the
conversation (`flow`, `flow_state`, `flow_expires_at`), so a flow is a few small functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.contacts.models import Contact
from ordertalk.conversations import replies, texts
from ordertalk.conversations.models import Conversation
from ordertalk.conversations.understanding import Intent, Understanding
from ordertalk.messaging.models import OutboundMessage
from ordertalk.stores.models import Store
from ordertalk.whatsapp.webhook_types import InboundMessage

# How long the bot waits for the next answer in a flow; after that the customer starts afresh.
FLOW_TIMEOUT = timedelta(minutes=30)
# Answers the bot does not understand before it stops asking and offers the menu.
MAX_RETRIES = 2


@dataclass
class Turn:
    """The customer's message and everything needed to answer it."""

    session: AsyncSession
    store: Store
    contact: Contact
    conversation: Conversation
    message: InboundMessage
    at: datetime
    understood: Understanding | None
    sent: list[OutboundMessage] = field(default_factory=list)

    @property
    def language(self) -> str:
        """The customer's language (the bot speaks en, hi, es, pt and id)."""
        return self.contact.language

    @property
    def intent(self) -> Intent | None:
        """What the text asks for; None for media, locations and the like."""
        return self.understood.intent if self.understood else None

    @property
    def text(self) -> str | None:
        """The text the customer typed (or a button's title), stripped."""
        value = self.message.text
        return value.strip() if value else None

    def say(self, key: str, **values: str) -> str:
        """A sentence in the customer's language."""
        return texts.say(key, self.language, store=self.store.name, **values)

    async def reply(
        self,
        payload: dict[str, Any],
        preview: str,
        *,
        order_id: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Queue one reply; a second reply in the same turn gets its own dedup key."""
        suffix = f":{len(self.sent)}" if self.sent else ""
        planned = await replies.send_reply(
            self.session,
            contact=self.contact,
            conversation=self.conversation,
            payload=payload,
            preview=preview,
            dedup_key=f"reply:{self.message.id}{suffix}",
            at=self.at,
            order_id=order_id,
            extra=extra,
        )
        if planned is not None:
            self.sent.append(planned)

    async def reply_text(
        self, body: str, *, order_id: int | None = None, extra: dict[str, Any] | None = None
    ) -> None:
        """Queue a plain text reply (`extra`: more params for the outbox row)."""
        await self.reply(replies.text(body), body, order_id=order_id, extra=extra)

    async def reply_buttons(
        self, body: str, choices: list[tuple[str, str]], *, order_id: int | None = None
    ) -> None:
        """Queue a message with up to three reply buttons."""
        await self.reply(replies.buttons(body, choices), body, order_id=order_id)

    # --- flow state ---------------------------------------------------------------------

    def in_flow(self, name: str | None = None) -> bool:
        """True when a flow (this one, if named) is waiting for the customer's answer."""
        conversation = self.conversation
        if conversation.flow is None:
            return False
        return name is None or conversation.flow == name

    def step(self) -> str | None:
        """The step of the flow in progress."""
        value = self.conversation.flow_state.get("step")
        return value if isinstance(value, str) else None

    def state(self) -> dict[str, Any]:
        """The flow's saved answers so far."""
        return dict(self.conversation.flow_state)

    def ask(self, flow: str, step: str, **values: Any) -> None:
        """Remember that the bot now waits for `step` of `flow` (keeping earlier answers)."""
        conversation = self.conversation
        kept = conversation.flow_state if conversation.flow == flow else {}
        retries = kept.get("retries", 0) if kept.get("step") == step else 0
        conversation.flow = flow
        conversation.flow_state = {**kept, **values, "step": step, "retries": retries}
        conversation.flow_expires_at = self.at + FLOW_TIMEOUT

    def retry(self) -> bool:
        """Count one answer the bot did not understand; False when it should stop asking."""
        conversation = self.conversation
        retries = int(conversation.flow_state.get("retries", 0)) + 1
        conversation.flow_state = {**conversation.flow_state, "retries": retries}
        conversation.flow_expires_at = self.at + FLOW_TIMEOUT
        return retries <= MAX_RETRIES

    def end_flow(self) -> None:
        """The flow is finished (or abandoned): the next message starts afresh."""
        self.conversation.flow = None
        self.conversation.flow_state = {}
        self.conversation.flow_expires_at = None

    def expire_flow(self) -> str | None:
        """Drop a flow the customer left unanswered for too long; returns its name."""
        conversation = self.conversation
        expires = conversation.flow_expires_at
        if conversation.flow is not None and expires is not None and self.at >= expires:
            name = conversation.flow
            self.end_flow()
            return name
        return None
