"""A per-process cache of principals (api.accounts.staff) that is never stale.

Every request turns its token or session into a Principal with one keyed read; on PostgreSQL
that read is a whole round trip, as costly as the rest of a small request. The cache keeps
the principals read, and is emptied whenever the rows they come from may have changed:

- SQLite: `PRAGMA data_version` of the engine's reader connection changes whenever another
  connection (another process, or this process's write pool) commits. It is read at every
  lookup (microseconds); a change empties the cache first. Exact: the next request sees any
  commit made before it.
- PostgreSQL: statement-level triggers on account, api_token, account_establishment and
  establishment notify `ordipret_principals` (accounts migration 2026-12-06T15:30), which
  PostgreSQL delivers at commit. A dedicated connection per process listens and empties the
  cache. The window: a commit by another connection is seen once its notification arrives
  (milliseconds). The use-cases of this process that change a principal empty the cache
  themselves after committing (`invalidate`), so their own next request is exact.
  While the listener is not known connected, the cache is off: every lookup reads.

No lost invalidation: a read started before an invalidation and finished after it would store
what the invalidation meant to remove. A generation counter, bumped by every invalidation, is
captured before the read; the result is stored only if it has not moved.

Outside the app's lifespan (command line, tests calling functions directly) nothing is
cached: lookups read, as before. Only principals found are kept (an unknown token, spraying
or not, is never stored), keyed by the token's SHA-256 digest or the account id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from typing import Any, TypeVar

import asyncpg

CHANNEL = "ordipret_principals"
APPLICATION_NAME = "ordipret principal cache"  # how the listener shows in pg_stat_activity
MAX_ENTRIES = 10_000
MAX_AGE_S = 300.0  # a safety net only: invalidation, not age, keeps entries right
_RETRY_S = (0.05, 5.0)  # back-off of the listener's reconnection: first, longest
# A listener whose connection died without closing (a network cut) is found by a ping: until
# then the cache may miss notifications, so the ping is frequent (a tiny query per process).
_PING_S = 5.0

log = logging.getLogger(__name__)
T = TypeVar("T")


class PrincipalCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, max_age_s: float = MAX_AGE_S) -> None:
        self.max_entries = max_entries
        self.max_age_s = max_age_s
        self.generation = 0
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        # Whether entries may be used now, called at each lookup (and free to invalidate
        # first); None: the cache is off.
        self._usable: Callable[[], bool] | None = None

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    @property
    def on(self) -> bool:
        return self._usable is not None

    def invalidate(self) -> None:
        self.generation += 1
        self._entries.clear()

    def turn_on(self, usable: Callable[[], bool]) -> None:
        self.invalidate()  # whatever happened while off was not seen
        self._usable = usable

    def turn_off(self) -> None:
        self._usable = None
        self.invalidate()  # reads in flight must not store

    async def lookup(self, key: Hashable, read: Callable[[Any], Awaitable[T]], arg: Any) -> T:
        usable = self._usable
        if usable is None or not usable():
            return await read(arg)
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None:
            if now - entry[0] < self.max_age_s:
                return entry[1]
            self._entries.pop(key, None)
        generation = self.generation
        found = await read(arg)
        if found is not None and generation == self.generation:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # simple eviction: a full cache refills in one read each
            self._entries[key] = (now, found)
        return found


# One cache per engine in a lifespan, found by the engine the tables are bound to now: a
# second app (tests, tools) binding another engine reads uncached, never through the wrong
# source of invalidation.
_caches: dict[int, PrincipalCache] = {}


def cache_for(engine: object) -> PrincipalCache | None:
    return _caches.get(id(engine))


def invalidate() -> None:
    """After this process committed a change to an account, its tokens or establishments."""
    for cache in _caches.values():
        cache.invalidate()


async def lookup(engine: Any, key: Hashable, read: Callable[[Any], Awaitable[T]], arg: Any) -> T:
    cache = _caches.get(id(engine))
    # Inside a transaction a read may see its uncommitted writes, and a rollback notifies
    # nobody: such a read is never stored (nor served from the cache, for the same reason).
    if cache is None or engine.current_transaction.get() is not None:
        return await read(arg)
    return await cache.lookup(key, read, arg)


def _sqlite_freshness(cache: PrincipalCache, data_version: Callable[[], int | None]):
    seen = data_version()

    def usable() -> bool:
        nonlocal seen
        version = data_version()
        if version is None:  # the pool is closed: read as without a cache
            return False
        if version != seen:
            seen = version
            cache.invalidate()
        return True

    return usable


# The triggers the accounts migration adds: without them (a database not migrated yet) no
# notification would ever come, and the cache must stay off.
TRIGGERS = (
    "account_principals_changed",
    "api_token_principals_changed",
    "account_establishment_principals_changed",
    "establishment_principals_changed",
)


class _Listener:
    """The PostgreSQL listening connection, reopened with a back-off while the cache is off."""

    def __init__(self, cache: PrincipalCache, dsn: str) -> None:
        self.cache, self.dsn = cache, dsn
        self.connection: asyncpg.Connection | None = None
        self.lost = asyncio.Event()

    def _notified(self, *_: object) -> None:
        self.cache.invalidate()

    def _terminated(self, *_: object) -> None:
        self.cache.turn_off()
        self.lost.set()

    async def connect(self) -> bool:
        """Listen; False when the database lacks the triggers (the cache then stays off)."""
        connection = await asyncpg.connect(
            self.dsn, server_settings={"application_name": APPLICATION_NAME}
        )
        try:
            found = await connection.fetchval(
                "SELECT count(*) FROM pg_trigger WHERE tgname = ANY($1::text[])", list(TRIGGERS)
            )
            if found != len(TRIGGERS):
                await connection.close()
                return False
            await connection.add_listener(CHANNEL, self._notified)
        except BaseException:
            connection.terminate()
            raise
        connection.add_termination_listener(self._terminated)
        self.connection = connection
        self.lost.clear()
        self.cache.turn_on(lambda: True)  # empties first: changes made while off were missed
        return True

    def drop(self) -> None:
        self.cache.turn_off()
        if self.connection is not None:
            self.connection.remove_termination_listener(self._terminated)
            self.connection.terminate()  # no goodbye: it may be dead already
            self.connection = None

    async def run(self) -> None:
        """Keep listening: reconnect after a loss, with a back-off, the cache off meanwhile."""
        delay = _RETRY_S[0]
        while True:
            if self.connection is None or self.lost.is_set():
                self.drop()
                try:
                    if not await self.connect():
                        log.warning("principal cache off: the database lacks its triggers")
                        return
                    delay = _RETRY_S[0]
                except Exception as error:
                    log.warning("principal cache off: cannot listen (%r); retrying", error)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, _RETRY_S[1])
                    continue
            # Wait for the termination, or ping now and then: a connection that died without
            # closing (a network cut) would otherwise keep the cache on, deaf.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.lost.wait(), _PING_S)
            if not self.lost.is_set():
                try:
                    assert self.connection is not None
                    await asyncio.wait_for(self.connection.execute("SELECT 1"), _PING_S / 2)
                except Exception as error:
                    log.warning("principal cache off: listener lost (%r)", error)
                    self.lost.set()
            else:
                log.warning("principal cache off: listener connection closed; reconnecting")


@contextlib.asynccontextmanager
async def serving(engine: Any) -> AsyncIterator[PrincipalCache]:
    """The cache of this engine for the app's lifespan (after the pool has opened)."""
    cache = PrincipalCache()
    task = listener = None
    if engine.engine_type == "postgres":
        listener = _Listener(cache, engine.config["dsn"])
        try:  # at once, so that the first requests are served from it; else the task retries
            listening = await listener.connect()
        except Exception as error:
            log.warning("principal cache off: cannot listen (%r); retrying", error)
            listening = True
        if not listening:
            log.warning("principal cache off: the database lacks its triggers (not migrated?)")
        else:
            task = asyncio.create_task(listener.run(), name="principal-cache-listener")
    elif (data_version := getattr(engine, "data_version", None)) is not None:
        cache.turn_on(_sqlite_freshness(cache, data_version))
    _caches[id(engine)] = cache
    try:
        yield cache
    finally:
        _caches.pop(id(engine), None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if listener is not None:
            listener.drop()
        cache.turn_off()
