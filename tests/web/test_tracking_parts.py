"""The tracking page's pure parts: brand colours that stay readable, who counts as a link
preview, the page's language, and the form token."""

from __future__ import annotations

import pytest

from ordertalk.web.brand import DEFAULT, TEXT_CONTRAST, WHITE, brand, contrast, normalise
from ordertalk.web.tracking import StaleForm, check_form_token, form_token, is_preview_fetch
from ordertalk.web.tracking_texts import LANGUAGES, MILESTONES, PAGE, page_language

CHROME = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"


@pytest.mark.parametrize(
    "color", ["#ffd500", "#FFF", "#000000", "#0b6e4f", "#ff0000", "#7fdbff", "808080", "#e91e63"]
)
def test_every_brand_colour_gets_readable_text_on_it_and_as_text(color: str) -> None:
    colours = brand(color)
    assert contrast(colours.color, colours.ink) >= TEXT_CONTRAST
    assert contrast(colours.text, WHITE) >= TEXT_CONTRAST


@pytest.mark.parametrize(
    "color", [None, "", "red", "#12345", "url(x)", "#fff;}body{display:none", "#gggggg"]
)
def test_anything_but_a_hex_colour_is_the_default(color: str | None) -> None:
    assert normalise(color) is None
    assert brand(color).color == DEFAULT


@pytest.mark.parametrize(
    ("method", "headers", "machine"),
    [
        ("GET", {"user-agent": CHROME}, False),
        ("GET", {"user-agent": "Mozilla/5.0 (Linux; Android 13; Cubot X30) Chrome/120"}, False),
        ("HEAD", {"user-agent": CHROME}, True),
        ("GET", {}, True),
        ("GET", {"user-agent": "   "}, True),
        ("GET", {"user-agent": "WhatsApp/2.24.6.77 A"}, True),
        ("GET", {"user-agent": "facebookexternalhit/1.1"}, True),
        ("GET", {"user-agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"}, True),
        ("GET", {"user-agent": "Slackbot-LinkExpanding 1.0"}, True),
        ("GET", {"user-agent": CHROME, "sec-purpose": "prefetch;prerender"}, True),
        ("GET", {"user-agent": CHROME, "purpose": "prefetch"}, True),
    ],
)
def test_link_previews_prefetches_and_heads_are_machines(
    method: str, headers: dict[str, str], machine: bool
) -> None:
    assert is_preview_fetch(method, headers) is machine


@pytest.mark.parametrize(
    ("candidates", "language"),
    [
        (("pt_BR", "en"), "pt"),
        (("hi-IN",), "hi"),
        (("in",), "id"),
        (("fr", "es"), "es"),
        (("fr", None), "en"),
    ],
)
def test_the_page_speaks_the_first_language_it_knows(
    candidates: tuple[str | None, ...], language: str
) -> None:
    assert page_language(*candidates) == language


def test_every_sentence_is_written_in_every_language() -> None:
    for table in (PAGE, MILESTONES):
        for key, by_language in table.items():
            assert set(by_language) == set(LANGUAGES), key


def test_the_form_token_belongs_to_one_link_and_one_secret() -> None:
    token = form_token(b"secret", "abcdefghijkl")
    check_form_token(b"secret", "abcdefghijkl", token)
    for secret, code, given in [
        (b"other", "abcdefghijkl", token),
        (b"secret", "abcdefghijkm", token),
        (b"secret", "abcdefghijkl", token[:-1]),
        (b"secret", "abcdefghijkl", None),
        (b"secret", "abcdefghijkl", ["x"]),
    ]:
        with pytest.raises(StaleForm):
            check_form_token(secret, code, given)
