"""WhatsApp Cloud API: an async client, webhook signature checks and typed webhook parsing.

Why not pywa? We evaluated pywa (MIT, typed, sync + async) and build a thin httpx client instead:
- its GraphAPI overwrites the session's base URL with "https://graph.facebook.com/v{version}",
  so pointing it at our sandbox or a proxy means patching a private attribute;
- its WhatsApp object owns the webhook server (registers Flask/FastAPI routes, challenge, HMAC),
  where we verify, store and ack raw bytes ourselves before any processing;
- it re-raises raw httpx timeouts, turns a proxy's HTML 502 into an error whose "code" is 502,
  and has no retry classes or ambiguity flag, which our outbox needs to decide resend vs drop.
pywa stays a dev dependency: a test-time conformance check and a benchmark peer.
"""

from ordertalk.whatsapp.client import AcceptStatus, MediaInfo, SendResult, WhatsAppClient
from ordertalk.whatsapp.errors import (
    CloudApiError,
    CloudApiTransportError,
    RetryClass,
    classify,
)
from ordertalk.whatsapp.signature import sign, verify_challenge, verify_signature
from ordertalk.whatsapp.webhook_types import (
    Contact,
    InboundMessage,
    InboundType,
    MessageStatus,
    Metadata,
    Pricing,
    StatusKind,
    TemplateCategoryUpdate,
    TemplateQualityUpdate,
    TemplateStatusUpdate,
    UserPreference,
    WebhookError,
    WebhookField,
    WebhookPayload,
)
from ordertalk.whatsapp.webhooks import (
    WebhookParseError,
    account_errors,
    messages,
    parse_webhook,
    statuses,
    template_updates,
    user_preferences,
)

__all__ = [
    "AcceptStatus",
    "CloudApiError",
    "CloudApiTransportError",
    "Contact",
    "InboundMessage",
    "InboundType",
    "MediaInfo",
    "MessageStatus",
    "Metadata",
    "Pricing",
    "RetryClass",
    "SendResult",
    "StatusKind",
    "TemplateCategoryUpdate",
    "TemplateQualityUpdate",
    "TemplateStatusUpdate",
    "UserPreference",
    "WebhookError",
    "WebhookField",
    "WebhookParseError",
    "WebhookPayload",
    "WhatsAppClient",
    "account_errors",
    "classify",
    "messages",
    "parse_webhook",
    "sign",
    "statuses",
    "template_updates",
    "user_preferences",
    "verify_challenge",
    "verify_signature",
]
