"""The supported languages. Adding one: write `lexicon_<code>.py` and list its LEXICON here."""

from __future__ import annotations

from ordertalk.conversations.understanding import (
    lexicon_en,
    lexicon_es,
    lexicon_hi,
    lexicon_id,
    lexicon_pt,
)
from ordertalk.conversations.understanding.vocabulary import Lexicon

LEXICONS: tuple[Lexicon, ...] = (
    lexicon_en.LEXICON,
    lexicon_hi.LEXICON,
    lexicon_es.LEXICON,
    lexicon_pt.LEXICON,
    lexicon_id.LEXICON,
)
