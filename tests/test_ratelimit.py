"""Rate limits (Flask-Limiter): who is counted, shared through Redis, and sized for a crowd."""
from __future__ import annotations

import hashlib
import logging
import os
import uuid

import pytest
from conftest import csrf_token, free_port

from eventnet.config import load_config
from eventnet.ratelimit import STRATEGY

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip()


def request_link(client, event, address, **kw):
    slug = event if isinstance(event, str) else event.slug
    token = csrf_token(client, f"/e/{slug}/login")
    return client.post(f"/e/{slug}/login", data={"email": address, "csrf_token": token}, **kw)


def search(client, event, q="person", **kw):
    return client.get(f"/e/{event.slug}/scan/search", query_string={"q": q}, **kw)


def test_a_crowd_behind_one_address_can_all_ask_for_links(client, make_event, make_attendee):
    """A venue's Wi-Fi puts everyone behind one address: 45 people logging in at once all get through."""
    event = make_event()
    venue = {"environ_base": {"REMOTE_ADDR": "203.0.113.9"}}
    people = [make_attendee(event) for _ in range(45)]
    assert [request_link(client, event, p.email, **venue).status_code for p in people] == [303] * 45


def test_a_script_spraying_addresses_from_one_client_is_stopped(app, client, make_event):
    app.config["RATE_LIMITS"] = {"login_per_client": "12 per 15 minutes"}
    event = make_event()
    script = {"environ_base": {"REMOTE_ADDR": "198.51.100.7"}}
    statuses = [request_link(client, event, f"p{n}@example.org", **script).status_code for n in range(13)]
    assert statuses == [303] * 12 + [429]
    refused = request_link(client, event, "p99@example.org", **script)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert "Too many login attempts" in refused.get_data(as_text=True)
    # Somebody else, elsewhere, is not affected.
    assert request_link(client, event, "p99@example.org").status_code == 303


def test_per_browser_limits_count_the_session_not_the_address(app, make_event, make_attendee, login):
    app.config["RATE_LIMITS"] = {"scanner_search": "3 per minute"}
    event = make_event()
    venue = {"environ_base": {"REMOTE_ADDR": "203.0.113.50"}}
    ada, bo = app.test_client(), app.test_client()
    login(ada, make_attendee(event))
    login(bo, make_attendee(event))
    assert [search(ada, event, **venue).status_code for _ in range(4)] == [200, 200, 200, 429]
    # The active search (htmx) says so where its results go, instead of silently not swapping.
    swapped = search(ada, event, headers={"HX-Request": "true"}, **venue)
    assert swapped.status_code == 200 and "Too many searches in a short time" in swapped.get_data(as_text=True)
    assert 'id="search-results"' in swapped.get_data(as_text=True) and int(swapped.headers["Retry-After"]) > 0
    # Bo shares Ada's address (the venue's Wi-Fi) and still has his own searches.
    assert search(bo, event, **venue).status_code == 200
    # Typing too little to search is free.
    assert search(ada, event, q="a", **venue).status_code == 200


def test_without_trusted_proxies_forwarded_for_is_ignored(app, client, make_event):
    """Anyone can send X-Forwarded-For: with no proxy trusted, a script cannot dodge its limit with it."""
    app.config["RATE_LIMITS"] = {"login_per_client": "3 per 15 minutes"}
    event = make_event()
    statuses = [request_link(client, event, f"q{n}@example.org",
                             headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code for n in range(4)]
    assert statuses == [303, 303, 303, 429]


def test_behind_a_trusted_proxy_each_visitor_is_counted_alone(app_factory, make_event):
    slug = make_event().slug
    app = app_factory(TRUSTED_PROXIES=1, RATE_LIMITS={"login_per_client": "3 per 15 minutes"})
    client = app.test_client()
    proxy = {"environ_base": {"REMOTE_ADDR": "127.0.0.1"}}
    # The proxy appends the address it saw; a forged first entry is not the one counted.
    for visitor in ("192.0.2.1", "192.0.2.2"):
        statuses = [request_link(client, slug, f"{visitor}-{n}@example.org", headers={
            "X-Forwarded-For": f"10.9.9.{n}, {visitor}", "X-Forwarded-Proto": "https",
            "Referer": f"https://localhost/e/{slug}/login"}, **proxy).status_code
            for n in range(4)]
        assert statuses == [303, 303, 303, 429], visitor


def test_production_without_redis_says_what_that_means(tmp_path, caplog):
    from eventnet import create_app

    env = {"EVENTNET_ENV": "production", "SECRET_KEY": "x" * 40, "SMTP_URL": "smtp://127.0.0.1:25",
           "WEB_CONCURRENCY": "4", "DATABASE_URL": f"sqlite:///{tmp_path}/p.sqlite3"}
    with caplog.at_level(logging.WARNING, logger="eventnet.ratelimit"):
        create_app(load_config(str(tmp_path), env))
    assert "REDIS_URL is not set" in caplog.text and "WEB_CONCURRENCY=4" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="eventnet.ratelimit"):
        create_app(load_config(str(tmp_path), {**env, "REDIS_URL": "redis://127.0.0.1:6379/15"}))
    assert "REDIS_URL" not in caplog.text


