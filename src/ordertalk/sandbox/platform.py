"""The simulated platform: what happens to a send, an inbound message or a template.

Routes (graph_api.py, control.py) parse HTTP and call one method here; this module owns the
rules of reference §11: the service window, the free entry point, rate limits, messaging limits,
asynchronous failures, status sequences and pricing.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ordertalk.sandbox.clock import VirtualClock
from ordertalk.sandbox.errors import GraphError
from ordertalk.sandbox.limits import MessagingLimit, PairLimiter, ThroughputLimiter
from ordertalk.sandbox.media import MediaStore
from ordertalk.sandbox.model import TemplateCategory, TemplateStatus, ValidatedMessage
from ordertalk.sandbox.pricing import pricing_for
from ordertalk.sandbox.settings import Behaviour, BehaviourUpdate, Faults, SandboxSettings
from ordertalk.sandbox.state import Chat, Directory, PhoneMessage, new_wamid
from ordertalk.sandbox.templates import TemplateRegistry
from ordertalk.sandbox.validate import validate_send
from ordertalk.sandbox.webhooks import Job, WebhookDispatcher

MAX_LOG = 500_000


@dataclass(slots=True)
class Line:
    """One registered business phone number and its own throughput and pair limits."""

    phone_number_id: str
    display_phone_number: str
    throughput: ThroughputLimiter
    pairs: PairLimiter

    def metadata(self) -> dict[str, str]:
        """The `metadata` object of this number's webhooks."""
        return {
            "display_phone_number": self.display_phone_number,
            "phone_number_id": self.phone_number_id,
        }


