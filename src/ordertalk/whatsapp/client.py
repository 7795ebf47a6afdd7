"""Async Cloud API client: sends, read receipts, media and template management over httpx."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol, Self
from urllib.parse import quote

import httpx

from ordertalk import __version__
from ordertalk.whatsapp.errors import CloudApiError, CloudApiTransportError, RetryClass
from ordertalk.whatsapp.transport import AiohttpTransport

_LETTER = re.compile(r"[A-Za-z]")
_MAX_TEMPLATE_PAGES = 1000
_ERROR_BODY_BYTES = 16 * 1024  # of an error answer to a download: enough for a Graph envelope


class MediaSink(Protocol):
    """Where a streamed download goes: an open binary file, or anything with `write`."""

    def write(self, data: bytes, /) -> object:
        """Take the next chunk."""
        ...


class MediaTooLarge(Exception):
    """A media download went past the size it was allowed (the rest is not read)."""

    def __init__(self, limit: int, declared: int | None = None) -> None:
        self.limit = limit
        self.declared = declared
        size = f"{declared} bytes" if declared is not None else "more"
        super().__init__(f"media is {size}, at most {limit} bytes allowed")


class AcceptStatus(StrEnum):
    """``messages[].message_status`` of a send response."""

    ACCEPTED = "accepted"
    HELD_FOR_QUALITY_ASSESSMENT = "held_for_quality_assessment"
    PAUSED = "paused"


@dataclass(frozen=True, slots=True)
class SendResult:
    """An accepted send: the wamid to reconcile status webhooks against."""

    wamid: str
    wa_id: str | None
    user_id: str | None
    input: str | None
    message_status: AcceptStatus | str | None


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """``GET /{media_id}``: a short-lived (~5 min) download URL plus file facts."""

    url: str
    mime_type: str | None
    sha256: str | None
    file_size: int | None
    id: str


def _segment(value: str) -> str:
    """One URL path segment, so an id from a webhook can't reach another endpoint."""
    if not value:
        raise ValueError("an id must not be empty")
    return quote(value, safe="")


