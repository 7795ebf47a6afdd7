"""A real browser for page tests: Debian's Chromium driven by Playwright, headless.

Nothing downloads a browser: `make test` installs Debian's `chromium` when it is missing, and a
missing browser fails these tests loudly rather than skipping them.

Playwright's sync API runs an event loop on this thread while it is open, and the `shop`
fixture needs `asyncio.run` to set up and tear down: so the browser lives for one test, and a
test asks for `shop` (and anything else async) BEFORE `page`, so that it is set up before the
browser starts and torn down after it stops.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from ordertalk.db import create_engine, session_factory
from ordertalk.web.users import Role, create_user

CHROMIUM = Path(os.environ.get("ORDERTALK_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("ORDERTALK_SCREENSHOTS", ".ordertalk/screenshots"))


@pytest.fixture
def browser() -> Iterator[Browser]:
    """A headless Chromium for one test (about half a second to start)."""
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page (its own cookies) at a phone's width, 375 px."""
    context = browser.new_context(viewport={"width": 375, "height": 812})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save what the page shows now, for people to look at (`.ordertalk/screenshots/`, or
    ORDERTALK_SCREENSHOTS)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_fits(page: Page) -> None:
    """No horizontal scrolling at the page's 375 px (a navigation may scroll inside itself)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size
    assert viewport is not None
    # On failure, name the first few elements that stick out, to know where to look.
    wide = page.evaluate(
        "[...(document.querySelector('main') || document.body).querySelectorAll('*')]"
        f".filter(e => e.getBoundingClientRect().right > {viewport['width'] + 1}).slice(0, 5)"
        ".map(e => e.tagName + '.' + e.className)"
    )
    assert width <= viewport["width"], f"{page.url} is {width} px wide: {wide}"


def add_dashboard_user(
    database_url: str, store_id: str, *, email: str, name: str, password: str, role: Role
) -> str:
    """A dashboard user of the store, committed (made before the browser starts); the email."""

    async def make() -> None:
        engine = create_engine(database_url)
        try:
            async with session_factory(engine)() as session, session.begin():
                await create_user(
                    session, store_id=store_id, email=email, name=name, password=password,
                    role=role,
                )  # fmt: skip
        finally:
            await engine.dispose()

    asyncio.run(make())
    return email
