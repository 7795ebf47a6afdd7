"""Customers' photos, videos, audio and documents: what we keep, where, and how to find it.

A media message is kept at once (its `InboundMedia` row is `pending`); `conversations/tasks.py`
fetches it later through the media API, checks it against the rules below and writes it here,
content-addressed: `<store id>/<first two hex digits>/<sha256>` under the media directory.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.conversations.models import ConversationMessage, InboundMedia
from ordertalk.conversations.states import MediaState
from ordertalk.errors import NotFound

MEDIA_KINDS = frozenset({"image", "video", "audio", "document", "sticker"})

_KB = 1024
_MB = 1024 * 1024
_DOCUMENTS = frozenset(
    {
        "text/plain",
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        # A photo sent "as a document" (to avoid WhatsApp's compression) is still a photo.
        "image/jpeg",
        "image/png",
    }
)
# WhatsApp's own types and limits per kind (reference §1.4); nothing else is kept.
RULES: Mapping[str, tuple[frozenset[str], int]] = {
    "image": (frozenset({"image/jpeg", "image/png"}), 5 * _MB),
    "video": (frozenset({"video/mp4", "video/3gpp"}), 16 * _MB),
    "audio": (
        frozenset({"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"}),
        16 * _MB,
    ),
    "document": (_DOCUMENTS, 100 * _MB),
    "sticker": (frozenset({"image/webp"}), 500 * _KB),
}
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/3gpp": "3gp",
    "audio/aac": "aac",
    "audio/amr": "amr",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/ogg": "ogg",
    "text/plain": "txt",
    "application/pdf": "pdf",
}
_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_HEX_DIGEST = re.compile(r"^[0-9a-fA-F]{64}$")
TEMP_DIR = ".tmp"


def base_mime(value: str | None) -> str | None:
    """`audio/ogg; codecs=opus` → `audio/ogg` (lower case); None when there is none."""
    if not value:
        return None
    base = value.split(";", 1)[0].strip().lower()
    return base or None


def size_limit(kind: str, max_bytes: int) -> int:
    """The most we keep of this kind: WhatsApp's limit, or the configured one if lower."""
    return min(RULES[kind][1], max_bytes)


def a_kind(kind: str) -> str:
    """The kind with its article: an image, a video."""
    return f"{'an' if kind[:1] in ('a', 'e', 'i', 'o', 'u') else 'a'} {kind}"


def refusal(kind: str, mime: str | None, size: int | None, max_bytes: int) -> str | None:
    """Why this file is not kept (its type or its declared size); None when it may be."""
    if kind not in RULES:
        return f"{kind[:40]} is not a kind of media we keep"
    allowed, _ = RULES[kind]
    base = base_mime(mime)
    if base is None:
        return f"{a_kind(kind)} without a MIME type"
    if base not in allowed:
        return f"type {base[:80]} is not kept for {a_kind(kind)}"
    limit = size_limit(kind, max_bytes)
    if size is not None and size > limit:
        return f"{size} bytes is more than the {limit} bytes kept for {a_kind(kind)}"
    return None


def digest_matches(declared: str | None, hex_digest: str) -> bool | None:
    """Whether a declared SHA-256 (hex, or base64 as some webhooks carry it) matches;
    None when there is none or it can't be read."""
    if not declared:
        return None
    text = declared.strip()
    if _HEX_DIGEST.match(text):
        return text.lower() == hex_digest
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw == bytes.fromhex(hex_digest) if len(raw) == 32 else None


def declared_media(message_type: str, content: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The media a message carries (`id`, `mime_type`, `sha256`, `filename`), if any."""
    if message_type not in MEDIA_KINDS or not content:
        return None
    media_id = content.get("id")
    if not isinstance(media_id, str | int) or isinstance(media_id, bool) or not str(media_id):
        return None
    return {
        "id": str(media_id)[:200],
        "mime_type": str(content["mime_type"])[:200] if content.get("mime_type") else None,
        "sha256": str(content["sha256"]) if content.get("sha256") else None,
        "filename": str(content["filename"])[:200] if content.get("filename") else None,
    }


class MediaFiles:
    """The media directory: temporary files while downloading, then content-addressed files."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def temp(self) -> Path:
        """A new temporary file path (its directory created) on the same file system."""
        folder = self.root / TEMP_DIR
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{secrets.token_hex(16)}.part"

    def keep(self, temp: Path, store_id: str, hex_digest: str) -> str:
        """Move a finished download to its content address; the path relative to the root.
        The same bytes twice for a store are one file."""
        if not _SAFE_SEGMENT.match(store_id) or not _HEX_DIGEST.match(hex_digest):
            raise ValueError("unsafe store id or digest for a media path")
        relative = f"{store_id}/{hex_digest[:2]}/{hex_digest}"
        final = self.root / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            temp.unlink(missing_ok=True)
        else:
            os.replace(temp, final)  # atomic: a reader never sees half a file
        return relative

    def path(self, relative: str) -> Path | None:
        """The file at a stored relative path; None if missing or outside the root."""
        root = self.root.resolve()
        target = (root / relative).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return None
        return target


def extension(mime: str | None) -> str:
    """A file name extension for a MIME type ("bin" when unknown)."""
    return _EXTENSIONS.get(base_mime(mime) or "", "bin")


class MediaOut(BaseModel):
    """A customer's media as the API shows it: fetch it from `url` once `state` is stored."""

    id: int
    kind: str
    state: MediaState
    mime_type: str | None
    size: int | None
    error: str | None
    url: str


def media_out(row: InboundMedia) -> MediaOut:
    """The API view of a media row."""
    return MediaOut(
        id=row.id,
        kind=row.kind,
        state=MediaState(row.state),
        mime_type=base_mime(row.mime_type or row.declared_mime),
        size=row.size,
        error=row.error,
        url=f"/v1/media/{row.id}",
    )


async def stored_media(session: AsyncSession, store_id: str, media_row_id: int) -> InboundMedia:
    """A store's media that has been fetched and kept; NotFound otherwise (another store's,
    not fetched yet, rejected or failed)."""
    row = await session.scalar(
        select(InboundMedia).where(
            InboundMedia.id == media_row_id, InboundMedia.store_id == store_id
        )
    )
    if row is None or row.state != MediaState.STORED.value or not row.path:
        raise NotFound(f"media {media_row_id} not found")
    return row


async def media_of_messages(
    session: AsyncSession, store_id: str, messages: Iterable[ConversationMessage]
) -> dict[int, list[MediaOut]]:
    """The media of each message that has some, by message id (one query for them all).

    Found by WhatsApp's media id, so a file the customer sent twice is the same row both times.
    """
    wanted: dict[str, list[int]] = {}
    for message in messages:
        media = declared_media(message.type, message.content)
        if media is not None and message.direction == "in":
            wanted.setdefault(media["id"], []).append(message.id)
    if not wanted:
        return {}
    rows = await session.scalars(
        select(InboundMedia).where(
            InboundMedia.store_id == store_id, InboundMedia.media_id.in_(list(wanted))
        )
    )
    found: dict[int, list[MediaOut]] = {}
    for row in rows:
        for message_id in wanted.get(row.media_id, []):
            found.setdefault(message_id, []).append(media_out(row))
    return found


async def media_of(session: AsyncSession, message: ConversationMessage) -> InboundMedia | None:
    """The media row of one kept message (e.g. the photo a return request refers to)."""
    media = declared_media(message.type, message.content)
    if media is None:
        return None
    return await session.scalar(
        select(InboundMedia).where(
            InboundMedia.store_id == message.store_id, InboundMedia.media_id == media["id"]
        )
    )