def _address(to: str) -> dict[str, str]:
    """Phone numbers go in ``to``; BSUIDs (with letters, e.g. ``US.134…``) in ``recipient``."""
    return {"recipient": to} if _LETTER.search(to) else {"to": to}


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _int_or_none(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _accept_status(value: object) -> AcceptStatus | str | None:
    if value is None:
        return None
    text = str(value)
    try:
        return AcceptStatus(text)
    except ValueError:
        return text


class WhatsAppClient:
    """One business number's Cloud API client with one pooled HTTP connection set."""

    def __init__(
        self,
        *,
        base_url: str = "https://graph.facebook.com",
        api_version: str = "v25.0",
        access_token: str,
        phone_number_id: str,
        waba_id: str | None = None,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 100,
    ) -> None:
        if not access_token:
            raise ValueError("access_token must not be empty")
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.phone_number_id = phone_number_id
        self.waba_id = waba_id
        self._token = access_token
        self._origin = httpx.URL(self.base_url)
        self._http = httpx.AsyncClient(
            base_url=f"{self.base_url}/{_segment(api_version)}/",
            headers={
                "Authorization": f"Bearer {access_token}",
                "User-Agent": f"ordertalk/{__version__}",
            },
            timeout=httpx.Timeout(timeout),
            # aiohttp moves the bytes unless a test injects a transport (transport.py says why).
            transport=transport or AiohttpTransport(max_connections),
        )

    def __repr__(self) -> str:
        return (
            f"WhatsAppClient(base_url={self.base_url!r}, api_version={self.api_version!r}, "
            f"phone_number_id={self.phone_number_id!r}, waba_id={self.waba_id!r})"
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._http.aclose()

    # --- transport ----------------------------------------------------------------------------

    async def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async with self._transport_errors(method, url):
            response = await self._http.request(method, url, **kwargs)
        if not response.is_success:
            raise CloudApiError.from_response(
                response.status_code, response.content, secrets=(self._token,)
            )
        return response

    @asynccontextmanager
    async def _transport_errors(self, method: str, url: str) -> AsyncIterator[None]:
        """httpx's failures as CloudApiError / CloudApiTransportError (token and query removed)."""
        secrets = (self._token,)
        try:
            yield
        except httpx.UnsupportedProtocol as exc:
            raise CloudApiError(
                title="unsupported URL scheme",
                details=type(exc).__name__,
                retry_class=RetryClass.FIX_REQUEST,
                ambiguous=False,
            ) from None
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # The request never left this process: safe to retry even for a send.
            reason = f"{method} {httpx.URL(url).path}: {type(exc).__name__}: {exc}"
            raise CloudApiTransportError(reason, ambiguous=False, secrets=secrets) from None
        except httpx.RequestError as exc:
            reason = f"{method} {httpx.URL(url).path}: {type(exc).__name__}: {exc}"
            raise CloudApiTransportError(reason, ambiguous=True, secrets=secrets) from None

    async def _json(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        response = await self._request(method, url, **kwargs)
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise CloudApiError(
                http_status=response.status_code,
                title="success status with an unexpected body",
                retry_class=RetryClass.RETRY_SOON,
                ambiguous=True,
            )
        return data

    def _same_origin(self, url: str) -> bool:
        target = httpx.URL(url)
        origin = self._origin
        return (target.scheme, target.host, target.port) == (
            origin.scheme,
            origin.host,
            origin.port,
        )

    def _waba(self) -> str:
        if not self.waba_id:
            raise ValueError("waba_id is required for template management")
        return _segment(self.waba_id)

    # --- messages -----------------------------------------------------------------------------

    async def send(self, message: Mapping[str, Any]) -> SendResult:
        """Send any message object (``messaging_product`` is added); returns the accepted wamid."""
        payload = {"messaging_product": "whatsapp", **message}
        data = await self._json("POST", f"{_segment(self.phone_number_id)}/messages", json=payload)
        sent = data.get("messages")
        first = sent[0] if isinstance(sent, list) and sent else None
        if not isinstance(first, dict) or not isinstance(first.get("id"), str):
            raise CloudApiError(
                http_status=200,
                title="send accepted without a message id",
                retry_class=RetryClass.RETRY_SOON,
                ambiguous=True,
            )
        contacts = data.get("contacts")
        contact = contacts[0] if isinstance(contacts, list) and contacts else None
        contact = contact if isinstance(contact, dict) else {}
        return SendResult(
            wamid=first["id"],
            wa_id=_str_or_none(contact.get("wa_id")),
            user_id=_str_or_none(contact.get("user_id")),
            input=_str_or_none(contact.get("input")),
            message_status=_accept_status(first.get("message_status")),
        )

    async def send_text(
        self,
        to: str,
        body: str,
        *,
        preview_url: bool = False,
        reply_to: str | None = None,
        callback_data: str | None = None,
    ) -> SendResult:
        """Send a free-form text (only inside the customer service window)."""
        message: dict[str, Any] = {
            **_address(to),
            "type": "text",
            "text": {"body": body, "preview_url": preview_url},
        }
        if reply_to is not None:
            message["context"] = {"message_id": reply_to}
        if callback_data is not None:
            message["biz_opaque_callback_data"] = callback_data
        return await self.send(message)

    async def send_template(
        self,
        to: str,
        name: str,
        language: str,
        components: list[dict[str, Any]] | None = None,
        *,
        callback_data: str | None = None,
    ) -> SendResult:
        """Send an approved template by name and language code."""
        template: dict[str, Any] = {"name": name, "language": {"code": language}}
        if components:
            template["components"] = components
        message: dict[str, Any] = {**_address(to), "type": "template", "template": template}
        if callback_data is not None:
            message["biz_opaque_callback_data"] = callback_data
        return await self.send(message)

    async def mark_read(self, message_id: str, *, typing: bool = False) -> None:
        """Mark an inbound message (and those before it) read; optionally show "typing…"."""
        payload: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": message_id,
        }
        if typing:
            payload["typing_indicator"] = {"type": "text"}
        await self._json("POST", f"{_segment(self.phone_number_id)}/messages", json=payload)

    # --- media --------------------------------------------------------------------------------

    async def upload_media(self, data: bytes, mime_type: str, filename: str) -> str:
        """Upload a file for sending; returns the media id (valid ~30 days)."""
        result = await self._json(
            "POST",
            f"{_segment(self.phone_number_id)}/media",
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, data, mime_type)},
        )
        media_id = result.get("id")
        if media_id is None:
            raise CloudApiError(http_status=200, title="upload answered without an id")
        return str(media_id)

    async def media_info(self, media_id: str) -> MediaInfo:
        """Resolve a media id to its short-lived download URL and file facts."""
        data = await self._json(
            "GET", _segment(media_id), params={"phone_number_id": self.phone_number_id}
        )
        url = data.get("url")
        if not isinstance(url, str):
            raise CloudApiError(http_status=200, title="media answered without a url")
        return MediaInfo(
            url=url,
            mime_type=_str_or_none(data.get("mime_type")),
            sha256=_str_or_none(data.get("sha256")),
            file_size=_int_or_none(data.get("file_size")),
            id=str(data.get("id", media_id)),
        )

    def _check_media_url(self, url: str) -> None:
        if httpx.URL(url).scheme != "https" and not self._same_origin(url):
            # Never send the token in clear text to a host we weren't configured with.
            raise ValueError("media URL must be https or on the configured base URL")

    async def download_media(self, url: str) -> bytes:
        """Download from a media URL with the bearer token (HTTPS, or the base URL's own origin)."""
        self._check_media_url(url)
        response = await self._request("GET", url, follow_redirects=True)
        return response.content

    async def download_media_to(
        self, url: str, sink: MediaSink, *, max_bytes: int | None = None
    ) -> int:
        """Stream a media download into `sink`; the number of bytes written.

        Raises MediaTooLarge as soon as the answer says, or the bytes show, that it is larger
        than `max_bytes` (nothing past the limit is read). Same URL rule as `download_media`.
        """
        self._check_media_url(url)
        size = 0
        async with (
            self._transport_errors("GET", url),
            self._http.stream("GET", url, follow_redirects=True) as response,
        ):
            if not response.is_success:
                body = b""
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) >= _ERROR_BODY_BYTES:
                        break
                raise CloudApiError.from_response(
                    response.status_code, body[:_ERROR_BODY_BYTES], secrets=(self._token,)
                )
            declared = _int_or_none(response.headers.get("content-length"))
            if max_bytes is not None and declared is not None and declared > max_bytes:
                raise MediaTooLarge(max_bytes, declared)
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise MediaTooLarge(max_bytes)
                sink.write(chunk)
        return size

    async def delete_media(self, media_id: str) -> None:
        """Delete an uploaded media object."""
        await self._json(
            "DELETE", _segment(media_id), params={"phone_number_id": self.phone_number_id}
        )

    # --- templates ----------------------------------------------------------------------------

    async def list_templates(self, **filters: Any) -> list[dict[str, Any]]:
        """All WABA templates matching the filters (name, status, category, language, ...)."""
        params: dict[str, str] = {
            key: ",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
            for key, value in filters.items()
            if value is not None
        }
        url = f"{self._waba()}/message_templates"
        query: dict[str, str] | None = params
        templates: list[dict[str, Any]] = []
        seen: set[str] = set()
        for _ in range(_MAX_TEMPLATE_PAGES):
            page = await self._json("GET", url, params=query)
            data = page.get("data")
            if isinstance(data, list):
                templates.extend(item for item in data if isinstance(item, dict))
            after, next_url = _next_page(page)
            if after is not None and after not in seen:
                seen.add(after)
                url, query = f"{self._waba()}/message_templates", {**params, "after": after}
            elif next_url is not None and next_url not in seen and self._same_origin(next_url):
                # No cursor: follow Graph's own next link, but never to another host.
                seen.add(next_url)
                url, query = next_url, None
            else:
                return templates
        return templates

    async def create_template(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Submit a template for review; returns ``{"id", "status", "category"}``."""
        return await self._json("POST", f"{self._waba()}/message_templates", json=dict(payload))

    async def delete_template(self, name: str, hsm_id: str | None = None) -> None:
        """Delete a template in all languages, or only the one with ``hsm_id``."""
        params = {"name": name} if hsm_id is None else {"name": name, "hsm_id": hsm_id}
        await self._json("DELETE", f"{self._waba()}/message_templates", params=params)


def _next_page(page: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The ``after`` cursor and ``next`` link, when Graph says there is a next page."""
    paging = page.get("paging")
    next_url = paging.get("next") if isinstance(paging, dict) else None
    if not isinstance(paging, dict) or not isinstance(next_url, str) or not next_url:
        return None, None
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, dict) else None
    return (after if isinstance(after, str) and after else None), next_url
