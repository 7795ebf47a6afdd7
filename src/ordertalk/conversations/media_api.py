"""`GET /v1/media/{id}`: a photo, video, audio or document a customer sent, once it is kept."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from ordertalk.conversations.media import MediaFiles, base_mime, extension, stored_media
from ordertalk.deps import SessionDep, SettingsDep
from ordertalk.errors import NotFound
from ordertalk.stores.deps import StoreDep

router = APIRouter(prefix="/v1", tags=["conversations"])

# Shown in place (a browser or the dashboard); anything else is downloaded, never rendered.
_INLINE = ("image/", "video/", "audio/")


@router.get(
    "/media/{media_id}",
    response_class=FileResponse,
    responses={200: {"description": "The file, with its MIME type"}, 404: {}},
)
async def get_media(
    media_id: int, store: StoreDep, session: SessionDep, settings: SettingsDep
) -> FileResponse:
    """The file of one of the store's customer media (404 until it has been fetched and kept,
    and for rejected, failed or another store's media)."""
    row = await stored_media(session, store.id, media_id)
    path = MediaFiles(Path(settings.media_dir)).path(row.path or "")
    if path is None:
        raise NotFound(f"media {media_id} not found")
    mime = base_mime(row.mime_type) or "application/octet-stream"
    disposition = "inline" if mime.startswith(_INLINE) else "attachment"
    return FileResponse(
        path,
        media_type=mime,
        filename=f"media-{row.id}.{extension(mime)}",
        content_disposition_type=disposition,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
            "ETag": f'"{row.sha256}"',
        },
    )
