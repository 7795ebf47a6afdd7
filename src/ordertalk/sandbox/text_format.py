"""A message's text as WhatsApp shows it: *bold*, _italic_, ~strike~, ```mono``` and links.

The text is escaped first; only fixed tags are added around escaped pieces, and links are built
with `Markup.format`, which escapes the URL again for the attribute. Line breaks are kept by the
page's CSS (`white-space: pre-wrap`).
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""
# Markers must hug non-space text and not sit inside a word (snake_case stays as it is).
_STYLES = [
    (re.compile(r"```(.+?)```", re.DOTALL), "code"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), "strong"),
    (re.compile(r"(?<![\w])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w])"), "em"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])"), "s"),
]


def whatsapp_text(text: object) -> Markup:
    """Escaped text with WhatsApp's formatting and clickable http(s) links."""
    value = "" if text is None else str(text)
    out: list[Markup] = []
    position = 0
    for match in _URL.finditer(value):
        url = match.group(0).rstrip(_TRAILING)
        out.append(_styled(value[position : match.start()]))
        out.append(
            Markup('<a href="{0}" rel="noopener noreferrer" target="_blank">{0}</a>').format(url)
        )
        position = match.start() + len(url)
    out.append(_styled(value[position:]))
    return Markup("").join(out)


def _styled(segment: str) -> Markup:
    html = str(escape(segment))  # no escape sequence contains * _ ~ or `
    for pattern, tag in _STYLES:
        html = pattern.sub(rf"<{tag}>\1</{tag}>", html)
    return Markup(html)  # noqa: S704  (escaped above; only fixed tags were added)
