"""Rate limits: the in-process counter, and Redis shared by several app processes."""
from __future__ import annotations

import logging
import os
import threading
import time
import uuid

import pytest

from eventnet import ratelimit
from eventnet.ratelimit import MemoryBackend, RedisBackend

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip()


def test_app_without_redis_counts_in_memory(app):
    assert isinstance(ratelimit.backend(), MemoryBackend)
    assert [ratelimit.hit("k", 3, 60) for _ in range(5)] == [True, True, True, False, False]
    assert ratelimit.hit("other", 3, 60) is True
    assert ratelimit.hit("k", 3, 3600) is True  # another window length is another limit


def test_memory_window_ends(app):
    backend = MemoryBackend()
    # Start right after a window boundary so both hits fall in the same one-second window.
    time.sleep(1 - time.time() % 1 + 0.01)
    assert backend.hit("w", 1, 1) is True
    assert backend.hit("w", 1, 1) is False
    time.sleep(1.05)
    assert backend.hit("w", 1, 1) is True


def test_memory_backend_is_thread_safe():
    backend = MemoryBackend()
    allowed = []

    def worker():
        allowed.extend(backend.hit("t", 500, 3600) for _ in range(200))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 500


def test_memory_backend_forgets_stale_windows():
    backend = MemoryBackend()
    backend.PRUNE_AT = 10
    for n in range(9):
        backend.hit(f"old{n}", 5, 1)
    time.sleep(1.05)
    backend.hit("new", 5, 1)
    backend.hit("newer", 5, 1)
    assert set(k for k, _ in backend._counts) <= {"new", "newer"}


@pytest.fixture
def redis_url():
    if not TEST_REDIS_URL:
        pytest.skip("TEST_REDIS_URL is not set: no Redis to test against (CI sets it)")
    return TEST_REDIS_URL


def test_redis_is_shared_by_processes(app_factory, redis_url):
    import redis

    key = f"test-{uuid.uuid4().hex}"
    first, second = app_factory(REDIS_URL=redis_url), app_factory(REDIS_URL=redis_url)
    try:
        with first.app_context():
            assert isinstance(ratelimit.backend(), RedisBackend)
            assert [ratelimit.hit(key, 3, 60) for _ in range(2)] == [True, True]
        with second.app_context():
            assert [ratelimit.hit(key, 3, 60) for _ in range(2)] == [True, False]
        client = redis.Redis.from_url(redis_url)
        [name] = client.keys(f"{RedisBackend.PREFIX}{key}:*")
        assert int(client.get(name)) == 4
        assert 0 < client.ttl(name) <= 61
    finally:
        client = redis.Redis.from_url(redis_url)
        for name in client.keys(f"{RedisBackend.PREFIX}{key}:*"):
            client.delete(name)


def test_login_limit_holds_across_processes_through_redis(app_factory, redis_url, make_event):
    import redis

    from conftest import csrf_token
    from eventnet.auth.services import _address_key

    event = make_event()
    address = f"{uuid.uuid4().hex}@example.org"
    client_ip = f"198.51.100.{uuid.uuid4().int % 250}"
    apps = [app_factory(REDIS_URL=redis_url), app_factory(REDIS_URL=redis_url)]
    redis_client = redis.Redis.from_url(redis_url)
    patterns = [f"{RedisBackend.PREFIX}login-client:{client_ip}:*",
                f"{RedisBackend.PREFIX}login-address:{_address_key(event, address)}:*"]
    try:
        statuses = []
        for n in range(6):
            app = apps[n % 2]  # alternate between the two "processes"
            with app.app_context():
                client = app.test_client()
                token = csrf_token(client, f"/e/{event.slug}/login")
                statuses.append(client.post(f"/e/{event.slug}/login", environ_base={"REMOTE_ADDR": client_ip},
                                            data={"email": address, "csrf_token": token}).status_code)
        assert statuses == [303] * 5 + [429]
    finally:
        for pattern in patterns:
            for name in redis_client.keys(pattern):
                redis_client.delete(name)


def test_unreachable_redis_fails_open_and_logs(caplog):
    from conftest import free_port

    backend = RedisBackend(f"redis://127.0.0.1:{free_port()}/0")
    with caplog.at_level(logging.ERROR, logger="eventnet.ratelimit"):
        assert backend.hit("x", 1, 60) is True
    assert "rate limit store unreachable" in caplog.text
