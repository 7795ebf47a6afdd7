"""One Cloud API client per store number, built from the store's row and the settings."""

from __future__ import annotations

from ordertalk.config import Settings
from ordertalk.stores.models import Store
from ordertalk.whatsapp.client import WhatsAppClient


class NotConnected(Exception):
    """The store has no WhatsApp number settings yet."""


class ClientPool:
    """Keeps a pooled client per (store, number, token) and closes them all at shutdown."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._clients: dict[tuple[str, str, str, str], WhatsAppClient] = {}

    def get(self, store: Store) -> WhatsAppClient:
        """The client for a store's number (rebuilt when its settings change)."""
        if not store.phone_number_id or not store.access_token:
            raise NotConnected(f"store {store.id} has no WhatsApp number or access token")
        base = store.graph_base_url or self.settings.graph_base_url
        key = (store.id, store.phone_number_id, store.access_token, base)
        client = self._clients.get(key)
        if client is None:
            client = WhatsAppClient(
                base_url=base,
                api_version=self.settings.graph_api_version,
                access_token=store.access_token,
                phone_number_id=store.phone_number_id,
                waba_id=store.waba_id,
                timeout=self.settings.graph_timeout_s,
            )
            self._clients[key] = client
        return client

    async def aclose(self) -> None:
        """Close every client."""
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()
