"""The words of understanding: intents, the result, FAQ entries and a language's lexicon."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Intent(StrEnum):
    """What a customer's message asks for."""

    WISMO = "wismo"  # where is my order / when will it arrive / tracking
    CANCEL = "cancel"
    RETURN = "return"  # includes refunds and damaged / wrong items
    EXCHANGE = "exchange"  # another size, colour or a replacement
    CHANGE_ADDRESS = "change_address"
    RESCHEDULE = "reschedule"  # deliver on another day / not at home
    HUMAN = "human"  # talk to a person
    GREETING = "greeting"
    THANKS = "thanks"
    STOP = "stop"  # whole-message opt-out keyword
    START = "start"  # whole-message opt-in keyword
    FAQ = "faq"  # one of the store's own questions; see Understanding.faq_id
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


# Intents that ask the bot to look something up or act; the rest are social or confirmations.
TRANSACTIONAL: frozenset[Intent] = frozenset(
    {
        Intent.WISMO,
        Intent.CANCEL,
        Intent.RETURN,
        Intent.EXCHANGE,
        Intent.CHANGE_ADDRESS,
        Intent.RESCHEDULE,
        Intent.HUMAN,
    }
)
SOCIAL: frozenset[Intent] = frozenset({Intent.GREETING, Intent.THANKS, Intent.YES, Intent.NO})


@dataclass(frozen=True)
class Understanding:
    """What a message means, how sure we are, and what in the text made us think so."""

    intent: Intent
    confidence: float  # 0–1
    order_number: str | None = None  # "1001" for "#1001"; prefixed ids as written: "ORD-2041"
    language: str | None = None  # en / hi / es / pt / id, or None when there is no evidence
    faq_id: str | None = None  # set when intent is FAQ
    matched: str | None = None  # a human-readable reason, e.g. 'exact "where is my order" (en)'


@dataclass(frozen=True)
class FaqEntry:
    """One of a store's own questions, with paraphrases and the answer to send."""

    id: str
    question: str
    answer: str
    language: str | None = None
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Lexicon:
    """Everything language-specific, as plain data; one `lexicon_<code>.py` module per language.

    All strings are written as customers type them: matching normalises both sides the same way
    (case, accents, repeated letters, punctuation), so "dónde está" and "donde esta" are one entry.
    """

    language: str
    phrases: Mapping[Intent, tuple[str, ...]]
    # Words that cancel an intent phrase that follows them ("don't cancel", "no quiero cancelar"),
    # allowing up to `negator_reach` bridge words in between ("no lo quiero cancelar").
    negators: tuple[str, ...] = ()
    negator_reach: int = 3
    negation_bridges: tuple[str, ...] = ()
    # Negators that come after the phrase, as in Hindi "cancel mat karo"; at most one bridge word.
    post_negators: tuple[str, ...] = ()
    post_negation_bridges: tuple[str, ...] = ()
    # Words that say the next number is an order number, a phone number, or neither.
    order_words: tuple[str, ...] = ()
    phone_words: tuple[str, ...] = ()
    not_order_words: tuple[str, ...] = ()  # currencies, units, postal codes
    # FAQ matching: function words dropped, and words mapped to shared concepts ("ship" and
    # "deliver" are one thing when a customer asks a store's question in other words).
    stopwords: tuple[str, ...] = ()
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Extra words that are typical of the language, for detect_language.
    markers: tuple[str, ...] = ()
    # Single-word spellings folded into one before anything is matched, in messages and lexicons
    # alike: canonical -> variants. Lets "mera ऑर्डर kahan है" (mixed script) and "kaha h"
    # (chat shorthand) meet the phrase "mera order kahan hai".
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
