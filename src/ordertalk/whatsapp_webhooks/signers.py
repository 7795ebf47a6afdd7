"""Which stores signed a webhook body: the app secrets of the stores its numbers belong to.

Looked up per body in a short-lived cache, so acknowledging a status costs no query at all
in the common case (the same number's statuses, one after another).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ordertalk.stores.models import Store
from ordertalk.whatsapp.signature import verify_signature

_Key = tuple[frozenset[str], frozenset[str]]
_Secrets = list[tuple[str, str | None]]


def ids_in(raw: bytes) -> tuple[frozenset[str], frozenset[str]]:
    """Business number and WABA ids a body names, only to pick candidate app secrets."""
    numbers: set[str] = set()
    wabas: set[str] = set()
    try:
        data = json.loads(raw)
        for entry in data.get("entry", [])[:50]:
            wabas.add(str(entry.get("id")))
            for change in entry.get("changes", [])[:50]:
                metadata = (change.get("value") or {}).get("metadata") or {}
                if metadata.get("phone_number_id"):
                    numbers.add(str(metadata["phone_number_id"]))
    except (ValueError, AttributeError, TypeError):
        pass
    return frozenset(numbers), frozenset(wabas)


class Signers:
    """The stores whose own app secret (or, for stores without one, the settings' secret)
    signed a body, and whether a secret we know signed it at all.

    Only those stores' entries are applied: a body signed by one app must not change another
    store's customers, even when it names their numbers. A cached answer is trusted for `ttl`
    seconds and only when it names a signing store; otherwise the stores are read again (a
    store created or re-keyed a moment ago is then seen). A rotated-out secret is accepted for
    at most `ttl` seconds more.
    """

    def __init__(self, ttl: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._cache: dict[_Key, tuple[float, _Secrets]] = {}

    async def find(
        self,
        sessions: async_sessionmaker[AsyncSession],
        raw: bytes,
        header: str | None,
        default: str | None,
    ) -> tuple[frozenset[str], bool]:
        key = ids_in(raw)
        now = self.clock()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            signed, ok = _check(cached[1], raw, header, default)
            if signed:
                return signed, ok
        numbers, wabas = key
        async with sessions() as session:
            rows = await session.execute(
                select(Store.id, Store.app_secret).where(
                    or_(Store.phone_number_id.in_(numbers), Store.waba_id.in_(wabas))
                )
            )
            secrets: _Secrets = [(store_id, secret) for store_id, secret in rows]
        if len(self._cache) > 10_000:  # bodies naming ever-new ids must not grow it for good
            self._cache.clear()
        self._cache[key] = (now + self.ttl, secrets)
        return _check(secrets, raw, header, default)


def _check(
    secrets: _Secrets, raw: bytes, header: str | None, default: str | None
) -> tuple[frozenset[str], bool]:
    default_ok = default is not None and verify_signature(default, raw, header)
    signed: set[str] = set()
    for store_id, secret in secrets:
        if verify_signature(secret, raw, header) if secret else default_ok:
            signed.add(store_id)
    return frozenset(signed), default_ok or bool(signed)
