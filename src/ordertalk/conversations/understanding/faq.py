"""A store's own questions, matched by meaning-bearing words rather than exact wording.

Both the message and each FAQ text (question and alternatives) become *terms*: normalised tokens
with every language's function words dropped and synonyms folded into shared concepts ("ship",
"deliver", "envío", "kirim" are all `~deliver`; a misspelt synonym of 5+ letters too, at ratio 85:
"delivr", "shiping"). Two terms are the same when equal, or, for words
of four letters or more, when rapidfuzz's ratio is at least 80 (one typo in a 5–6 letter word:
"dehli"/"delhi" 80, "retuns"/"returns" 92).

score = 0.7 × recall + 0.3 × precision, where recall is the share of the FAQ's terms found in the
message and precision the share of the message's terms found in the FAQ (fuzzy matches count by
their similarity). Recall dominates because customers wrap a question in their own words ("hi, I
was wondering if you guys ship to Pune, I need it by Friday" still asks "Do you deliver to Pune?").

How the thresholds were chosen (see tests/conversations/understanding/test_faq.py):

* FAQ_THRESHOLD = 0.70. A message containing every term of the question always reaches it
  (recall 1 gives 0.70 before precision). A message that drops one of two terms and adds nothing
  scores 0.65, and one that swaps a term ("deliver to Delhi" for "deliver to Pune") 0.50: both
  stay out. With three terms, two found and nothing added scores 0.77 and passes: the store's
  question minus one word, with nothing else, is still that question. Real paraphrases in the
  tests score 0.80–1.00; the closest non-matches score at most 0.65.
* FAQ_MARGIN = 0.05. A transactional intent ("where is my order") is an action the bot can take
  for this customer, so an FAQ only beats one when its score exceeds the intent's confidence by
  this margin. An exact intent phrase (0.95) yields only to a perfect FAQ match (1.00: the store
  asked that very question), so "when will my order be delivered" stays WISMO against "How long
  does shipping take?" (0.50). A single keyword (0.85) yields to FAQs at 0.90 or more, i.e. all
  of the FAQ's terms and little else: "can I return items bought on sale" (0.93) gets the store's
  "Can I return sale items?", while "I want to return my shoes" (0.38) starts a return.
* LANGUAGE_TIE = 0.05: entries scoring within this of the best are the same question; the one
  in the customer's language is chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from ordertalk.conversations.understanding.languages import CONCEPTS, STOPWORDS
from ordertalk.conversations.understanding.normalise import MAX_CHARS, analyse
from ordertalk.conversations.understanding.vocabulary import FaqEntry

FAQ_THRESHOLD = 0.70
FAQ_MARGIN = 0.05
LANGUAGE_TIE = 0.05
_TERM_MATCH = 80.0
_MIN_FUZZY_TERM = 4
_RECALL_WEIGHT = 0.7
# Synonym words misspelt: stricter than term matching, because a wrong concept changes meaning.
_CONCEPT_MATCH = 85.0
_MIN_CONCEPT_TYPO = 5
_CONCEPT_WORDS = tuple(word for word in CONCEPTS if len(word) >= _MIN_CONCEPT_TYPO)


@dataclass(frozen=True)
class FaqMatch:
    """The best FAQ entry for a message, with the text of it that matched."""

    entry: FaqEntry
    score: float  # 0–1
    text: str  # the question or alternative that scored best

    def explain(self) -> str:
        """A short human-readable reason."""
        return f'faq "{self.text}" {self.score:.2f}'


@lru_cache(maxsize=8192)
def terms(text: str) -> tuple[str, ...]:
    """The meaning-bearing words of `text`, synonyms folded, in order, without repeats."""
    found: list[str] = []
    for token in analyse(text).tokens:
        term = CONCEPTS.get(token)
        if term is None:
            if token in STOPWORDS:
                continue
            term = _misspelt_concept(token) or token
        if term not in found:
            found.append(term)
    return tuple(found)


def _misspelt_concept(token: str) -> str | None:
    """The concept of a misspelt synonym ("delivr", "shiping"), if it is close to exactly one."""
    if len(token) < _MIN_CONCEPT_TYPO:
        return None
    best = process.extractOne(token, _CONCEPT_WORDS, scorer=fuzz.ratio, score_cutoff=_CONCEPT_MATCH)
    return None if best is None else CONCEPTS[best[0]]


def _fuzzy_terms(terms_: Sequence[str]) -> list[str]:
    return [term for term in terms_ if len(term) >= _MIN_FUZZY_TERM and not term.startswith("~")]


def _coverage(wanted: Sequence[str], offered: Sequence[str]) -> float:
    """How much of `wanted` appears in `offered`, 0–1, typos counting by their similarity."""
    if not wanted:
        return 0.0
    exact = set(offered)
    fuzzy_offered = _fuzzy_terms(offered)
    total = 0.0
    for term in wanted:
        if term in exact:
            total += 1.0
        elif fuzzy_offered and len(term) >= _MIN_FUZZY_TERM and not term.startswith("~"):
            best = process.extractOne(
                term, fuzzy_offered, scorer=fuzz.ratio, score_cutoff=_TERM_MATCH
            )
            if best is not None:
                total += best[1] / 100.0
    return total / len(wanted)


def similarity(message: str, faq_text: str) -> float:
    """How close a message is to one FAQ text, 0–1 (see the module docstring)."""
    message_terms, faq_terms = terms(message), terms(faq_text)
    if not message_terms or not faq_terms:
        return 0.0
    recall = _coverage(faq_terms, message_terms)
    precision = _coverage(message_terms, faq_terms)
    return _RECALL_WEIGHT * recall + (1.0 - _RECALL_WEIGHT) * precision


def best_faq(message: str, faq: Sequence[FaqEntry], language: str | None = None) -> FaqMatch | None:
    """The closest FAQ entry at or above FAQ_THRESHOLD, or None.

    A store may ask the same question in several languages; among entries within LANGUAGE_TIE
    of the best score, one in the message's `language` wins, so the answer comes back in it.
    Remaining ties go to the entry listed first.
    """
    message = message[:MAX_CHARS]
    found: list[FaqMatch] = []
    for entry in faq:
        best_for_entry: FaqMatch | None = None
        for text in (entry.question, *entry.alternatives):
            score = round(min(similarity(message, text), 1.0), 4)
            if score >= FAQ_THRESHOLD and (best_for_entry is None or score > best_for_entry.score):
                best_for_entry = FaqMatch(entry, score, text)
        if best_for_entry is not None:
            found.append(best_for_entry)
    if not found:
        return None
    top = max(match.score for match in found)
    close = [match for match in found if match.score >= top - LANGUAGE_TIE]
    in_language = [match for match in close if language and match.entry.language == language]
    return max(in_language or close, key=lambda match: match.score)
