"""understand(): a customer's message to an intent, an order number and a language.

The order of decisions, each explainable through `Understanding.matched`:

1. A whole-message STOP/START keyword (the contacts module's matcher, so the bot and the
   consent ledger always agree) wins outright.
2. Lexicon phrases are found (exact > reordered > fuzzy) and overlaps resolved; transactional
   intents (WISMO, CANCEL, RETURN, ...) that are negated ("don't cancel") are set aside; if
   nothing else asks for an action, a refused action is a NO (0.6): never the action itself.
3. The store's FAQ is consulted; it wins over a transactional intent only when clearly closer
   (see faq.py for the thresholds).
4. The strongest transactional intent; among equally strong ones the more consequential:
   HUMAN > CANCEL > RETURN > EXCHANGE > CHANGE_ADDRESS > RESCHEDULE > WISMO, so "where is my
   order? I want to cancel" is a cancellation.
5. Social intents, only where they can mean what they say: a greeting opens the message, a
   YES/NO opens a short message, at most after a filler like "hmm" or "kak" (so "no me ha
   llegado" is not NO, nor the particle in "makasih ya kak"), thanks anywhere.
6. A message that is essentially an order number ("#1001", "order 2041 pls") asks where it is.
7. UNKNOWN, with low confidence.
"""

from __future__ import annotations

from collections.abc import Sequence

from ordertalk.contacts.keywords import Keyword, match_keyword
from ordertalk.conversations.understanding.faq import FAQ_MARGIN, best_faq
from ordertalk.conversations.understanding.languages import (
    ORDER_WORDS,
    STOPWORDS,
    base_language,
    detect_language,
    negators_for,
)
from ordertalk.conversations.understanding.matching import (
    EXACT_PHRASE,
    EXACT_WORD,
    FUZZY_PHRASE,
    FUZZY_WORD,
    REORDERED,
    Match,
    find_matches,
    negation,
)
from ordertalk.conversations.understanding.normalise import MAX_CHARS, Analysed, analyse
from ordertalk.conversations.understanding.order_numbers import find_order_number
from ordertalk.conversations.understanding.vocabulary import (
    TRANSACTIONAL,
    FaqEntry,
    Intent,
    Understanding,
)

# Higher wins among transactional intents of the same strength.
_PRIORITY = {
    Intent.HUMAN: 7,
    Intent.CANCEL: 6,
    Intent.RETURN: 5,
    Intent.EXCHANGE: 4,
    Intent.CHANGE_ADDRESS: 3,
    Intent.RESCHEDULE: 2,
    Intent.WISMO: 1,
    # Social: a "no thanks" is a NO, a "yes, thanks" a YES, "hi, thanks" thanks.
    Intent.NO: 4,
    Intent.YES: 3,
    Intent.THANKS: 2,
    Intent.GREETING: 1,
}
_KEYWORD_CONFIDENCE = 0.99
_ORDER_NUMBER_ONLY_CONFIDENCE = 0.6
_NEGATED_CONFIDENCE = 0.6
_UNKNOWN_CONFIDENCE = 0.1
_AMBIGUITY_FACTOR = 0.85  # two different intents at the same strength
_SHORT_MESSAGE = 6  # tokens; YES/NO only in messages this short


def _confidence(match: Match) -> float:
    """Exact phrases 0.95, exact single words 0.85, reordered 0.80, typos 0.50–0.80."""
    if match.tier == EXACT_PHRASE:
        return 0.95
    if match.tier == EXACT_WORD:
        return 0.85
    if match.tier == REORDERED:
        return 0.80
    threshold = FUZZY_WORD if len(match.phrase.tokens) == 1 else FUZZY_PHRASE
    return 0.5 + 0.3 * (match.similarity - threshold) / (100.0 - threshold)


def _strength(match: Match) -> tuple[int, int, int, float]:
    return (match.tier, _PRIORITY.get(match.phrase.intent, 0), match.length, match.similarity)


