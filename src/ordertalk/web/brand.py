"""A store's brand colour on its customer pages, with readable contrast whatever it is."""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT = "#0b6e4f"  # app.css's --brand
WHITE, INK = "#ffffff", "#1b1f23"
TEXT_CONTRAST = 4.5  # WCAG AA for body text
_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


@dataclass(frozen=True)
class Brand:
    """Colours for a page: the brand as a background, the text on it, and the brand as text."""

    color: str  # header and button background
    ink: str  # text on `color`
    text: str  # the brand as text or a border on white (darkened until it reads)


def _rgb(color: str) -> tuple[int, int, int]:
    digits = color.lstrip("#")
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def luminance(color: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def normalise(color: str | None) -> str | None:
    """`#rrggbb` (lower case) from #rgb / #rrggbb / rrggbb; None for anything else."""
    match = _HEX.fullmatch((color or "").strip())
    if match is None:
        return None
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return f"#{digits}"


def _darkened(color: str, against: str) -> str:
    """`color`, darkened 5% at a time until it reads against `against` (or black)."""
    r, g, b = _rgb(color)
    out, step = color, 0
    while contrast(out, against) < TEXT_CONTRAST and step < 20:
        step += 1
        keep = 1 - step * 0.05
        out = _hex((round(r * keep), round(g * keep), round(b * keep)))
    return out


def brand(color: str | None) -> Brand:
    """The page colours for a store's brand colour (the default green if it has none). A
    mid-tone that neither white nor dark text reads on is darkened until white text does."""
    base = normalise(color) or DEFAULT
    ink = WHITE if contrast(base, WHITE) >= contrast(base, INK) else INK
    if contrast(base, ink) < TEXT_CONTRAST:
        base, ink = _darkened(base, WHITE), WHITE
    return Brand(color=base, ink=ink, text=_darkened(base, WHITE))
