"""Order numbers in free text: "#1001", "ORD-2041", "order no. 2041", "pedido 1520", "ऑर्डर 2041".

Phone numbers are the usual impostors. A number is not an order number when the words before it
say it is a phone ("call me on", "mera number", "no hp"), an amount, a postcode or an address
part, when it is written as an international number ("+91 98765 43210"), or when it has the
shape of a mobile number (an Indian 10-digit number starting 6–9; 91/55/62-prefixed or 08-led
Indonesian mobiles) and nothing says it is an order number. Numbers that the text calls an order
("order 9876543210") are believed, and preferred over bare numbers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ordertalk.conversations.understanding.languages import (
    NOT_ORDER_WORDS,
    ORDER_WORDS,
    PHONE_WORDS,
)
from ordertalk.conversations.understanding.normalise import MAX_CHARS, fold, tokens_of

# A digit run of 3–20, optionally after "#" or a short letter prefix ("ORD-", "SO"), that is not
# part of a longer word, a decimal, a date, a time or an amount with separators.
_CANDIDATE = re.compile(
    r"(?<![\w#])(?<![0-9][.,:/-])"
    r"(?P<hash>#\s?)?"
    r"(?:(?P<prefix>[a-z]{2,5})(?P<sep>[-_]?))?"
    r"(?P<digits>[0-9]{3,20})"
    r"(?![\w])(?![.,:/-][0-9])"
)
# Digits in groups ("+91 98765 43210", "(0812) 3456-7890"): checked as a whole for phone shapes.
_GROUPED = re.compile(r"(?<![\w#])\+?\(?[0-9](?:[\s().-]{0,2}[0-9]){6,}")
_PHONE_SHAPES = re.compile(
    r"(?:[6-9][0-9]{9}"  # Indian mobile
    r"|0[6-9][0-9]{9}"  # Indian mobile with trunk 0
    r"|91[6-9][0-9]{9}"  # Indian mobile with country code
    r"|55[0-9]{2}9?[0-9]{8}"  # Brazil with country code
    r"|628[0-9]{7,11}"  # Indonesian mobile with country code
    r"|08[0-9]{8,11}"  # Indonesian mobile, national
    r"|521?[0-9]{10})"  # Mexico with country code
)
_LABEL_WINDOW = 4  # tokens before a number searched for a label
_CONTEXT_CHARS = 60  # characters before a number normalised for that search
_MAX_CANDIDATES = 20
# Letter prefixes that make a number something else: currencies and units glued to digits.
_NOT_ORDER_PREFIXES = frozenset(
    {"rs", "inr", "usd", "rp", "brl", "mxn", "eur", "kg", "gm", "pin", "cep", "no", "nr", "id"}
)
_SIZES = {
    kind: sorted({len(word) for word in words})
    for kind, words in (("phone", PHONE_WORDS), ("other", NOT_ORDER_WORDS), ("order", ORDER_WORDS))
}


@dataclass(frozen=True)
class _Label:
    kind: str  # "order", "phone", "other" or "none"
    distance: int  # tokens between the label and the number


def _label_before(context: str) -> _Label:
    """The closest label among the last few tokens before a number."""
    tokens = tokens_of(context)[-_LABEL_WINDOW:]
    best = _Label("none", _LABEL_WINDOW + 1)
    # Phone and non-order labels win ties: "my number" must not read as "number".
    for kind, words in (("phone", PHONE_WORDS), ("other", NOT_ORDER_WORDS), ("order", ORDER_WORDS)):
        for end in range(len(tokens), 0, -1):
            distance = len(tokens) - end
            if distance >= best.distance:
                break
            if any(tokens[max(0, end - size) : end] in words for size in _SIZES[kind]):
                best = _Label(kind, distance)
                break
    return best


def _label_after(context: str) -> bool:
    """Whether the word right after a number makes it an amount, a duration or a quantity."""
    tokens = tokens_of(context)[:2]
    return any(tokens[:size] in NOT_ORDER_WORDS for size in _SIZES["other"])


def _after_currency_symbol(text: str, start: int) -> bool:
    before = text[max(0, start - 3) : start].rstrip()
    return bool(before) and unicodedata.category(before[-1]) == "Sc"


def _phone_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of grouped or "+"-led numbers that are phones, unless called an order."""
    spans: list[tuple[int, int]] = []
    for match in _GROUPED.finditer(text):
        digits = re.sub(r"[^0-9]", "", match.group())
        if not 10 <= len(digits) <= 15:
            continue
        label = _label_before(text[max(0, match.start() - _CONTEXT_CHARS) : match.start()])
        if label.kind == "order":
            continue
        grouped = bool(re.search(r"[0-9][\s().-]+[0-9]", match.group()))
        looks_like_phone = match.group().startswith("+") or _PHONE_SHAPES.fullmatch(digits)
        if label.kind == "phone" or (looks_like_phone and (grouped or match.group()[0] == "+")):
            spans.append(match.span())
    return spans


def find_order_number(text: str) -> str | None:
    """The order number a message mentions, or None.

    Plain and "#" numbers come back as digits ("#1001" -> "1001"); prefixed identifiers as written,
    upper-cased ("ord-2041" -> "ORD-2041"). Labelled numbers beat bare ones; then the first wins.
    """
    folded = fold(text[:MAX_CHARS])
    phones = _phone_spans(folded)
    best: tuple[int, str] | None = None
    for count, match in enumerate(_CANDIDATE.finditer(folded)):
        if count >= _MAX_CANDIDATES:
            break
        start, end = match.span()
        if any(phone_start <= start < phone_end for phone_start, phone_end in phones):
            continue
        digits = match.group("digits")
        prefix = match.group("prefix")
        if prefix in _NOT_ORDER_PREFIXES:
            continue
        label = _label_before(folded[max(0, start - _CONTEXT_CHARS) : start])
        if prefix is not None and tokens_of(prefix) in ORDER_WORDS:
            label, prefix = _Label("order", 0), None  # "order1001"
        if label.kind in {"phone", "other"}:
            continue
        if _after_currency_symbol(folded, start):
            continue
        strong = label.kind == "order" or match.group("hash") is not None or prefix is not None
        if not strong and (_PHONE_SHAPES.fullmatch(digits) or _label_after(folded[end : end + 30])):
            continue
        value = f"{prefix}{match.group('sep')}{digits}".upper() if prefix else digits
        rank = 2 if strong else 1
        if best is None or rank > best[0]:
            best = (rank, value)
    return None if best is None else best[1]
