"""Typed, tolerant pydantic models for Cloud API webhook payloads (reference §2.5-2.7).

Every model keeps unknown fields (``extra="allow"``) and every enum-typed field also accepts an
unknown string, so a new Meta field or value never breaks parsing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ordertalk.whatsapp.errors import RetryClass, classify


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        coerce_numbers_to_str=True,
    )


class WebhookField(StrEnum):
    """The ``changes[].field`` values Ordertalk subscribes to or may see."""

    MESSAGES = "messages"
    MESSAGE_TEMPLATE_STATUS_UPDATE = "message_template_status_update"
    MESSAGE_TEMPLATE_QUALITY_UPDATE = "message_template_quality_update"
    MESSAGE_TEMPLATE_COMPONENTS_UPDATE = "message_template_components_update"
    TEMPLATE_CATEGORY_UPDATE = "template_category_update"
    PHONE_NUMBER_QUALITY_UPDATE = "phone_number_quality_update"
    PHONE_NUMBER_NAME_UPDATE = "phone_number_name_update"
    BUSINESS_CAPABILITY_UPDATE = "business_capability_update"
    ACCOUNT_UPDATE = "account_update"
    USER_PREFERENCES = "user_preferences"
    SECURITY = "security"
    FLOWS = "flows"


class StatusKind(StrEnum):
    """Delivery status values of ``statuses[].status``."""

    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    PLAYED = "played"
    DELETED = "deleted"
    WARNING = "warning"


class InboundType(StrEnum):
    """Known ``messages[].type`` values of inbound messages."""

    TEXT = "text"
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    DOCUMENT = "document"
    STICKER = "sticker"
    LOCATION = "location"
    CONTACTS = "contacts"
    REACTION = "reaction"
    INTERACTIVE = "interactive"
    BUTTON = "button"
    ORDER = "order"
    SYSTEM = "system"
    REQUEST_WELCOME = "request_welcome"
    UNSUPPORTED = "unsupported"
    UNKNOWN = "unknown"


class PricingCategory(StrEnum):
    """``pricing.category`` values."""

    MARKETING = "marketing"
    MARKETING_LITE = "marketing_lite"
    UTILITY = "utility"
    AUTHENTICATION = "authentication"
    AUTHENTICATION_INTERNATIONAL = "authentication_international"
    SERVICE = "service"
    REFERRAL_CONVERSION = "referral_conversion"


class PricingType(StrEnum):
    """``pricing.type`` values under per-message pricing."""

    REGULAR = "regular"
    FREE_CUSTOMER_SERVICE = "free_customer_service"
    FREE_ENTRY_POINT = "free_entry_point"


class TemplateEvent(StrEnum):
    """``event`` values of message_template_status_update."""

    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    PENDING = "PENDING"
    PAUSED = "PAUSED"
    DISABLED = "DISABLED"
    FLAGGED = "FLAGGED"
    REINSTATED = "REINSTATED"
    IN_APPEAL = "IN_APPEAL"
    PENDING_DELETION = "PENDING_DELETION"
    DELETED = "DELETED"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    ARCHIVED = "ARCHIVED"
    UNARCHIVED = "UNARCHIVED"
    LOCKED = "LOCKED"
    UNLOCKED = "UNLOCKED"


class PreferenceValue(StrEnum):
    """``user_preferences[].value``: marketing opt-out, opt-back-in, in-app sign-up."""

    STOP = "stop"
    RESUME = "resume"
    SIGNUP = "signup"


# Known values become the enum member; anything else stays a plain string.
Status = Annotated[StatusKind | str, Field(union_mode="left_to_right")]
MessageType = Annotated[InboundType | str, Field(union_mode="left_to_right")]

# --- envelope ---------------------------------------------------------------------------------


class Change(_Model):
    """One ``entry[].changes[]`` item: a field name and its value object."""

    field: str
    value: dict[str, Any] = Field(default_factory=dict)


class Entry(_Model):
    """One ``entry[]`` item; ``id`` is the WABA id."""

    id: str
    time: int | None = None
    changes: list[Change] = Field(default_factory=list)


class WebhookPayload(_Model):
    """A whole webhook POST body."""

    object: str | None = None
    entry: list[Entry]


# --- shared pieces ----------------------------------------------------------------------------


class Metadata(_Model):
    """The business number a ``messages`` / ``user_preferences`` change is about."""

    phone_number_id: str
    display_phone_number: str | None = None


class ContactProfile(_Model):
    """``contacts[].profile``."""

    name: str | None = None
    username: str | None = None


class Contact(_Model):
    """A customer as the webhook names them: phone-based ``wa_id`` and/or BSUID ``user_id``."""

    wa_id: str | None = None
    user_id: str | None = None
    parent_user_id: str | None = None
    profile: ContactProfile | None = None

    @property
    def name(self) -> str | None:
        """The WhatsApp profile name, if sent."""
        return self.profile.name if self.profile else None


class WebhookError(_Model):
    """An ``errors[]`` item in a status, message or change value."""

    code: int | None = None
    title: str | None = None
    message: str | None = None
    error_data: dict[str, Any] | str | None = None
    href: str | None = None

    @property
    def details(self) -> str | None:
        """``error_data.details``: the useful explanation."""
        if isinstance(self.error_data, dict):
            details = self.error_data.get("details")
            return None if details is None else str(details)
        return self.error_data

    @property
    def retry_class(self) -> RetryClass:
        """What to do about it (async errors carry no HTTP status)."""
        return classify(self.code, None)


# --- statuses ---------------------------------------------------------------------------------


class Pricing(_Model):
    """``statuses[].pricing``."""

    billable: bool | None = None
    pricing_model: str | None = None
    type: Annotated[PricingType | str | None, Field(union_mode="left_to_right")] = None
    category: Annotated[PricingCategory | str | None, Field(union_mode="left_to_right")] = None


class Conversation(_Model):
    """Legacy ``statuses[].conversation`` (omitted since v24.0 outside free entry points)."""

    id: str | None = None
    expiration_timestamp: int | None = None
    origin: dict[str, Any] | None = None


class MessageStatus(_Model):
    """One ``statuses[]`` item: what happened to a message we sent."""

    id: str
    status: Status
    timestamp: int
    recipient_id: str | None = None
    recipient_user_id: str | None = None
    biz_opaque_callback_data: str | None = None
    pricing: Pricing | None = None
    conversation: Conversation | None = None
    errors: list[WebhookError] = Field(default_factory=list)


# --- inbound messages -------------------------------------------------------------------------


class MessageContext(_Model):
    """``messages[].context``: the message replied to, forwarding flags, product inquiries."""

    from_: str | None = Field(default=None, alias="from")
    id: str | None = None
    forwarded: bool | None = None
    frequently_forwarded: bool | None = None
    referred_product: dict[str, Any] | None = None


class Referral(_Model):
    """``messages[].referral``: the ad or post a click-to-WhatsApp conversation came from."""

    source_url: str | None = None
    source_id: str | None = None
    source_type: str | None = None
    headline: str | None = None
    body: str | None = None
    media_type: str | None = None
    ctwa_clid: str | None = None


class InboundMessage(_Model):
    """One ``messages[]`` item; ``raw`` keeps the whole item so every type stays reachable."""

    id: str
    from_: str | None = Field(default=None, alias="from")
    from_user_id: str | None = None
    timestamp: int
    type: MessageType
    context: MessageContext | None = None
    referral: Referral | None = None
    errors: list[WebhookError] = Field(default_factory=list)
    raw: dict[str, Any] = Field(default_factory=dict, exclude=True, repr=False)

    @model_validator(mode="before")
    @classmethod
    def _keep_raw(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {**data, "raw": dict(data)}
        return data

    @property
    def content(self) -> dict[str, Any] | None:
        """The type-specific object, e.g. ``{"body": ...}`` for text."""
        value = self.raw.get(str(self.type))
        return value if isinstance(value, dict) else None

    @property
    def text(self) -> str | None:
        """The body of a text message."""
        body = (self.content or {}).get("body") if self.type == InboundType.TEXT else None
        return body if isinstance(body, str) else None

    @property
    def reply_id(self) -> str | None:
        """The id of a tapped reply button / list row, or a template quick-reply payload."""
        content = self.content or {}
        if self.type == InboundType.BUTTON:
            payload = content.get("payload")
            return payload if isinstance(payload, str) else None
        if self.type == InboundType.INTERACTIVE:
            reply = content.get(str(content.get("type")))
            if isinstance(reply, dict) and isinstance(reply.get("id"), str):
                return str(reply["id"])
        return None


class MessagesValue(_Model):
    """The value of a ``messages`` change: inbound messages, statuses or account errors."""

    messaging_product: str | None = None
    metadata: Metadata
    contacts: list[Contact] = Field(default_factory=list)
    messages: list[InboundMessage] = Field(default_factory=list)
    statuses: list[MessageStatus] = Field(default_factory=list)
    errors: list[WebhookError] = Field(default_factory=list)


# --- templates and preferences ----------------------------------------------------------------


class TemplateStatusUpdate(_Model):
    """A ``message_template_status_update`` value (review outcome or lifecycle change)."""

    event: Annotated[TemplateEvent | str, Field(union_mode="left_to_right")]
    message_template_id: str
    message_template_name: str | None = None
    message_template_language: str | None = None
    message_template_category: str | None = None
    reason: str | None = None
    rejection_info: dict[str, Any] | None = None
    other_info: dict[str, Any] | None = None
    disable_info: dict[str, Any] | None = None


class TemplateCategoryUpdate(_Model):
    """A ``template_category_update`` value: Meta re-categorised a template."""

    message_template_id: str
    message_template_name: str | None = None
    message_template_language: str | None = None
    new_category: str | None = None
    previous_category: str | None = None
    correct_category: str | None = None


class TemplateQualityUpdate(_Model):
    """A ``message_template_quality_update`` value."""

    message_template_id: str
    message_template_name: str | None = None
    message_template_language: str | None = None
    previous_quality_score: str | None = None
    new_quality_score: str | None = None


TemplateUpdate = TemplateStatusUpdate | TemplateCategoryUpdate | TemplateQualityUpdate


class UserPreference(_Model):
    """One ``user_preferences[]`` item: a marketing opt-out or opt-in by the customer."""

    wa_id: str | None = None
    user_id: str | None = None
    category: str | None = None
    value: Annotated[PreferenceValue | str, Field(union_mode="left_to_right")]
    detail: str | None = None
    timestamp: int | None = None


class UserPreferencesValue(_Model):
    """The value of a ``user_preferences`` change."""

    messaging_product: str | None = None
    metadata: Metadata
    contacts: list[Contact] = Field(default_factory=list)
    user_preferences: list[UserPreference] = Field(default_factory=list)
