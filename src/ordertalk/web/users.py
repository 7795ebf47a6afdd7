"""Dashboard users: created from the command line, checked at login with argon2id.

Login answers take as long for an unknown email as for a wrong password (a dummy hash is
verified), and a per email + address throttle slows down password guessing. Services flush;
the caller commits.
"""

from __future__ import annotations

import re
import time
from collections import deque
from datetime import datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.errors import Conflict, InvalidInput, OrdertalkError
from ordertalk.stores.service import get_store
from ordertalk.web.models import DashboardUser

PASSWORD_MIN = 10
PASSWORD_MAX = 1024
NAME_MAX = 200
EMAIL_MAX = 254
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified when the email is unknown, so that the answer takes as long as for a real user.
_DUMMY_HASH = _hasher.hash("not a password anyone has: timing only")


class Role(StrEnum):
    """What a dashboard user may do (agents: the inbox and orders; owners: also settings)."""

    OWNER = "owner"
    AGENT = "agent"


class WrongCredentials(OrdertalkError):
    """The email and password do not match an active user."""

    status_code = 401
    code = "wrong_credentials"


class TooManyAttempts(OrdertalkError):
    """Too many failed logins for this email from this address: wait a little."""

    status_code = 429
    code = "too_many_attempts"


class DuplicateEmail(Conflict):
    """A dashboard user with this email exists already."""

    code = "duplicate_email"


def normalise_email(email: str) -> str:
    """The email as stored: trimmed and lower-cased; InvalidInput when it is not one."""
    clean = email.strip().lower()
    if not clean or len(clean) > EMAIL_MAX or not _EMAIL.match(clean):
        raise InvalidInput("enter an email address such as name@example.com")
    return clean


def hash_password(password: str) -> str:
    """An argon2id hash of a password (InvalidInput when it is too short or too long)."""
    if len(password) < PASSWORD_MIN:
        raise InvalidInput(f"a password needs at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise InvalidInput(f"a password has at most {PASSWORD_MAX} characters")
    return _hasher.hash(password)


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def create_user(
    session: AsyncSession,
    *,
    store_id: str,
    email: str,
    name: str,
    password: str,
    role: Role = Role.OWNER,
) -> DashboardUser:
    """A new dashboard user of an existing store."""
    store = await get_store(session, store_id)
    clean_email = normalise_email(email)
    clean_name = " ".join(name.split())
    if not clean_name or len(clean_name) > NAME_MAX:
        raise InvalidInput(f"a name is 1 to {NAME_MAX} characters")
    password_hash = hash_password(password)
    taken = await session.scalar(select(DashboardUser.id).where(DashboardUser.email == clean_email))
    if taken is not None:
        raise DuplicateEmail(f"a dashboard user with email {clean_email} exists already")
    user = DashboardUser(
        store_id=store.id,
        email=clean_email,
        name=clean_name,
        password_hash=password_hash,
        role=role.value,
        active=True,
        session_version=1,
    )
    session.add(user)
    await session.flush()
    return user


async def authenticate(
    session: AsyncSession, email: str, password: str, now: datetime
) -> DashboardUser:
    """The active user with this email and password (WrongCredentials otherwise, after the
    same work either way); records the login time."""
    try:
        clean = normalise_email(email)
    except InvalidInput:
        clean = None
    user = (
        await session.scalar(select(DashboardUser).where(DashboardUser.email == clean))
        if clean is not None
        else None
    )
    # Always verify one hash, so an unknown email is not told apart by the time it takes.
    ok = _matches(user.password_hash if user is not None else _DUMMY_HASH, password)
    if user is None or not ok or not user.active:
        raise WrongCredentials("the email or the password is wrong")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = now
    await session.flush()
    return user


async def active_user(session: AsyncSession, user_id: int, session_version: int) -> DashboardUser:
    """The user a session cookie names, if still active and the cookie is still current."""
    user = await session.get(DashboardUser, user_id)
    if user is None or not user.active or user.session_version != session_version:
        raise WrongCredentials("the session has ended; log in again")
    return user


async def end_sessions(session: AsyncSession, user: DashboardUser) -> None:
    """Log the user out everywhere: every session cookie issued so far stops working."""
    user.session_version += 1
    await session.flush()


async def store_users(session: AsyncSession, store_id: str) -> list[DashboardUser]:
    """The store's active users, by name (to assign conversations to)."""
    rows = await session.scalars(
        select(DashboardUser)
        .where(DashboardUser.store_id == store_id, DashboardUser.active.is_(True))
        .order_by(DashboardUser.name, DashboardUser.id)
    )
    return list(rows)


class LoginThrottle:
    """Failed logins per (email, client address), in memory: after `limit` failures within
    `window_s` seconds, further attempts are refused until the oldest failure ages out."""

    def __init__(self, limit: int = 5, window_s: float = 900.0, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self._failures: dict[tuple[str, str], deque[float]] = {}

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        return failures

    def check(self, email: str, address: str) -> None:
        """TooManyAttempts when this email has failed too often from this address lately."""
        now = time.monotonic()
        failures = self._recent((email.strip().lower(), address), now)
        if len(failures) >= self.limit:
            wait = int(failures[0] + self.window_s - now) + 1
            minutes = max(1, (wait + 59) // 60)
            raise TooManyAttempts(
                f"too many failed attempts; try again in {minutes} minute"
                + ("s" if minutes > 1 else "")
            )

    def failed(self, email: str, address: str) -> None:
        """Count a failed attempt."""
        now = time.monotonic()
        key = (email.strip().lower(), address)
        if key not in self._failures and len(self._failures) >= self.max_keys:
            # Bounded memory: forget the entry whose last failure is oldest.
            oldest = min(
                self._failures, key=lambda k: self._failures[k][-1] if self._failures[k] else 0
            )
            del self._failures[oldest]
        failures = self._recent(key, now)
        failures.append(now)
        self._failures[key] = failures

    def succeeded(self, email: str, address: str) -> None:
        """Forget the failures once the right password is given."""
        self._failures.pop((email.strip().lower(), address), None)
