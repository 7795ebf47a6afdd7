"""Offline understanding of customers' messages in English, Hindi/Hinglish, Spanish, Portuguese
and Indonesian: intent, order number, language and the store's own FAQ.

Pure functions: no database, no network, no files, no model downloads. Lexicons are data modules
(`lexicon_<code>.py`); fuzzy matching uses rapidfuzz.

    >>> understand("mera order kahan hai? #1001").intent
    <Intent.WISMO: 'wismo'>
"""

from __future__ import annotations

from ordertalk.conversations.understanding.languages import LANGUAGES
from ordertalk.conversations.understanding.languages import (
    detect_language as _detect_language,
)
from ordertalk.conversations.understanding.order_numbers import find_order_number
from ordertalk.conversations.understanding.service import understand
from ordertalk.conversations.understanding.vocabulary import (
    FaqEntry,
    Intent,
    Understanding,
)

__all__ = [
    "LANGUAGES",
    "FaqEntry",
    "Intent",
    "Understanding",
    "detect_language",
    "find_order_number",
    "understand",
]


def detect_language(text: str) -> str | None:
    """The most likely of en/hi/es/pt/id for `text`, or None without enough evidence."""
    return _detect_language(text)
