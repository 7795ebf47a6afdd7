"""Imports every table so the metadata is complete (Alembic, tests, `create_all`)."""

from ordertalk.broadcasts import models as broadcasts
from ordertalk.commerce import models as commerce
from ordertalk.contacts import models as contacts
from ordertalk.conversations import models as conversations
from ordertalk.integrations import models as integrations
from ordertalk.journeys import models as journeys
from ordertalk.messaging import models as messaging
from ordertalk.stores import models as stores
from ordertalk.templates import models as templates
from ordertalk.web import models as web
from ordertalk.webhooks_out import models as webhooks_out
from ordertalk.whatsapp_webhooks import models as whatsapp_webhooks

__all__ = [
    "broadcasts",
    "commerce",
    "contacts",
    "conversations",
    "integrations",
    "journeys",
    "messaging",
    "stores",
    "templates",
    "web",
    "webhooks_out",
    "whatsapp_webhooks",
]
