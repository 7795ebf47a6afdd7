"""What Ordertalk tells merchants' endpoints about: one vocabulary of event types."""

from __future__ import annotations

from enum import StrEnum


class WebhookEventType(StrEnum):
    """A Standard Webhooks event type (`type` in the body), full-stop delimited.

    The `data` of each type (callers pass it to `service.emit`). Phone numbers are always
    masked (`+91•••••3210`); `contact_id` identifies the customer.
    - `message.status`: a message we sent moved forward (sent, delivered, read) or failed for
      good; once per message and status. `{message_id, wamid, intent, order_id (the store's
      order id, or null), status, at, error: {code, title} | null, pricing_category,
      contact_id, customer}`.
    - `message.inbound`: a customer wrote; once per WhatsApp message. `{message_id, wamid,
      conversation_id, contact_id, customer, type, text (the text, a caption, or the title of
      the button or row tapped), reply_id (the id of that button or row), reply_to (the wamid
      answered), intent (what the bot understood), media: [{id, kind, mime_type, url}]}`;
      each media file is fetched afterwards: `GET /v1/media/{id}` answers 404 until it is kept.
    - `conversation.handoff`: a conversation now waits for a person. `{conversation_id,
      contact_id, customer, source, reason, message}`: `source` "bot" (the customer asked or
      the bot could not help; `reason` customer_asked, cancel_request or cart; `message` the
      customer's words) or "api" (an agent or the store's system; `reason` "manual", `message`
      null).
    - `shipment.ndr_action`: the customer chose what to do after a failed delivery attempt.
    - `order.cod_decision`: the customer confirmed or cancelled a cash-on-delivery order.
    - `return.requested`: the customer asked to return an order.
    - `feedback.received` / `feedback.low_score`: a customer rated their experience.
    - `ping`: sent only by `POST /v1/webhooks/{id}/test`, to one endpoint.
    """

    MESSAGE_STATUS = "message.status"
    MESSAGE_INBOUND = "message.inbound"
    CONVERSATION_HANDOFF = "conversation.handoff"
    SHIPMENT_NDR_ACTION = "shipment.ndr_action"
    ORDER_COD_DECISION = "order.cod_decision"
    RETURN_REQUESTED = "return.requested"
    FEEDBACK_RECEIVED = "feedback.received"
    FEEDBACK_LOW_SCORE = "feedback.low_score"
    PING = "ping"


# What an endpoint can subscribe to (a ping goes to the endpoint being tested, subscribed or not).
SUBSCRIBABLE = tuple(t for t in WebhookEventType if t is not WebhookEventType.PING)


class DeliveryState(StrEnum):
    """Where one event is on its way to one endpoint."""

    PENDING = "pending"  # not attempted yet
    FAILED = "failed"  # the last attempt failed; another is scheduled (`next_attempt_at`)
    DELIVERED = "delivered"  # a 2xx answer
    DEAD = "dead"  # every attempt failed; no more are made


# States the sender picks up when due (and their endpoint is enabled).
OPEN_STATES = (DeliveryState.PENDING.value, DeliveryState.FAILED.value)