@pytest.fixture
def redis_url():
    if not TEST_REDIS_URL:
        pytest.fail("TEST_REDIS_URL is not set: the Redis tests need one (scripts/test.sh sets it)")
    return TEST_REDIS_URL


def test_login_limit_holds_across_processes_through_redis(app_factory, redis_url, make_event):
    """Two app instances (two gunicorn workers) count one address's requests together."""
    import redis

    slug = make_event().slug
    apps = [app_factory(REDIS_URL=redis_url, RATELIMIT_STRATEGY=STRATEGY) for _ in range(2)]
    address = f"{uuid.uuid4().hex}@example.org"
    # What the limit is keyed on: a hash, so that Redis holds no email address.
    hashed = hashlib.sha256(f"{slug}:{address}".encode()).hexdigest()[:32]
    statuses = []
    try:
        for n in range(6):
            app = apps[n % 2]  # alternate between the two "processes"
            statuses.append(request_link(app.test_client(), slug, address).status_code)
        assert statuses == [303] * 5 + [429]
        client = redis.Redis.from_url(redis_url)
        assert client.keys(f"*{hashed}*") and not client.keys(f"*{address}*")
    finally:
        client = redis.Redis.from_url(redis_url)
        for key in client.keys(f"*{hashed}*"):
            client.delete(key)


def test_unreachable_redis_neither_locks_people_out_nor_fails(app_factory, make_event, caplog):
    slug = make_event().slug
    app = app_factory(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", RATE_LIMITS={"login_per_address": "2 per minute"})
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        statuses = [request_link(client, slug, "same@example.org").status_code for _ in range(3)]
    # Counted in this process while Redis is away: the limit still holds, nobody gets a 500.
    assert statuses == [303, 303, 429]
    assert "falling back to in-memory storage" in caplog.text


def test_each_scan_is_counted_once_in_redis(app_factory, redis_url, login, make_event, make_attendee):
    """The scans limit is hit once per scan, whatever hooks and decorators the request passes."""
    import redis

    from conftest import csrf_token

    from eventnet.auth.session import SESSION_KEY, hash_session_token

    event = make_event()
    scanner = make_attendee(event, "scanner@example.org", "Scanner")
    others = [make_attendee(event, f"other{n}@example.org", f"Other {n}") for n in range(3)]
    app_factory()  # counts in a moving window (conftest): the next app still counts in its own
    app = app_factory(REDIS_URL=redis_url, RATELIMIT_STRATEGY=STRATEGY)
    client = login(app.test_client(), scanner)
    token = csrf_token(client, f"/e/{event.slug}/")
    with client.session_transaction() as session:
        counter = f"*session:{hash_session_token(session[SESSION_KEY])[:32]}/scans/*"  # this browser's count only
    store = redis.Redis.from_url(redis_url)

    def counted() -> int:
        # Production's sliding-window counter: the current and the previous window's keys hold the hits.
        return sum(int(store.get(key) or 0) for key in store.keys(counter))

    try:
        for n, other in enumerate(others, start=1):
            response = client.post(f"/e/{event.slug}/api/scans", json={"token": other.badge_token, "client_uuid": str(uuid.uuid4())},
                                   headers={"X-CSRFToken": token, "Accept": "application/json"})
            assert response.status_code == 201
            assert counted() == n
    finally:
        for key in store.keys(counter):
            store.delete(key)


def test_a_default_limit_keeps_the_before_request_check(app_factory, make_event):
    """Flask-Limiter's per-request pass is dropped only while no limit needs it (ratelimit.check_in_views_only)."""
    from eventnet.extensions import limiter

    slug = make_event().slug
    try:
        client = app_factory(RATELIMIT_DEFAULT="2 per minute").test_client()
        assert [client.get(f"/e/{slug}/login").status_code for _ in range(3)] == [200, 200, 429]
    finally:
        # The extension object keeps a default limit for every app built after this one.
        limiter.limit_manager.set_default_limits([])
