"""A customer with a phone in the sandbox: reads what arrived, types, taps buttons and list rows.

asha = Customer(shop, "919876543210")
confirmation = asha.wait_for(lambda m: m["type"] == "template")
asha.tap("Confirm order")          # a template quick reply, a reply button or a list row
reply = asha.next_reply()          # the bot's answer to that
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.e2e.harness import Shop, wait_for


class Customer:
    """One simulated WhatsApp user talking to the shop's number."""

    def __init__(self, shop: Shop, wa_id: str) -> None:
        self.shop = shop
        self.wa_id = wa_id
        self.seen = 0  # messages already read by `next_reply`

    def phone(self) -> list[dict[str, Any]]:
        """Everything the phone received, oldest first."""
        return self.shop.sandbox.phone(self.wa_id)

    def wait_for(self, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The newest received message that matches, once there is one."""
        found: list[dict[str, Any]] = wait_for(
            lambda: [m for m in self.phone() if match(m)], lambda hits: bool(hits)
        )
        assert found, f"nothing matching on the phone: {[m['text'][:60] for m in self.phone()]}"
        ids = [m["id"] for m in self.phone()]
        self.seen = max(self.seen, ids.index(found[-1]["id"]) + 1)
        return found[-1]

    def next_reply(self) -> dict[str, Any]:
        """The first message that arrived after the ones already read."""
        messages: list[dict[str, Any]] = wait_for(
            self.phone, lambda received: len(received) > self.seen
        )
        assert len(messages) > self.seen, f"no reply after: {messages[-1:]}"
        message = messages[self.seen]
        self.seen += 1
        return message

    def replies(self, count: int) -> list[dict[str, Any]]:
        """The next `count` messages."""
        return [self.next_reply() for _ in range(count)]

    def catch_up(self) -> None:
        """Treat everything received so far as read."""
        self.seen = len(self.phone())

    def say(self, text: str) -> None:
        """Type a message."""
        self.shop.sandbox.say(self.wa_id, text)

    def send(self, **message: Any) -> None:
        """Send any inbound message (`type` plus its object)."""
        self.shop.sandbox.inbound(**{"from": self.wa_id, **message})

    def wait_template(self, name: str) -> dict[str, Any]:
        """The newest template message of this name (Ordertalk prefixes and versions names)."""
        return self.wait_for(lambda m: name in m.get("template", {}).get("name", ""))

    def tap(self, label: str) -> None:
        """Tap the button or list row with this label on the newest message that has it."""
        for message in reversed(self.phone()):
            if label in message.get("buttons", []):
                if message["type"] == "template":
                    self.send(type="button", button={"text": label})
                else:
                    self._reply("button_reply", _button_id(message, label), label)
                return
            for row in message.get("rows", []):
                if row["title"] == label:
                    self._reply("list_reply", row["id"], label)
                    return
        raise AssertionError(f"no button or row {label!r} on the phone")

    def _reply(self, kind: str, reply_id: str, title: str) -> None:
        self.send(
            type="interactive", interactive={"type": kind, kind: {"id": reply_id, "title": title}}
        )


def _button_id(message: dict[str, Any], label: str) -> str:
    for button in message["raw"]["interactive"]["action"]["buttons"]:
        if button["reply"]["title"] == label:
            return str(button["reply"]["id"])
    raise AssertionError(f"no reply button {label!r}")
