"""Text to comparable tokens: one normalisation for messages and lexicons alike."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ordertalk.conversations.understanding.registry import LEXICONS

# Work is capped: a customer's question fits in far fewer characters, and everything after
# this is ignored so that a pasted essay costs the same as a paragraph.
MAX_CHARS = 1000

_APOSTROPHES = str.maketrans({"'": None, "\u2019": None, "\u2018": None, "\u02bc": None, "`": None})
# Spellings of the same Devanagari word vary in ways readers do not notice: chandrabindu vs
# anusvara (कहाँ / कहां), nukta (ज़ / ज), the English-loan "ॉ" (ऑर्डर / आर्डर). Fold them together.
_DEVANAGARI_FOLD = str.maketrans(
    {
        "\u0901": "\u0902",  # chandrabindu -> anusvara
        "\u093c": None,  # nukta
        "\u0911": "\u0906",  # ऑ -> आ
        "\u0949": "\u093e",  # ॉ -> ा
        "\u0945": "\u0947",  # ॅ -> े
    }
)
_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
# Sentence punctuation splits clauses: a negation never reaches across "No, cancel it".
_CLAUSE_BREAK = re.compile(r"[.,;:!?¿¡।\n\r]+")
_REPEATS = re.compile(r"([^\W\d_])\1+")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """NFKC, casefold, Latin accents off, Devanagari variants folded; punctuation kept."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    decomposed = unicodedata.normalize("NFD", text)
    # Only the Latin combining accents (U+0300–U+036F) go; Devanagari vowel signs are letters.
    kept = "".join(ch for ch in decomposed if not 0x300 <= ord(ch) <= 0x36F)
    return unicodedata.normalize("NFC", kept).translate(_DEVANAGARI_FOLD).translate(_DIGITS)


def _letter_or_space(ch: str) -> str:
    category = unicodedata.category(ch)
    if category == "Cf":
        return ""  # zero-width joiners sit inside Devanagari words
    return " " if category[0] in "PSZC" else ch


def _plain(text: str) -> str:
    spaced = "".join(_letter_or_space(ch) for ch in fold(text))
    return _SPACES.sub(" ", _REPEATS.sub(r"\1", spaced)).strip()


def _aliases() -> dict[str, str]:
    table: dict[str, str] = {}
    for lexicon in LEXICONS:
        for canonical, variants in lexicon.aliases.items():
            for variant in variants:
                key, value = _plain(variant), _plain(canonical)
                if " " in key or " " in value:
                    raise ValueError(f"aliases are single words: {canonical!r} / {variant!r}")
                table[key] = value
    return table


_ALIASES = _aliases()


def normalise(text: str) -> str:
    """Folded text with punctuation, symbols and emoji removed and repeated letters collapsed.

    "Helloooo!!" and "hello" are both "helo": collapsing every run of a letter (not only long
    runs) makes doubled-letter typos ("adress") vanish, and is harmless because lexicon entries
    are normalised the same way. Digits are never collapsed: they are order numbers. Finally each
    word takes its lexicons' canonical spelling (Lexicon.aliases).
    """
    return " ".join(_ALIASES.get(token, token) for token in _plain(text).split())


def script_tokens(text: str) -> tuple[tuple[str, bool], ...]:
    """Normalised tokens of the first MAX_CHARS characters, each with whether it was Devanagari
    before aliasing (ऑर्डर becomes "order" but is still evidence of Hindi)."""
    return tuple(
        (_ALIASES.get(token, token), is_devanagari(token))
        for token in _plain(text[:MAX_CHARS]).split()
    )


def tokens_of(text: str) -> tuple[str, ...]:
    """The normalised tokens of `text`."""
    return tuple(normalise(text).split())


@dataclass(frozen=True)
class Analysed:
    """A message as tokens, with the clause each token belongs to."""

    tokens: tuple[str, ...]
    clauses: tuple[int, ...]  # clause index per token

    @property
    def text(self) -> str:
        """The tokens joined by single spaces."""
        return " ".join(self.tokens)

    def token_at(self, char_index: int) -> int:
        """The index of the token that covers (or precedes) a character offset in `text`."""
        position = 0
        for index, token in enumerate(self.tokens):
            end = position + len(token)
            if char_index < end + 1:
                return index
            position = end + 1
        return max(len(self.tokens) - 1, 0)


def analyse(text: str) -> Analysed:
    """Tokens and clauses of the first MAX_CHARS characters of `text`."""
    tokens: list[str] = []
    clauses: list[int] = []
    for clause_index, clause in enumerate(_CLAUSE_BREAK.split(text[:MAX_CHARS])):
        clause_tokens = normalise(clause).split()
        tokens.extend(clause_tokens)
        clauses.extend([clause_index] * len(clause_tokens))
    return Analysed(tuple(tokens), tuple(clauses))


def is_devanagari(token: str) -> bool:
    """Whether the token is written in Devanagari."""
    return any("\u0900" <= ch <= "\u097f" for ch in token)
