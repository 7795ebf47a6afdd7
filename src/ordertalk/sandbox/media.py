"""Uploaded and inbound media, with the Cloud API's type and size rules (reference §1.4)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from ordertalk.sandbox.errors import GraphError
from ordertalk.sandbox.limits import DAY

MEDIA_TTL_S = 30 * DAY

_MB = 1024 * 1024
# MIME type -> (kind, maximum bytes)
SUPPORTED: dict[str, tuple[str, int]] = {
    "image/jpeg": ("image", 5 * _MB),
    "image/png": ("image", 5 * _MB),
    "video/mp4": ("video", 16 * _MB),
    "video/3gpp": ("video", 16 * _MB),
    "audio/aac": ("audio", 16 * _MB),
    "audio/amr": ("audio", 16 * _MB),
    "audio/mpeg": ("audio", 16 * _MB),
    "audio/mp4": ("audio", 16 * _MB),
    "audio/ogg": ("audio", 16 * _MB),
    "text/plain": ("document", 100 * _MB),
    "application/pdf": ("document", 100 * _MB),
    "application/msword": ("document", 100 * _MB),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        "document",
        100 * _MB,
    ),
    "application/vnd.ms-excel": ("document", 100 * _MB),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("document", 100 * _MB),
    "application/vnd.ms-powerpoint": ("document", 100 * _MB),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "document",
        100 * _MB,
    ),
    "image/webp": ("sticker", 500 * 1024),
}

# Tiny stand-ins for media a simulated customer sends without giving bytes.
_PLACEHOLDERS: dict[str, bytes] = {
    "image": b"\xff\xd8\xff\xe0sandbox-image\xff\xd9",
    "video": b"\x00\x00\x00\x18ftypmp42sandbox-video",
    "audio": b"OggSsandbox-voice-note",
    "document": b"%PDF-1.4\n% sandbox document\n%%EOF\n",
    "sticker": b"RIFF\x10\x00\x00\x00WEBPsandbox",
}
_DEFAULT_MIME = {
    "image": "image/jpeg",
    "video": "video/mp4",
    "audio": "audio/ogg",
    "document": "application/pdf",
    "sticker": "image/webp",
}


@dataclass(slots=True)
class Media:
    """One stored media object."""

    id: str
    data: bytes
    mime_type: str
    sha256: str
    created_at: float
    filename: str | None = None

    @property
    def file_size(self) -> int:
        """Size in bytes."""
        return len(self.data)


class MediaStore:
    """Media by id; ids expire after 30 days like Meta's."""

    def __init__(self) -> None:
        self._items: dict[str, Media] = {}

    def upload(self, data: bytes, mime_type: str, now: float, filename: str | None = None) -> Media:
        """Store an upload after checking its type and size."""
        base_mime = mime_type.split(";")[0].strip().lower()
        rule = SUPPORTED.get(base_mime)
        if rule is None:
            raise GraphError(
                131053,
                f"Param file must be a file with one of the following types: "
                f"{', '.join(sorted(SUPPORTED))}. Received file of type '{base_mime}'.",
            )
        kind, limit = rule
        if not data:
            raise GraphError(131053, "Uploaded file is empty.")
        if len(data) > limit:
            raise GraphError(
                131053, f"{kind} file too large: {len(data)} bytes, at most {limit} allowed."
            )
        media = Media(
            id=str(10**15 + secrets.randbelow(9 * 10**15)),
            data=data,
            mime_type=mime_type,
            sha256=hashlib.sha256(data).hexdigest(),
            created_at=now,
            filename=filename,
        )
        self._items[media.id] = media
        return media

    def placeholder(self, kind: str, now: float, mime_type: str | None = None) -> Media:
        """Media a simulated customer sent (bytes invented, type as given)."""
        mime = mime_type or _DEFAULT_MIME.get(kind, "application/octet-stream")
        data = _PLACEHOLDERS.get(kind, b"sandbox")
        media = Media(
            id=str(10**15 + secrets.randbelow(9 * 10**15)),
            data=data,
            mime_type=mime,
            sha256=hashlib.sha256(data).hexdigest(),
            created_at=now,
        )
        self._items[media.id] = media
        return media

    def customer(self, kind: str, data: bytes, now: float, mime_type: str | None = None) -> Media:
        """Media a simulated customer sent with these bytes. Not checked like an upload: the
        business must cope with whatever a phone sends (its own limits are tested this way)."""
        mime = mime_type or _DEFAULT_MIME.get(kind, "application/octet-stream")
        media = Media(
            id=str(10**15 + secrets.randbelow(9 * 10**15)),
            data=data,
            mime_type=mime,
            sha256=hashlib.sha256(data).hexdigest(),
            created_at=now,
        )
        self._items[media.id] = media
        return media

    def get(self, media_id: str, now: float) -> Media | None:
        """The media, unless unknown or expired."""
        media = self._items.get(media_id)
        if media is None or now - media.created_at >= MEDIA_TTL_S:
            return None
        return media

    def delete(self, media_id: str) -> bool:
        """Forget the media; False when it was not there."""
        return self._items.pop(media_id, None) is not None

    def reset(self) -> None:
        """Forget every upload."""
        self._items.clear()
