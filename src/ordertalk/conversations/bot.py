"""The bot: every inbound message is kept, then answered while the bot has the conversation.

Order of routing (first match wins):
1. "Talk to a person" (typed or tapped) hands over, from anywhere, even mid-flow.
2. A tapped button or list row goes to the flow that sent it (`ndr:`, `cod:`, `ret:`, `fb:`);
   those ids carry what they are about, so an old button still works (after checks).
3. A cart from the catalog becomes a draft order.
4. A flow waiting for an answer gets the message; it may decline (the customer asked for
   something else), which ends the flow.
5. A bare 0–10 after a feedback request is the score; "yes"/"no"/"cancel" answer a COD order
   still waiting for confirmation.
6. What the text asks for: cancel, a missed delivery, a return or exchange, where is my order,
   the store's FAQ, thanks; anything else gets the menu, which always offers a person.

While a person has the conversation (waiting or with an agent) the bot stays quiet, except for
taps on a flow's buttons and list rows (a COD Confirm, an NDR day, a score): those name what
they act on, so the flow still records the act and confirms it, and the person sees both in
the thread. Anything typed or sent is the person's to answer. A conversation left waiting
longer than the service window comes back to the bot (see `_handoff_lapsed`).

Reactions and system notices (a changed number) are kept but never answered, and never count
as a flow's answer. Replies are outbox rows, so the policy still checks the service window
and nothing leaves without a row.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.events import ReturnKind
from ordertalk.contacts.models import Contact
from ordertalk.conversations.faq import answer_for, faq_entries
from ordertalk.conversations.flows import cart, cod, feedback, ndr, returns, wismo
from ordertalk.conversations.flows.common import (
    MENU_HUMAN,
    MENU_RETURN,
    MENU_WISMO,
    PEOPLE_STATES,
    find_order,
    handoff,
    menu,
    order_label,
)
from ordertalk.conversations.inbound import conversation_of, record_inbound
from ordertalk.conversations.media import media_of
from ordertalk.conversations.models import ConversationMessage
from ordertalk.conversations.states import ConversationState
from ordertalk.conversations.turn import Turn
from ordertalk.conversations.understanding import Intent, Understanding, understand
from ordertalk.messaging.models import OutboundMessage
from ordertalk.stores.models import Store
from ordertalk.whatsapp.webhook_types import InboundMessage, InboundType

log = logging.getLogger(__name__)

# Kept in the conversation, never answered: a 👍 on a message, a notice that the number changed.
_NOT_ANSWERED = (InboundType.REACTION, InboundType.SYSTEM)
# The flows whose buttons and list rows name what they act on (`ndr:`, `cod:`, `ret:`, `fb:`).
_TAPPABLE = (ndr, cod, returns, feedback)
# The customer service window: a handoff no one took up within it has lapsed.
HANDOFF_LAPSES_AFTER = timedelta(hours=24)
_MENU_INTENTS = {MENU_WISMO: Intent.WISMO, MENU_HUMAN: Intent.HUMAN, MENU_RETURN: Intent.RETURN}
_MEDIA = (
    InboundType.IMAGE,
    InboundType.VIDEO,
    InboundType.AUDIO,
    InboundType.DOCUMENT,
    InboundType.STICKER,
)


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def _storable(message: InboundMessage) -> InboundMessage:
    """The message without NUL characters: PostgreSQL text cannot hold them (the insert would
    fail and the customer get no answer), and in a chat they never mean anything."""
    cleaned = _without_nul(message.raw)
    return message if cleaned == message.raw else InboundMessage.model_validate(cleaned)


def _understand(store: Store, contact: Contact, message: InboundMessage) -> Understanding | None:
    if message.text is None:
        return None
    return understand(message.text, faq=faq_entries(store), language_hint=contact.language)


async def handle_inbound(
    session: AsyncSession,
    store: Store,
    contact: Contact,
    message: InboundMessage,
    at: datetime,
    *,
    answer: bool = True,
) -> list[OutboundMessage]:
    """Keep the message in its conversation and answer it when the bot has the conversation
    (`answer=False`: keep it only, e.g. a STOP that is confirmed elsewhere)."""
    message = _storable(message)
    conversation = await conversation_of(session, store, contact)
    understood = _understand(store, contact, message)
    intent = _MENU_INTENTS.get(message.reply_id or "") or (
        understood.intent if understood else None
    )
    kept = await record_inbound(
        session, store, conversation, message, at, intent.value if intent else None
    )
    if kept is None:
        return []  # a redelivered webhook: answered the first time
    if not answer or intent in (Intent.STOP, Intent.START) or message.type in _NOT_ANSWERED:
        return []  # the keyword was handled (and confirmed) already, or nothing to answer
    if conversation.state == ConversationState.WAITING and await _handoff_lapsed(session, kept, at):
        conversation.state = ConversationState.BOT
        log.info("conversation %s: nobody took the handoff up; the bot answers", conversation.id)
    if conversation.state == ConversationState.RESOLVED:
        conversation.state = ConversationState.BOT  # the customer is back: the bot answers
    turn = Turn(session, store, contact, conversation, message, at, understood)
    turn.expire_flow()  # a flow left unanswered too long: this message starts afresh
    if conversation.state in PEOPLE_STATES:
        await _tapped_flow(turn)  # a flow's button still acts; the rest is the person's
    else:
        await _route(turn, kept, intent)
    return turn.sent


async def _handoff_lapsed(session: AsyncSession, kept: ConversationMessage, at: datetime) -> bool:
    """Whether a waiting conversation has waited out the service window: nothing was said in it,
    by the customer, the bot or an agent, for longer than 24 hours before this message.

    An agent's reply (or taking the conversation) makes it `agent`, so a conversation still
    waiting after the customer's window closed is one nobody took up; by then no agent could
    even write to the customer freely. Rather than leave them unanswered again, the bot takes
    it back and answers this message as usual (asking for a person again hands over anew). An
    `agent` conversation is never taken back: someone owns it. Measured from the messages, as
    the conversation keeps no handoff time: a conversation handed over through the API after a
    long silence is taken back by the customer's next message (to keep it, assign it); one
    with no earlier message at all cannot be dated and stays waiting.
    """
    previous = await session.scalar(
        select(func.max(ConversationMessage.at)).where(
            ConversationMessage.conversation_id == kept.conversation_id,
            ConversationMessage.id != kept.id,
        )
    )
    return previous is not None and at - previous > HANDOFF_LAPSES_AFTER


async def _tapped_flow(turn: Turn) -> bool:
    """Give a tap on a flow's button or list row to that flow; False if it is not one.

    The ids carry what they are about (the order, the parcel), so an old button still works."""
    reply_id = turn.message.reply_id
    for flow in _TAPPABLE:
        if flow.owns(reply_id):
            assert reply_id is not None
            await flow.on_reply(turn, reply_id)
            return True
    return False


async def _route(turn: Turn, kept: ConversationMessage, intent: Intent | None) -> None:
    reply_id = turn.message.reply_id
    if intent is Intent.HUMAN:
        await handoff(turn, "customer_asked")
        return
    if await _tapped_flow(turn):
        return
    if turn.message.type == InboundType.ORDER:
        await cart.receive(turn)
        return
    if reply_id in _MENU_INTENTS:
        turn.end_flow()  # a menu button asks for something anew: never a flow's answer
    if turn.conversation.flow is not None and await _answer_flow(turn, kept):
        return
    if await _expected_answers(turn):
        return
    await _by_intent(turn, intent)


async def _answer_flow(turn: Turn, kept: ConversationMessage) -> bool:
    """Give the message to the flow waiting for it; False (and the flow ends) if it declines."""
    handled = False
    match turn.conversation.flow:
        case ndr.FLOW:
            handled = await ndr.on_answer(turn)
        case cod.FLOW:
            order = await cod.asked_order(turn)  # not the latest pending: the one asked about
            handled = order is not None and await cod.on_words(turn, order)
        case returns.FLOW:
            handled = await returns.on_answer(turn, await _media_of(turn, kept))
        case feedback.FLOW:
            handled = await feedback.on_answer(turn)
    if not handled:
        turn.end_flow()
    return handled


async def _media_of(turn: Turn, kept: ConversationMessage) -> int | None:
    # By WhatsApp's media id: a photo the customer sent before is the row kept then.
    found = await media_of(turn.session, kept) if turn.message.type in _MEDIA else None
    return found.id if found is not None else None


async def _expected_answers(turn: Turn) -> bool:
    """Answers to questions the customer was sent as templates: a score, a COD yes or no."""
    score = feedback.score_in(turn.text)
    if score is not None:
        rated = await feedback.awaiting(turn)
        if rated is not None:
            await feedback.take_score(turn, rated, score)
            return True
    if turn.intent in (Intent.YES, Intent.NO, Intent.CANCEL):
        order = await cod.pending_order(turn)
        if order is not None and await cod.on_words(turn, order):
            return True
    return False


async def _by_intent(turn: Turn, intent: Intent | None) -> None:
    number = turn.understood.order_number if turn.understood else None
    match intent:
        case Intent.CANCEL:
            order = await find_order(turn, number)
            if order is None:
                await wismo.answer(turn, number)  # says clearly that no such order is theirs
            else:
                await handoff(turn, "cancel_request", "cancel_handoff", order=order_label(order))
        case Intent.RESCHEDULE | Intent.CHANGE_ADDRESS:
            await ndr.start(turn, intent)
        case Intent.RETURN | Intent.EXCHANGE:
            kind = ReturnKind.EXCHANGE if intent is Intent.EXCHANGE else ReturnKind.RETURN
            await returns.start(turn, kind, number)
        case Intent.WISMO:
            await wismo.answer(turn, number)
        case Intent.FAQ:
            answer = answer_for(turn.store, turn.understood.faq_id if turn.understood else None)
            await (turn.reply_text(answer) if answer else menu(turn))
        case Intent.THANKS:
            await turn.reply_text(turn.say("thanks"))
        case _ if number is not None:
            await wismo.answer(turn, number)
        case _:
            rated = await feedback.awaiting(turn) if turn.text else None
            if rated is not None and intent in (None, Intent.UNKNOWN):
                await feedback.offer_scores(turn, rated)  # words after "rate us": offer the list
            elif turn.message.type in _MEDIA:
                await menu(turn, "menu_media")
            else:
                await menu(turn)
