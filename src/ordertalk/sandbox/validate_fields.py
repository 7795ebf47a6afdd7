"""Field-level checks shared by the send validators, each raising the Graph error Meta would.

Conventions (applied everywhere so a client can key on the code):

- 131008 ``The parameter <path> is required.`` when a required field is absent;
- 100 ``Param <path> must be <kind>.`` for a wrong JSON type, and ``Unexpected key ...`` for an
  unknown field;
- 131009 for a value that has the right type but breaks a documented limit.

Paths are written the way Graph writes them in details: ``interactive['action']['buttons'][0]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ordertalk.sandbox.errors import GraphError, invalid_parameter, missing_parameter, unknown_field
from ordertalk.sandbox.model import ListRow, RenderedTemplate

# A wamid is opaque, but Meta documents the prefix and a 128-character ceiling.
WAMID_PREFIX = "wamid."
WAMID_MAX = 128
# Echoed user input is clipped so an absurd key cannot balloon the error body.
_ECHO_MAX = 64
_HAS_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


def key_path(path: str, key: str) -> str:
    """The Graph-style path of ``key`` inside the object at ``path``."""
    return f"{path}['{key}']" if path else key


def item_path(path: str, index: int) -> str:
    """The Graph-style path of the ``index``-th element of the array at ``path``."""
    return f"{path}[{index}]"


def clip(value: object) -> str:
    """A short printable rendering of user input for error details."""
    text = str(value)
    return text if len(text) <= _ECHO_MAX else text[: _ECHO_MAX - 1] + "…"


def missing(path: str) -> GraphError:
    """131008 for an absent required field."""
    return missing_parameter(f"The parameter {path} is required.")


def wrong_type(path: str, kind: str) -> GraphError:
    """100 for a field of the wrong JSON type (``kind`` like "a string", "an object")."""
    return unknown_field(f"Param {path} must be {kind}.")


def not_one_of(path: str, allowed: Collection[str]) -> GraphError:
    """100 for an enum field holding a value outside its vocabulary."""
    return unknown_field(f"Param {path} must be one of {{{', '.join(allowed)}}}.")


def length_invalid(label: str, low: int, high: int) -> GraphError:
    """131009 worded as Meta words interactive length errors."""
    return invalid_parameter(f"{label} length invalid. Min length: {low}, Max length: {high}")


def check_keys(obj: dict[Any, Any], allowed: Collection[str], path: str) -> None:
    """Reject keys this object does not define (Graph answers 100, it never ignores them)."""
    for key in obj:
        if key not in allowed:
            where = f' on param "{path}"' if path else " on param"
            raise unknown_field(f'Unexpected key "{clip(key)}"{where}.')


def as_object(value: object, path: str) -> dict[str, Any]:
    """``value`` if it is a JSON object, else 100."""
    if not isinstance(value, dict):
        raise wrong_type(path, "an object")
    return value


def required_object(obj: dict[str, Any], key: str, path: str) -> dict[str, Any]:
    """The object at ``obj[key]``: 131008 when absent, 100 when not an object."""
    if key not in obj:
        raise missing(key_path(path, key))
    return as_object(obj[key], key_path(path, key))


def optional_object(obj: dict[str, Any], key: str, path: str) -> dict[str, Any] | None:
    """The object at ``obj[key]`` or None when absent; 100 when present but not an object."""
    if key not in obj:
        return None
    return as_object(obj[key], key_path(path, key))


def required_list(obj: dict[str, Any], key: str, path: str) -> list[Any]:
    """The array at ``obj[key]``: 131008 when absent, 100 when not an array."""
    if key not in obj:
        raise missing(key_path(path, key))
    value = obj[key]
    if not isinstance(value, list):
        raise wrong_type(key_path(path, key), "an array")
    return value


def required_str(obj: dict[str, Any], key: str, path: str) -> str:
    """The string at ``obj[key]``: 131008 when absent, 100 when not a string."""
    if key not in obj:
        raise missing(key_path(path, key))
    value = obj[key]
    if not isinstance(value, str):
        raise wrong_type(key_path(path, key), "a string")
    return value


def optional_str(obj: dict[str, Any], key: str, path: str) -> str | None:
    """The string at ``obj[key]`` or None when absent; 100 when present but not a string."""
    if key not in obj:
        return None
    value = obj[key]
    if not isinstance(value, str):
        raise wrong_type(key_path(path, key), "a string")
    return value


def optional_bool(obj: dict[str, Any], key: str, path: str) -> bool | None:
    """The boolean at ``obj[key]`` or None when absent; 100 when present but not a boolean."""
    if key not in obj:
        return None
    value = obj[key]
    if not isinstance(value, bool):
        raise wrong_type(key_path(path, key), "a boolean")
    return value


def check_max_chars(value: str, limit: int, path: str) -> None:
    """100 when a plain Graph string param is too long, in Graph's own words."""
    if len(value) > limit:
        raise unknown_field(f"Param {path} must be at most {limit} characters long.")


def enum_str(obj: dict[str, Any], key: str, path: str, allowed: Collection[str]) -> str:
    """A required string that must be one of ``allowed`` (100 otherwise, like Graph enums)."""
    value = required_str(obj, key, path)
    if value not in allowed:
        raise not_one_of(key_path(path, key), allowed)
    return value


def is_http_url(value: str) -> bool:
    """True for an absolute http(s) URL with a host and no whitespace."""
    if _HAS_SPACE_OR_CONTROL.search(value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # e.g. an unbalanced "[" in the netloc
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


def is_wamid(value: str) -> bool:
    """True for something shaped like a WhatsApp message id."""
    return value.startswith(WAMID_PREFIX) and len(WAMID_PREFIX) < len(value) <= WAMID_MAX


def check_wamid(value: str, path: str) -> None:
    """131009 unless ``value`` looks like a wamid."""
    if not is_wamid(value):
        raise invalid_parameter(
            f'Param {path} must be a WhatsApp message id: it starts with "{WAMID_PREFIX}" '
            f"and is at most {WAMID_MAX} characters long."
        )


def media_reference(
    media: dict[str, Any], path: str, media_exists: Callable[[str], bool]
) -> str | None:
    """Check the id-or-link rule for a media object; return the link when one was given."""
    has_id, has_link = "id" in media, "link" in media
    if has_id and has_link:
        raise invalid_parameter(f"Param {path} must contain either id or link, not both.")
    if not has_id and not has_link:
        raise missing_parameter(
            f"The parameter {key_path(path, 'id')} or {key_path(path, 'link')} is required."
        )
    if has_id:
        media_id = required_str(media, "id", path)
        if not media_exists(media_id):
            raise invalid_parameter(
                f"Invalid media id in param {key_path(path, 'id')}: no uploaded media has this id."
            )
        return None
    link = required_str(media, "link", path)
    if not is_http_url(link):
        raise invalid_parameter(
            f"Invalid link in param {key_path(path, 'link')}: it must be an http or https URL."
        )
    return link


@dataclass(frozen=True, slots=True)
class Rendering:
    """What a validated message shows on the customer's phone, plus links to fetch later."""

    text: str
    buttons: list[str] = field(default_factory=list)
    rows: list[ListRow] = field(default_factory=list)
    media_links: list[str] = field(default_factory=list)
    template: RenderedTemplate | None = None
