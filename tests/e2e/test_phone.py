"""`ordertalk phone` and the demo's "your turn": a person plays Alex through the sandbox and
settles a COD order, a missed delivery, a rating and a return without an agent, then asks for
a person."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Iterator

import httpx
from rich.console import Console

from ordertalk.demo_data import playground
from ordertalk.phone import Phone, converse
from tests.e2e.harness import Shop, wait_for

# SQLite only: the flows themselves run on both databases in test_flows.py; this proves the
# terminal phone and the demo's "your turn" orders, which do not depend on the database.


def _number_of(output: str, title: str) -> str:
    """The number the phone printed before an option's title (the latest one)."""
    found = re.findall(rf"(/\d+) {re.escape(title)}", output)
    assert found, f"{title!r} not offered in:\n{output[-2000:]}"
    return str(found[-1])


def _nth_after(output: str, text: str, nth: int) -> str:
    """The number of the `nth` option printed after the last `text` (e.g. a list of days)."""
    tail = output[output.rindex(text) :]
    return str(re.findall(r"(/\d+) ", tail)[nth - 1])


Step = str | tuple[str, str] | tuple[str, str, int]


async def _play(shop: Shop, steps: list[Step]) -> str:
    """Type each step into Alex's phone: text as it is; ("tap", title) types that option's
    number; ("tap after", text, n) the n-th option shown after `text`."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=160, color_system=None)
    pending: Iterator[Step] = iter(steps)

    async def read() -> str | None:
        match next(pending, None):
            case None:
                return None
            case ("tap", str(title)):
                return _number_of(buffer.getvalue(), title)
            case ("tap after", str(text), int(nth)):
                return _nth_after(buffer.getvalue(), text, nth)
            case str(typed):
                return typed
            case other:
                raise AssertionError(other)

    async with (
        httpx.AsyncClient(base_url=shop.url, headers=shop.auth, timeout=30) as api,
        httpx.AsyncClient(base_url=shop.sandbox.url, timeout=30) as sandbox,
    ):
        assert await playground.prepare(api, sandbox, wait_s=20)
        # Ordertalk paces one customer's messages (a burst of 10, then one per 6 s, as Meta
        # asks): later replies take a few seconds.
        await converse(Phone(sandbox, playground.ALEX), console, read, settle_s=8.0)
    return buffer.getvalue()


def test_a_person_settles_everything_as_alex_and_then_reaches_a_person(shop: Shop) -> None:
    output = asyncio.run(
        _play(
            shop,
            [
                "where is my order?",
                ("tap", "Confirm order"),
                ("tap", "Reattempt delivery"),
                ("tap after", "When should the courier try again?", 2),
                "9",
                "I want to return my order",  # no comment for the rating: on to a return
                ("tap", "Trail running shoes"),
                ("tap", "Size or fit"),
                "/photo",
                "talk to a person",
                "hello?",
            ],
        )
    )
    assert "Order #7001" in output  # the latest order's live status
    order = wait_for(lambda: shop.order("PLAY-7001"), lambda o: o["cod_decision"] is not None)
    assert order["cod_decision"] == "confirmed"
    parcel = shop.order("PLAY-7002")["shipments"][0]
    assert parcel["ndr_action"] == "reattempt"
    rated = shop.order("PLAY-7003")
    assert rated["feedback"]["score"] == 9
    [request] = rated["returns"]
    assert (request["source"], request["reason"]) == ("chat", "size")
    assert request["photo_media_id"] is not None
    waiting = shop.get("/v1/conversations", state="waiting")["conversations"]
    assert len(waiting) == 1
    # The agent who picks it up sees the photo with the return request, kept and served.
    thread = shop.get(f"/v1/conversations/{waiting[0]['id']}", limit=100)["messages"]
    [photo] = [m for m in thread if m["type"] == "image"]
    [kept] = photo["media"]
    assert kept["id"] == request["photo_media_id"]
    last = output[output.rindex("◀") :]
    assert "Connecting you to a person" in last  # and nothing from the bot after "hello?"
