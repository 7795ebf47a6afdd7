"""The table of realistic messages: intent, order number and (where given) language."""

from __future__ import annotations

from collections import Counter

import pytest

from ordertalk.conversations.understanding import LANGUAGES, Intent, understand
from tests.conversations.understanding.cases import CASES, Case


@pytest.mark.parametrize("case", CASES, ids=[case.text[:40] for case in CASES])
def test_message_is_understood(case: Case) -> None:
    result = understand(case.text)

    assert (result.intent, result.order_number) == (case.intent, case.order_number), result
    if case.language is not None:
        assert result.language == case.language, result
    assert 0.0 <= result.confidence <= 1.0
    if result.intent is not Intent.UNKNOWN:
        assert result.matched, "every decision says what it was based on"


def test_the_table_is_broad() -> None:
    intents = Counter(case.intent for case in CASES)
    languages = Counter(understand(case.text).language for case in CASES)

    assert len(CASES) >= 150
    assert set(intents) == set(Intent) - {Intent.FAQ}  # FAQ needs a store's entries: test_faq.py
    assert all(languages[language] >= 15 for language in LANGUAGES), languages


def test_no_message_is_listed_twice() -> None:
    texts = [case.text for case in CASES]

    assert len(texts) == len(set(texts))