class Platform:
    """The whole simulated Cloud API account: one WABA, one or more numbers."""

    def __init__(self, settings: SandboxSettings, extra_numbers: list[str] | None = None) -> None:
        self.settings = settings
        self.behaviour: Behaviour = settings.behaviour.model_copy()
        self.faults = Faults()
        self.clock = VirtualClock()
        self.directory = Directory()
        self.media = MediaStore()
        self.templates = TemplateRegistry(self.clock.now)
        self.templates.seed_defaults()
        self.messaging_limit = MessagingLimit(self.behaviour.messaging_limit_tier)
        self.lines: dict[str, Line] = {}
        numbers = [settings.phone_number_id, *(extra_numbers or [])]
        for index, number_id in enumerate(numbers):
            display = settings.display_phone_number
            if index:
                display = f"{display[:-2]}{(int(display[-2:]) + index) % 100:02d}"
            self.lines[number_id] = Line(number_id, display, *self._limiters())
        self.primary = self.lines[settings.phone_number_id]
        self.webhooks = WebhookDispatcher(
            clock=self.clock,
            behaviour=lambda: self.behaviour,
            faults=lambda: self.faults,
            app_secret=settings.app_secret,
            waba_id=settings.waba_id,
            metadata=self.primary.metadata(),
        )
        self.requests: deque[dict[str, Any]] = deque(maxlen=MAX_LOG)

    def _limiters(self) -> tuple[ThroughputLimiter, PairLimiter]:
        mps = self.faults.throughput_mps or self.behaviour.throughput_mps
        return (
            ThroughputLimiter(mps, self.clock.now()),
            PairLimiter(self.behaviour.pair_interval_s, self.behaviour.pair_burst),
        )

    # -- configuration ---------------------------------------------------------------------

    def configure(self, update: BehaviourUpdate) -> Behaviour:
        """Apply a partial behaviour change; limits are rebuilt when theirs changed."""
        changes = update.model_dump(exclude_unset=True)
        merged = self.behaviour.model_dump() | changes
        self.behaviour = Behaviour.model_validate(merged)
        if "throughput_mps" in changes:
            self._rebuild_limiters(throughput=True)
        if {"pair_interval_s", "pair_burst"} & changes.keys():
            self._rebuild_limiters(pairs=True)
        if "messaging_limit_tier" in changes:
            self.messaging_limit.tier = self.behaviour.messaging_limit_tier
        self.webhooks.wake()
        return self.behaviour

    def set_faults(self, faults: Faults) -> Faults:
        """Replace the injected faults."""
        throughput_changed = faults.throughput_mps != self.faults.throughput_mps
        self.faults = faults
        if throughput_changed:
            self._rebuild_limiters(throughput=True)
        return self.faults

    def _rebuild_limiters(self, *, throughput: bool = False, pairs: bool = False) -> None:
        # Only the limiter whose setting changed starts afresh: a new throughput level must
        # not forget which customers were just messaged.
        for line in self.lines.values():
            fresh_throughput, fresh_pairs = self._limiters()
            if throughput:
                line.throughput = fresh_throughput
            if pairs:
                line.pairs = fresh_pairs

    def reset(self) -> None:
        """Back to a brand-new account (settings from start-up, nothing sent, clock real)."""
        self.behaviour = self.settings.behaviour.model_copy()
        self.faults = Faults()
        self.clock.reset()
        self.directory.reset()
        self.media.reset()
        self.templates.reset()
        self.messaging_limit = MessagingLimit(self.behaviour.messaging_limit_tier)
        self._rebuild_limiters(throughput=True, pairs=True)
        self.webhooks.reset()
        self.requests.clear()

    def line(self, phone_number_id: str) -> Line:
        """The business number, or the Graph error for an unknown object."""
        line = self.lines.get(phone_number_id)
        if line is None:
            raise unknown_object(phone_number_id, "post")
        return line

    def log_request(self, entry: dict[str, Any]) -> None:
        """Remember a request for `GET /_sandbox/log` (rates are measured from it)."""
        entry["time"] = self.clock.now()
        self.requests.append(entry)

    # -- sending ---------------------------------------------------------------------------

    def send(self, line: Line, body: object) -> tuple[ValidatedMessage, PhoneMessage]:
        """Validate, rate-limit and accept one outbound message; its fate arrives by webhook."""
        message = validate_send(
            body,
            render_template=self.templates.render_send,
            media_exists=lambda media_id: self.media.get(media_id, self.clock.now()) is not None,
        )
        now = self.clock.now()
        if not line.throughput.take(now):
            raise GraphError(
                130429,
                "Message failed to send because there were too many messages sent from this "
                "phone number in a short period of time",
                http_status=self.behaviour.throttle_http_status,
            )
        chat = self.directory.chat_for(line.phone_number_id, message)
        if not line.pairs.take(chat.customer.key, now):
            raise GraphError(
                131056,
                "Message failed to send because there were too many messages sent from this "
                "phone number to the same phone number in a short period of time",
                http_status=self.behaviour.throttle_http_status,
            )
        return message, self._accept(line, chat, message, now)

    def _accept(
        self, line: Line, chat: Chat, message: ValidatedMessage, now: float
    ) -> PhoneMessage:
        key = chat.customer.wa_id or chat.customer.user_id
        record = PhoneMessage(
            id=new_wamid(key),
            wa_id=chat.customer.wa_id,
            type=message.type,
            text=message.text,
            timestamp=now,
            raw=message.raw,
            buttons=message.buttons,
            rows=message.rows,
            template=message.template,
        )
        chat.received.append(record)
        chat.history.append(record)
        self.directory.outbound[record.id] = record
        in_window = chat.in_window(now)
        chat.on_business_reply(now)
        if chat.typing_until is not None:
            chat.typing_until = None  # a reply clears "typing…"
        failure = self._async_failure(chat, message, in_window, now)
        category = message.template.category if message.template else None
        pricing = pricing_for(
            category=category,
            in_window=in_window,
            in_free_entry_point=chat.in_free_entry_point(now),
            sent_at=now,
            cutover=self.behaviour.pricing_cutover,
        )
        self._schedule_statuses(line, chat, record, message, failure, pricing, now)
        return record

    def _async_failure(
        self, chat: Chat, message: ValidatedMessage, in_window: bool, now: float
    ) -> GraphError | None:
        """Failures the real API reports only later, by a `failed` status webhook."""
        customer = chat.customer
        template = message.template
        if not customer.on_whatsapp:
            return GraphError(
                131026,
                "Message Undeliverable: the recipient is not a WhatsApp user or cannot receive "
                "messages from this business.",
            )
        if template is None and not in_window:
            return GraphError(
                131047,
                "Message failed to send because more than 24 hours have passed since the "
                "customer last replied to this number.",
            )
        if template is not None and template.category is TemplateCategory.MARKETING:
            if customer.marketing_opt_out:
                return GraphError(131050, "The recipient stopped marketing messages.")
            if customer.marketing_capped:
                return GraphError(
                    131049,
                    "This message was not delivered to maintain healthy ecosystem engagement.",
                )
        if (
            template is not None
            and not in_window
            and not self.messaging_limit.admit(customer.key, now)
        ):
            limit = self.messaging_limit.limit
            return GraphError(
                self.behaviour.messaging_limit_error_code,
                f"Message failed to send because the business has reached its messaging limit "
                f"of {limit} unique customers in a rolling 24 hours.",
            )
        for link in message.media_links:
            if _unreachable(link):
                return GraphError(131053, f"Downloading media from the link failed: {link}")
        if message.type == "reaction":
            target = str(message.raw.get("reaction", {}).get("message_id", ""))
            if not self.directory.knows_message(target, chat):
                return GraphError(
                    131009, "Reaction target message not found or older than 30 days."
                )
        return None

    def _schedule_statuses(
        self,
        line: Line,
        chat: Chat,
        record: PhoneMessage,
        message: ValidatedMessage,
        failure: GraphError | None,
        pricing: dict[str, Any],
        now: float,
    ) -> None:
        behaviour = self.behaviour
        customer = chat.customer
        base: dict[str, Any] = {"id": record.id}
        if customer.wa_id is not None:
            base["recipient_id"] = customer.wa_id
        else:
            base["recipient_user_id"] = customer.user_id
        if message.biz_opaque_callback_data is not None:
            base["biz_opaque_callback_data"] = message.biz_opaque_callback_data
        sent_at = now + behaviour.sent_delay_s
        events: list[tuple[float, str, dict[str, Any]]]
        if failure is not None:
            events = [(sent_at, "failed", {"errors": [failure.webhook_error()]})]
        else:
            priced: dict[str, Any] = {"pricing": pricing}
            first = priced
            if pricing["type"] == "free_entry_point" and chat.fep_until is not None:
                conversation = {
                    "id": chat.fep_conversation_id,
                    "origin": {"type": "referral_conversion"},
                }
                priced["conversation"] = conversation
                if not chat.fep_expiry_told:
                    chat.fep_expiry_told = True
                    first = priced | {
                        "conversation": conversation
                        | {"expiration_timestamp": str(int(chat.fep_until))}
                    }
            events = [(sent_at, "sent", first)]
            if message.type != "reaction":  # reactions only ever get `sent`
                delivered_at = max(sent_at, now + behaviour.delivered_delay_s)
                events.append((delivered_at, "delivered", priced))
                if customer.read_receipts:
                    read_at = max(delivered_at, now + behaviour.read_delay_s)
                    events.append((read_at, "read", {}))
        arrivals = [at for at, _, _ in events]
        if self.faults.reorder:
            arrivals.reverse()  # the last status reaches the receiver first
        contact = {"wa_id": customer.wa_id, "user_id": customer.user_id}
        if customer.wa_id is None:
            del contact["wa_id"]
        metadata = line.metadata()
        for arrival, (at, status, extra) in zip(arrivals, events, strict=True):
            value = base | {"status": status, "timestamp": str(int(at))} | extra
            job = Job(
                field="messages",
                value=value,
                contact=contact,
                on_due=_advance(record, status),
                metadata=metadata,
            )
            self.webhooks.schedule(job, arrival)

    def mark_read(self, line: Line, body: dict[str, Any]) -> None:
        """Mark an inbound message (and the ones before it) read; maybe show "typing…"."""
        if body.get("messaging_product") != "whatsapp":
            raise GraphError(100, "The parameter messaging_product is required.")
        message_id = body.get("message_id")
        if not isinstance(message_id, str) or not message_id:
            raise GraphError(131008, "The parameter message_id is required.")
        extra = set(body) - {"messaging_product", "status", "message_id", "typing_indicator"}
        if extra:
            raise GraphError(100, f'Unexpected key "{sorted(extra)[0]}" on param.')
        owner = self.directory.inbound.get(message_id)
        if owner is None or owner[0] != line.phone_number_id:
            raise GraphError(
                100, f"Invalid parameter: message_id {message_id} is not an inbound message."
            )
        typing = body.get("typing_indicator")
        if typing is not None and (not isinstance(typing, dict) or typing.get("type") != "text"):
            raise GraphError(100, 'Param typing_indicator.type must be "text".')
        chat = self.directory.chats[owner]
        for item in chat.sent:
            item["read"] = True
            if item["id"] == message_id:
                break
        if typing is not None:
            chat.typing_until = self.clock.now() + 25.0

    # -- inbound ---------------------------------------------------------------------------

    def deliver_inbound(self, line: Line, chat: Chat, message: dict[str, Any]) -> None:
        """Record a customer's message, open the window, and emit the inbound webhook."""
        now = self.clock.now()
        line.throughput.take(now)  # inbound traffic counts against the number's throughput
        if message["type"] not in {"system", "unsupported"}:
            chat.last_inbound_at = now
        if "referral" in message:
            chat.referral_at = now
        item = {"id": message["id"], "message": message, "read": False}
        chat.sent.append(item)
        chat.history.append(item)
        chat.seen = len(chat.received)  # writing in a chat means having read it
        self.directory.inbound[message["id"]] = (line.phone_number_id, chat.customer.key)
        value = {
            "messaging_product": "whatsapp",
            "metadata": line.metadata(),
            "contacts": [chat.customer.contact()],
            "messages": [message],
        }
        self.webhooks.change("messages", value, now)

    def user_preference(self, line: Line, chat: Chat, stop: bool) -> None:
        """The customer stopped (or resumed) marketing messages in their WhatsApp app."""
        now = int(self.clock.now())
        customer = chat.customer
        value = {
            "messaging_product": "whatsapp",
            "metadata": line.metadata(),
            "contacts": [customer.contact()],
            "user_preferences": [
                {
                    **({"wa_id": customer.wa_id} if customer.wa_id is not None else {}),
                    "user_id": customer.user_id,
                    "detail": "User requested to "
                    + ("stop" if stop else "resume")
                    + " marketing messages",
                    "category": "marketing_messages",
                    "value": "stop" if stop else "resume",
                    "timestamp": now,
                }
            ],
        }
        self.webhooks.change("user_preferences", value)

    # -- templates -------------------------------------------------------------------------

    def create_template(self, payload: object) -> dict[str, Any]:
        """Create a template (PENDING) and schedule its review outcome webhook."""
        template = self.templates.create(payload)
        self._schedule_review(template.id)
        return {"id": template.id, "status": template.status.value, "category": template.category}

    def _schedule_review(self, template_id: str) -> None:
        # The review outcome is decided now but takes effect (and is told) when it falls due;
        # the webhook's value is filled in at that moment.
        value: dict[str, Any] = {}
        approve = self.behaviour.template_review == "approve"
        reason = None if approve else self.behaviour.template_reject_reason
        status = TemplateStatus.APPROVED if approve else TemplateStatus.REJECTED

        def review() -> None:
            if self.templates.get(template_id) is None:
                return  # deleted while in review
            self.templates.set_status(template_id, status, reason)
            value.update(self.template_event(template_id, status.value, reason or "NONE"))

        at = self.clock.now() + self.behaviour.template_review_delay_s
        self.webhooks.schedule(
            Job(field="message_template_status_update", value=value, on_due=review), at
        )

    def edit_template(self, template_id: str, body: object) -> None:
        """Change a template's category (Meta re-categorising it emits a webhook)."""
        if not isinstance(body, dict) or set(body) - {"category"} or "category" not in body:
            raise GraphError(
                100, 'The sandbox edits only "category": give {"category": "MARKETING"}.'
            )
        try:
            category = TemplateCategory(str(body["category"]).upper())
        except ValueError:
            raise GraphError(
                100, "Param category must be one of MARKETING, UTILITY, AUTHENTICATION."
            ) from None
        before = self.templates.get(template_id)
        assert before is not None
        previous = before.category
        template = self.templates.set_category(template_id, category)
        if previous is not category:
            self.webhooks.change(
                "template_category_update",
                {
                    "message_template_id": int(template.id),
                    "message_template_name": template.name,
                    "message_template_language": template.language,
                    "previous_category": previous.value,
                    "new_category": category.value,
                },
            )

    def delete_templates(self, name: str, hsm_id: str | None) -> None:
        """Delete a template by name (all languages) or one by its id."""
        self.templates.delete(name=name, hsm_id=hsm_id)

    def set_template_status(self, template_id: str, status: TemplateStatus, reason: str) -> None:
        """Pause, disable or reinstate a template, telling the receiver."""
        self.templates.set_status(template_id, status, reason)
        self.webhooks.change(
            "message_template_status_update", self.template_event(template_id, status, reason)
        )

    def template_event(self, template_id: str, event: str, reason: str) -> dict[str, Any]:
        """The value of a `message_template_status_update` webhook."""
        template = self.templates.get(template_id)
        assert template is not None
        value: dict[str, Any] = {
            "event": event,
            "message_template_id": int(template.id),
            "message_template_name": template.name,
            "message_template_language": template.language,
            "message_template_category": template.category.value,
            "reason": reason,
        }
        if event == "REJECTED":
            value["rejection_info"] = {
                "reason": "The template does not follow WhatsApp's formatting rules.",
                "recommendation": "Review the template guidelines and submit again.",
            }
        return value


def _advance(record: PhoneMessage, status: str) -> Callable[[], None]:
    def apply() -> None:
        record.advance(status)

    return apply


def _unreachable(link: str) -> bool:
    """No network here: links under `.invalid` (RFC 2606) stand for media that can't be fetched."""
    host = (urlsplit(link).hostname or "").lower()
    return host.endswith(".invalid") or host == "invalid"


def unknown_object(object_id: str, verb: str) -> GraphError:
    """Graph's answer for an id it does not know (or may not see)."""
    return GraphError(
        100,
        f"Unsupported {verb} request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation.",
        title="Invalid parameter",
        error_type="GraphMethodException",
    )


def random_fault(ratio: float) -> bool:
    """True with probability ``ratio`` (fault injection)."""
    return ratio > 0 and random.random() < ratio
