"""The lexicons compiled once for matching, and language detection."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ordertalk.conversations.understanding.normalise import (
    normalise,
    script_tokens,
    tokens_of,
)
from ordertalk.conversations.understanding.registry import LEXICONS
from ordertalk.conversations.understanding.vocabulary import Intent, Lexicon

BY_LANGUAGE: Mapping[str, Lexicon] = {lexicon.language: lexicon for lexicon in LEXICONS}
LANGUAGES: tuple[str, ...] = tuple(BY_LANGUAGE)


@dataclass(frozen=True)
class Phrase:
    """One lexicon phrase, normalised for matching and kept as written for explanations."""

    intent: Intent
    language: str
    written: str
    tokens: tuple[str, ...]

    @property
    def key(self) -> str:
        """The normalised phrase."""
        return " ".join(self.tokens)


def _phrases() -> tuple[Phrase, ...]:
    seen: set[tuple[Intent, str]] = set()
    phrases: list[Phrase] = []
    for lexicon in LEXICONS:
        for intent, written_phrases in lexicon.phrases.items():
            for written in written_phrases:
                tokens = tokens_of(written)
                if tokens and (intent, " ".join(tokens)) not in seen:
                    seen.add((intent, " ".join(tokens)))
                    phrases.append(Phrase(intent, lexicon.language, written, tokens))
    return tuple(phrases)


PHRASES: tuple[Phrase, ...] = _phrases()


def _token_tuples(words: Iterable[str]) -> frozenset[tuple[str, ...]]:
    return frozenset(tokens for tokens in (tokens_of(word) for word in words) if tokens)


def _reach_by_negator() -> Mapping[tuple[str, ...], int]:
    reach: dict[tuple[str, ...], int] = {}
    for lexicon in LEXICONS:
        for negator in _token_tuples(lexicon.negators):
            reach[negator] = max(reach.get(negator, 0), lexicon.negator_reach)
    return reach


NEGATOR_REACH: Mapping[tuple[str, ...], int] = _reach_by_negator()
NEGATORS_BY_LANGUAGE: Mapping[str, frozenset[tuple[str, ...]]] = {
    lexicon.language: _token_tuples(lexicon.negators) for lexicon in LEXICONS
}
ALL_NEGATORS: frozenset[tuple[str, ...]] = frozenset(NEGATOR_REACH)
NEGATION_BRIDGES: frozenset[str] = frozenset(
    token for lexicon in LEXICONS for token in tokens_of(" ".join(lexicon.negation_bridges))
)
POST_NEGATORS: frozenset[tuple[str, ...]] = _token_tuples(
    word for lexicon in LEXICONS for word in lexicon.post_negators
)
POST_NEGATION_BRIDGES: frozenset[str] = frozenset(
    token for lexicon in LEXICONS for token in tokens_of(" ".join(lexicon.post_negation_bridges))
)
ORDER_WORDS: frozenset[tuple[str, ...]] = _token_tuples(
    word for lexicon in LEXICONS for word in lexicon.order_words
)
PHONE_WORDS: frozenset[tuple[str, ...]] = _token_tuples(
    word for lexicon in LEXICONS for word in lexicon.phone_words
)
NOT_ORDER_WORDS: frozenset[tuple[str, ...]] = _token_tuples(
    word for lexicon in LEXICONS for word in lexicon.not_order_words
)
# FAQ matching drops every language's function words: customers mix languages, and a word that is
# a function word in one language is rarely what a store's question is about in another.
STOPWORDS: frozenset[str] = frozenset(
    token for lexicon in LEXICONS for token in tokens_of(" ".join(lexicon.stopwords))
)


def _concepts() -> Mapping[str, str]:
    concepts: dict[str, str] = {}
    for lexicon in LEXICONS:
        for concept, words in lexicon.synonyms.items():
            for word in words:
                key = normalise(word)
                if key:
                    concepts.setdefault(key, concept)
    return concepts


CONCEPTS: Mapping[str, str] = _concepts()


def negators_for(language: str | None) -> frozenset[tuple[str, ...]]:
    """The negators to trust for a message in `language` (all of them when unknown).

    English negators always count: code-mixed messages borrow them ("dont cancel karo").
    """
    if language is None or language not in NEGATORS_BY_LANGUAGE:
        return ALL_NEGATORS
    return NEGATORS_BY_LANGUAGE[language] | NEGATORS_BY_LANGUAGE.get("en", frozenset())


def _marker_index() -> Mapping[str, frozenset[str]]:
    languages_by_token: dict[str, set[str]] = defaultdict(set)
    for lexicon in LEXICONS:
        words = [*lexicon.stopwords, *lexicon.markers]
        words.extend(phrase for phrases in lexicon.phrases.values() for phrase in phrases)
        for word in words:
            for token in tokens_of(word):
                if not token.isdigit():
                    languages_by_token[token].add(lexicon.language)
    return {token: frozenset(languages) for token, languages in languages_by_token.items()}


_MARKERS: Mapping[str, frozenset[str]] = _marker_index()
# One word typical of a language is evidence; a word shared by three languages is a third of it.
_MIN_EVIDENCE = 0.99
_DEVANAGARI_WEIGHT = 2.0


def language_scores(text: str) -> dict[str, float]:
    """Evidence for each language: typical words, weighted by how many languages share them."""
    scores: dict[str, float] = defaultdict(float)
    for token, devanagari in script_tokens(text):
        if devanagari:
            scores["hi"] += _DEVANAGARI_WEIGHT
            continue
        languages = _MARKERS.get(token)
        if languages:
            for language in languages:
                scores[language] += 1.0 / len(languages)
    return dict(scores)


def detect_language(text: str, hint: str | None = None) -> str | None:
    """The most likely of en/hi/es/pt/id, `hint` when the evidence is tied, else None."""
    hint = base_language(hint)
    scores = language_scores(text)
    if not scores:
        return hint
    best = max(scores.values())
    leaders = sorted(language for language, score in scores.items() if score == best)
    if hint is not None and hint in leaders:
        return hint
    if best < _MIN_EVIDENCE or len(leaders) > 1:
        return hint
    return leaders[0]


def base_language(language: str | None) -> str | None:
    """ "pt_BR" and "pt-BR" to "pt"; None for languages without a lexicon."""
    if not language:
        return None
    base = language.replace("-", "_").split("_", 1)[0].casefold()
    return base if base in BY_LANGUAGE else None
