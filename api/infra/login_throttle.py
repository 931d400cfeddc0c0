"""How many failed logins a client address, and an account, may make in a window.

Litestar's RateLimitMiddleware counts every request before the handler runs: it cannot tell
a success from a failure, nor count per account. This counter lives in the same `rate_limit`
store (files under var/, or Redis), so every worker shares it.

An attempt is counted *before* the password is checked (a burst of parallel guesses cannot
all slip in while argon2 runs) and given back when it succeeds: only failures consume the
budget. Each attempt is counted twice, against the client address and against the account
(the email tried), so that changing address — or forging one — does not buy more guesses.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from dataclasses import dataclass, field

import msgspec
from litestar.stores.base import Store

WINDOW_SECONDS = 60


class _Counter(msgspec.Struct):
    count: int
    reset: float  # epoch seconds at which the window ends


def _keys(address: str, email: str) -> list[str]:
    # Emails are personal data: the store (file names under var/) only sees a digest.
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return [f"login:address:{address}", f"login:account:{account}"]


@dataclass(frozen=True, slots=True)
class LoginThrottle:
    """One per app (kept in `app.state`)."""

    store: Store
    limit: int
    window: int = WINDOW_SECONDS
    # Get-then-set on a store is not atomic; within one worker this lock makes it so. Across
    # workers a few attempts may slip through at the same instant: the budget stays bounded.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def _read(self, key: str, now: float) -> _Counter:
        raw = await self.store.get(key)
        if raw:
            counter = msgspec.json.decode(raw, type=_Counter)
            if counter.reset > now:
                return counter
        return _Counter(count=0, reset=now + self.window)

    async def _write(self, key: str, counter: _Counter, now: float) -> None:
        expires = max(1, math.ceil(counter.reset - now))
        await self.store.set(key, msgspec.json.encode(counter), expires_in=expires)

    async def begin(self, address: str, email: str) -> int | None:
        """Count one attempt; None when allowed, else the seconds to wait (Retry-After)."""
        now = time.time()
        async with self.lock:
            keys = _keys(address, email)
            counters = [await self._read(key, now) for key in keys]
            full = [c for c in counters if c.count >= self.limit]
            if full:
                return max(1, math.ceil(max(c.reset for c in full) - now))
            for key, counter in zip(keys, counters, strict=True):
                counter.count += 1
                await self._write(key, counter, now)
        return None

    async def succeeded(self, address: str, email: str) -> None:
        """Give back the attempt counted by `begin`: a success costs nothing."""
        now = time.time()
        async with self.lock:
            for key in _keys(address, email):
                counter = await self._read(key, now)
                if counter.count > 0:
                    counter.count -= 1
                    await self._write(key, counter, now)
