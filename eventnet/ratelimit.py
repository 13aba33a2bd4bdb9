"""Fixed-window rate limits, counted in this process or, with REDIS_URL set, in Redis.

One process (the embedded default) counts in memory. Several gunicorn workers must share
their counts or each would allow the full limit, so with REDIS_URL set every process counts
in Redis (INCR and EXPIRE in one pipeline).

Limits are keyed by whatever the caller passes; for "per client" limits use `client_key()`,
which is `request.remote_addr`. Behind a reverse proxy that is the proxy's address, so every
visitor would share one limit: wrap the app in werkzeug's ProxyFix (with the number of proxies
you trust) so remote_addr is the visitor's address again.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

from flask import Flask, current_app, request

EXTENSION_KEY = "eventnet.ratelimit"
log = logging.getLogger(__name__)


class Backend(Protocol):
    def hit(self, key: str, limit: int, window_seconds: int) -> bool: ...


class MemoryBackend:
    """Counts in a dict guarded by a lock: right for one process, wrong for several."""

    # Forgetting stale windows once the table is this big keeps memory bounded under a flood.
    PRUNE_AT = 10_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, int], tuple[int, int]] = {}

    def hit(self, key: str, limit: int, window_seconds: int) -> bool:
        window = int(time.time() // window_seconds)
        with self._lock:
            if len(self._counts) >= self.PRUNE_AT:
                self._prune()
            started, count = self._counts.get((key, window_seconds), (window, 0))
            count = count + 1 if started == window else 1
            self._counts[(key, window_seconds)] = (window, count)
        return count <= limit

    def _prune(self) -> None:
        now = time.time()
        self._counts = {
            k: v for k, v in self._counts.items() if v[0] == int(now // k[1])
        }


class RedisBackend:
    """Counts in Redis, shared by every process that uses the same REDIS_URL."""

    PREFIX = "eventnet:ratelimit:"

    def __init__(self, url: str) -> None:
        import redis

        # from_url does not connect; the first hit does. Short timeouts: a slow Redis must not
        # hold a login request for long.
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def hit(self, key: str, limit: int, window_seconds: int) -> bool:
        import redis

        window = int(time.time() // window_seconds)
        name = f"{self.PREFIX}{key}:{window_seconds}:{window}"
        try:
            pipe = self.client.pipeline(transaction=True)
            pipe.incr(name)
            pipe.expire(name, window_seconds + 1)
            count, _ = pipe.execute()
        except redis.RedisError:
            # Fail open: an unreachable Redis must not lock every attendee out of logging in.
            # The error is logged so the outage is seen; the token limits still hold.
            log.exception("rate limit store unreachable; allowing %s", key)
            return True
        return int(count) <= limit


def init_app(app: Flask) -> None:
    """Choose the backend from REDIS_URL and keep it on the app (no connection is made here)."""
    url = app.config.get("REDIS_URL", "")
    app.extensions[EXTENSION_KEY] = RedisBackend(url) if url else MemoryBackend()


def backend() -> Backend:
    return current_app.extensions[EXTENSION_KEY]


def hit(key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit on `key`; False when that makes more than `limit` in the current window."""
    return backend().hit(key, limit, window_seconds)


def client_key() -> str:
    """The client's address (see the module docstring about ProxyFix behind a proxy)."""
    return request.remote_addr or "unknown"
