"""Lexicon phrases found in a message: exactly, with words reordered, or with typos; negations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from ordertalk.conversations.understanding.languages import (
    NEGATION_BRIDGES,
    NEGATOR_REACH,
    PHRASES,
    POST_NEGATION_BRIDGES,
    POST_NEGATORS,
    Phrase,
)
from ordertalk.conversations.understanding.normalise import Analysed
from ordertalk.conversations.understanding.vocabulary import TRANSACTIONAL

# Tiers, strongest first. Within a tier, longer phrases beat shorter ones.
EXACT_PHRASE = 4  # "where is my order", contiguous, several words
EXACT_WORD = 3  # "refund": one word can mean other things in a sentence
REORDERED = 2  # every word of a phrase within a few words of each other: "my order where is it"
FUZZY = 1  # typos: "were is my ordr", "cancle"

# Fuzzy thresholds (rapidfuzz ratio, 0–100, on normalised text). One transposition or missing
# letter in a 6-letter word scores 83 ("cancle"/"cancel", "retrun"/"return") and different words
# of that length score 50–70 ("refund"/"return" 67), so single words need 80. Phrases carry more
# letters, so one typo costs fewer points ("were is my ordr" 90); they need 85, which still
# rejects a phrase with a different key word ("cancel my order" vs "track my order": 69).
FUZZY_WORD = 80.0
FUZZY_PHRASE = 85.0
_PREFILTER = 75.0  # partial_ratio cut before the exact window is checked
_MIN_FUZZY_CHARS = 5  # shorter entries ("hi", "ya", "cs") are matched exactly or not at all
_REORDER_SLACK = 3  # extra words allowed inside a reordered phrase
_MAX_BRIDGES = 3
_WORD_ALIGN = 67.0


@dataclass(frozen=True)
class Match:
    """A phrase found in a message, by token span."""

    phrase: Phrase
    start: int
    end: int  # exclusive
    tier: int
    similarity: float  # 0–100
    seen: str  # the text that matched, normalised

    @property
    def length(self) -> int:
        """Number of tokens covered."""
        return self.end - self.start

    def explain(self) -> str:
        """A short human-readable reason."""
        where = f"({self.phrase.language})"
        if self.tier in {EXACT_PHRASE, EXACT_WORD}:
            return f'exact "{self.phrase.written}" {where}'
        if self.tier == REORDERED:
            return f'words of "{self.phrase.written}" in "{self.seen}" {where}'
        return f'fuzzy "{self.phrase.written}" ~ "{self.seen}" {self.similarity:.0f} {where}'


def _by_first_token() -> Mapping[str, tuple[Phrase, ...]]:
    index: dict[str, list[Phrase]] = defaultdict(list)
    for phrase in PHRASES:
        index[phrase.tokens[0]].append(phrase)
    return {token: tuple(phrases) for token, phrases in index.items()}


_BY_FIRST = _by_first_token()
_REORDERABLE = tuple(
    phrase for phrase in PHRASES if phrase.intent in TRANSACTIONAL and len(set(phrase.tokens)) >= 2
)


def _reorderable_by_token() -> Mapping[str, tuple[int, ...]]:
    index: dict[str, list[int]] = defaultdict(list)
    for position, phrase in enumerate(_REORDERABLE):
        for token in set(phrase.tokens):
            index[token].append(position)
    return {token: tuple(positions) for token, positions in index.items()}


_REORDERABLE_BY_TOKEN = _reorderable_by_token()
_FUZZY_CHOICES: Mapping[int, str] = {
    index: phrase.key for index, phrase in enumerate(PHRASES) if len(phrase.key) >= _MIN_FUZZY_CHARS
}


def _exact(analysed: Analysed) -> list[Match]:
    tokens = analysed.tokens
    matches: list[Match] = []
    for start, token in enumerate(tokens):
        for phrase in _BY_FIRST.get(token, ()):
            end = start + len(phrase.tokens)
            if tokens[start:end] == phrase.tokens:
                tier = EXACT_PHRASE if len(phrase.tokens) > 1 else EXACT_WORD
                matches.append(Match(phrase, start, end, tier, 100.0, phrase.key))
    return matches


def _reordered(analysed: Analysed, found: set[Phrase]) -> list[Match]:
    tokens, clauses = analysed.tokens, analysed.clauses
    hits: dict[int, int] = defaultdict(int)
    for token in set(tokens):
        for position in _REORDERABLE_BY_TOKEN.get(token, ()):
            hits[position] += 1
    matches: list[Match] = []
    for position, count in sorted(hits.items()):
        phrase = _REORDERABLE[position]
        wanted = set(phrase.tokens)
        if count < len(wanted) or phrase in found:
            continue
        width = len(phrase.tokens) + _REORDER_SLACK
        for start, token in enumerate(tokens):
            if token not in wanted:
                continue
            missing = set(wanted)
            end = start
            while end < len(tokens) and end - start < width and clauses[end] == clauses[start]:
                missing.discard(tokens[end])
                end += 1
                if not missing:
                    seen = " ".join(tokens[start:end])
                    matches.append(Match(phrase, start, end, REORDERED, 100.0, seen))
                    break
            if not missing:
                break
    return matches


def _fuzzy(analysed: Analysed, found: set[Phrase], language: str | None) -> list[Match]:
    text = analysed.text
    if not text:
        return []
    matches: list[Match] = []
    candidates = process.extract(
        text, _FUZZY_CHOICES, scorer=fuzz.partial_ratio, score_cutoff=_PREFILTER, limit=None
    )
    for _, _, index in candidates:
        phrase = PHRASES[index]
        if phrase in found:
            continue
        # A misspelt single word is weak evidence: only in the message's own language (or an
        # English loanword), so "deliver" is never a typo of Spanish "devolver".
        if len(phrase.tokens) == 1 and language and phrase.language not in {language, "en"}:
            continue
        alignment = fuzz.partial_ratio_alignment(phrase.key, text)
        if alignment is None:
            continue
        start, end = alignment.dest_start, alignment.dest_end
        while start < end and text[start] == " ":
            start += 1
        while end > start and text[end - 1] == " ":
            end -= 1
        if start >= end:
            continue
        # Widen to whole words: "cancel" must not match inside "cancellation".
        start = text.rfind(" ", 0, start) + 1
        space = text.find(" ", end)
        end = len(text) if space == -1 else space
        seen = text[start:end]
        similarity = fuzz.ratio(phrase.key, seen)
        threshold = FUZZY_WORD if len(phrase.tokens) == 1 else FUZZY_PHRASE
        if similarity >= threshold and _words_align(phrase, seen):
            first, last = analysed.token_at(start), analysed.token_at(end - 1)
            matches.append(Match(phrase, first, last + 1, FUZZY, similarity, seen))
    return matches


def _words_align(phrase: Phrase, seen: str) -> bool:
    """Whether each word of 3+ letters in a phrase has a look-alike in the matched text.

    Character similarity alone forgives a whole short word: "late delivery" vs "the delivery"
    scores 88. Requiring every such word to be recognisable (ratio >= 67: "ordr"/"order" 89,
    "late"/"the" 57) keeps typos and drops different words; 1–2 letter words may be missing.
    """
    if len(phrase.tokens) == 1:
        return True
    words = seen.split()
    return all(
        max(fuzz.ratio(token, word) for word in words) >= _WORD_ALIGN
        for token in phrase.tokens
        if len(token) >= 3
    )


def find_matches(analysed: Analysed, language: str | None = None) -> list[Match]:
    """Every lexicon phrase in the message, then the strongest non-overlapping ones."""
    exact = _exact(analysed)
    found = {match.phrase for match in exact}
    candidates = [*exact, *_reordered(analysed, found), *_fuzzy(analysed, found, language)]
    return _non_overlapping(candidates)


def _non_overlapping(candidates: Sequence[Match]) -> list[Match]:
    """Strongest first; a phrase inside or across a stronger one is dropped.

    "trocar o endereço" (change address) wins over "quero trocar" (exchange) in "quero trocar o
    endereço", and "address badalna hai" over "badalna hai".
    """
    ordered = sorted(
        candidates,
        key=lambda match: (
            -match.tier,
            -match.length,
            -match.similarity,
            match.phrase.intent not in TRANSACTIONAL,
            match.start,
        ),
    )
    taken: set[int] = set()
    kept: list[Match] = []
    for match in ordered:
        span = set(range(match.start, match.end))
        if span & taken:
            continue
        taken |= span
        kept.append(match)
    return sorted(kept, key=lambda match: match.start)


def negation(match: Match, analysed: Analysed, negators: frozenset[tuple[str, ...]]) -> str | None:
    """The negator that cancels a match ("don't", "no", "mat"), or None.

    Before the phrase, a negator may be separated from it by a few bridge words ("no lo quiero
    cancelar", "don't really want to cancel"), never by other words ("mi pedido no llegó, quiero
    cancelar" is not a negated cancel) nor across a clause break. After the phrase, only the
    Hindi-style negators count, directly or after one auxiliary ("cancel mat karo",
    "return nahi karna").
    """
    tokens, clauses = analysed.tokens, analysed.clauses
    clause = clauses[match.start]
    position, bridges = match.start, 0
    while True:
        for negator in negators:
            begin = position - len(negator)
            if (
                begin >= 0
                and tokens[begin:position] == negator
                and clauses[begin] == clause
                and bridges <= NEGATOR_REACH.get(negator, 0)
            ):
                return " ".join(negator)
        previous = position - 1
        if (
            previous < 0
            or bridges >= _MAX_BRIDGES
            or clauses[previous] != clause
            or tokens[previous] not in NEGATION_BRIDGES
        ):
            break
        position, bridges = previous, bridges + 1
    after = match.end
    for offset in (0, 1):
        begin = after + offset
        if offset and (after >= len(tokens) or tokens[after] not in POST_NEGATION_BRIDGES):
            break  # one auxiliary may sit between: "cancel karna nahi"
        for negator in POST_NEGATORS:
            end = begin + len(negator)
            if end <= len(tokens) and tokens[begin:end] == negator and clauses[begin] == clause:
                return " ".join(negator)
    return None