def _social_allowed(match: Match, analysed: Analysed, matches: Sequence[Match]) -> bool:
    intent = match.phrase.intent
    if intent is Intent.GREETING:
        return match.start == 0
    if intent in {Intent.YES, Intent.NO}:
        # "haan", "hmm no", "kak iya" — but not the particle in "makasih ya kak".
        first_is_filler = analysed.tokens[0] in STOPWORDS and all(
            other.start > 0 for other in matches
        )
        opens = match.start == 0 or (match.start == 1 and first_is_filler)
        return opens and len(analysed.tokens) <= _SHORT_MESSAGE
    return intent is Intent.THANKS


def _is_order_number_only(analysed: Analysed, social: Sequence[Match]) -> bool:
    """Whether nothing but an order number, order words and greetings is in the message."""
    covered = {index for match in social for index in range(match.start, match.end)}
    order_tokens = {token for words in ORDER_WORDS for token in words}
    residue = [
        token
        for index, token in enumerate(analysed.tokens)
        if index not in covered
        and token not in STOPWORDS
        and token not in order_tokens
        and not any(ch.isdigit() for ch in token)
    ]
    return len(residue) <= 1


def understand(
    text: str, *, faq: Sequence[FaqEntry] = (), language_hint: str | None = None
) -> Understanding:
    """What a customer's message asks for; never raises on any text."""
    text = text[:MAX_CHARS]
    language = detect_language(text, base_language(language_hint))
    order_number = find_order_number(text)

    keyword = match_keyword(text)
    if keyword is not None:
        intent = Intent.STOP if keyword is Keyword.STOP else Intent.START
        return Understanding(
            intent, _KEYWORD_CONFIDENCE, order_number, language, None, f"keyword {keyword.value}"
        )

    analysed = analyse(text)
    if not analysed.tokens:
        return Understanding(Intent.UNKNOWN, 0.0, order_number, language)

    negators = negators_for(language)
    actions: list[Match] = []
    negated: list[tuple[Match, str]] = []
    social: list[Match] = []
    matches = find_matches(analysed, language)
    for match in matches:
        if match.phrase.intent in TRANSACTIONAL:
            negator = negation(match, analysed, negators)
            if negator is None:
                actions.append(match)
            else:
                negated.append((match, negator))
        elif _social_allowed(match, analysed, matches):
            social.append(match)

    best_action = max(actions, key=_strength) if actions else None
    action_confidence = _confidence(best_action) if best_action is not None else 0.0
    if best_action is not None and any(
        match.tier == best_action.tier and match.phrase.intent is not best_action.phrase.intent
        for match in actions
    ):
        action_confidence *= _AMBIGUITY_FACTOR

    faq_match = best_faq(text, faq, language) if faq else None
    if faq_match is not None and (
        best_action is None or faq_match.score >= action_confidence + FAQ_MARGIN - 1e-9
    ):
        return Understanding(
            Intent.FAQ,
            faq_match.score,
            order_number,
            language,
            faq_match.entry.id,
            faq_match.explain(),
        )

    if best_action is not None:
        return Understanding(
            best_action.phrase.intent,
            round(action_confidence, 4),
            order_number,
            language,
            None,
            best_action.explain(),
        )

    if negated:
        # Refusing an action is a "no": "don't cancel", "cancel mat karo", "no quiero cancelar".
        match, negator = negated[0]
        return Understanding(
            Intent.NO,
            _NEGATED_CONFIDENCE,
            order_number,
            language,
            None,
            f'negated "{match.phrase.written}" by "{negator}"',
        )

    best_social = max(social, key=_strength) if social else None
    greeting_at_most = best_social is None or best_social.phrase.intent is Intent.GREETING
    if order_number is not None and greeting_at_most and _is_order_number_only(analysed, social):
        return Understanding(
            Intent.WISMO,
            _ORDER_NUMBER_ONLY_CONFIDENCE,
            order_number,
            language,
            None,
            f"order number {order_number} alone",
        )

    if best_social is not None:
        return Understanding(
            best_social.phrase.intent,
            round(_confidence(best_social), 4),
            order_number,
            language,
            None,
            best_social.explain(),
        )

    return Understanding(Intent.UNKNOWN, _UNKNOWN_CONFIDENCE, order_number, language)
