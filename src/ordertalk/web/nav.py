"""The dashboard's navigation, in one place: add a page here and every layout links it."""

from __future__ import annotations

from dataclasses import dataclass

from ordertalk.web.users import Role

EVERYONE = frozenset({Role.OWNER, Role.AGENT})


@dataclass(frozen=True, slots=True)
class NavItem:
    """One link in the dashboard's navigation (only pages that exist are listed)."""

    section: str  # pages name the section they belong to, to mark the link as current
    label: str
    href: str
    roles: frozenset[Role] = EVERYONE


NAV: tuple[NavItem, ...] = (
    NavItem("overview", "Overview", "/ui/overview"),
    NavItem("orders", "Orders", "/ui/orders"),
    NavItem("inbox", "Inbox", "/ui/inbox"),
    NavItem("contacts", "Contacts", "/ui/contacts"),
    NavItem("templates", "Templates", "/ui/templates"),
    NavItem("journeys", "Journeys", "/ui/journeys"),
    NavItem("settings", "Settings", "/ui/settings", frozenset({Role.OWNER})),
)


def nav_for(role: str) -> list[NavItem]:
    """The links a user with this role sees, in order."""
    return [item for item in NAV if role in item.roles]
