#!/usr/bin/env python
"""How many scans per second eventnet takes, against the floor of a bare Flask endpoint on the same database.

    python bench/scan_bench.py [--seconds 10] [--postgres ADMIN_URL] [--attendees 2000] [--redis URL]

For each database (SQLite in a temp file; PostgreSQL in a throwaway database made with
scripts/pg_testdb.py when --postgres is given) it migrates and seeds an event, starts the app
under gunicorn on 127.0.0.1 (free port, 2 workers, gthread), logs scanners in through one-time
login links (GET the link page, POST its form, read the CSRF token from the home page), and
drives `POST /e/<slug>/api/scans` with JSON scans (a fresh uuid4 and a random pair each time)
from a load generator on loopback: a few processes of threads, each thread with a keep-alive
http.client connection. Closed loop for --seconds (throughput, p50, p99), then a fixed rate of
--rate scans/s (p99 measured from each scan's scheduled send time, so a stalled server cannot
hide its queue). The floors (bench/floor_app.py: one indexed SELECT and one committed INSERT per
request, in raw sqlite3, and with --postgres in raw psycopg on a throwaway database of the same
server) run under the same gunicorn settings and the same generator, and every figure of the app
is printed with its ratio to the floor of its own database, measured in the same run. The app
counts its rate limits in Redis (--redis, as deployed with REDIS_URL), under a key prefix of its
own that starts empty and is deleted at the end; in memory, with a note, when Redis does not answer. Traffic
stays on 127.0.0.1 and each run is bounded in time; everything the bench starts is stopped at the end.
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
PYTHON = sys.executable
SLUG = "bench"
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the app's package is one level up
WORKERS, THREADS = 2, 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def gunicorn(app: str, port: int, env: dict, cwd: Path) -> subprocess.Popen:
    """Start gunicorn (same settings for the app and the floor) and wait until it listens."""
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "--workers", str(WORKERS), "--worker-class", "gthread", "--threads", str(THREADS),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--keep-alive", "30", app],
        cwd=cwd, env=env,
    )
    wait_for_port(port, process)
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


# ----------------------------------------------------------------------------- seeding


def app_env(database_url: str, port: int, redis: tuple[str, str] | None = None) -> dict:
    """The app's environment: production mode, as gunicorn runs it for real.

    `redis`: (REDIS_URL, REDIS_KEY_PREFIX) for the rate limits; None counts them in each process.
    """
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "REDIS_KEY_PREFIX")}
    if redis:
        env["REDIS_URL"], env["REDIS_KEY_PREFIX"] = redis
    return {
        **env,
        "EVENTNET_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        # Required in production; nothing is sent during the bench (login links are made directly).
        "SMTP_URL": "smtp://127.0.0.1:9",
        "DATABASE_URL": database_url,
        "BASE_URL": f"http://127.0.0.1:{port}",
        # A few dozen scanners send thousands of scans a second here: the per-attendee limit
        # (300 a minute) would answer most of them 429. The limiter's own cost stays measured.
        "SCANS_PER_MINUTE": "100000000",
        "PYTHONPATH": str(ROOT),
    }


def seed(env: dict, attendees: int, scanners: int) -> tuple[list[str], list[str]]:
    """Migrate, create a running event with `attendees` people; return badge tokens and login links."""
    from eventnet import create_app

    os.environ.update(env)
    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade
        from sqlalchemy import insert

        from eventnet.attendees.models import Attendee
        from eventnet.auth.services import create_login_link
        from eventnet.badges.tokens import new_badge_token
        from eventnet.events.services import create_event
        from eventnet.extensions import db

        upgrade()
        now = datetime.now(timezone.utc)
        event = create_event(SLUG, "Bench Conference", now - timedelta(hours=1), now + timedelta(hours=8), "Europe/Berlin")
        db.session.execute(insert(Attendee), [
            {"event_id": event.id, "email": f"a{i}@bench.test", "email_key": f"a{i}@bench.test", "role": "attendee",
             "name": f"Attendee {i}", "company": f"Company {i % 97}", "headline": "Engineer", "links": [],
             "shared_fields": ["company", "headline", "email"], "badge_token": new_badge_token(),
             "short_code": f"B{i:07d}"}
            for i in range(attendees)
        ])
        people = db.session.execute(db.select(Attendee).order_by(Attendee.id)).scalars().all()
        links = [create_login_link(person).url for person in people[:scanners]]
        db.session.commit()
        tokens = [person.badge_token for person in people]
        db.engine.dispose()
    return tokens, links


def stored_counts(env: dict) -> tuple[int, int]:
    """(scans, connections) in the bench database, to check that every accepted scan was stored."""
    from eventnet import create_app

    os.environ.update(env)
    app = create_app()
    with app.app_context():
        from sqlalchemy import func

        from eventnet.connections.models import Connection, Scan
        from eventnet.extensions import db

        counts = (db.session.execute(db.select(func.count(Scan.id))).scalar_one(),
                  db.session.execute(db.select(func.count(Connection.id))).scalar_one())
        db.engine.dispose()
    return counts


# ----------------------------------------------------------------------------- HTTP client


class Browser:
    """One keep-alive connection with the app's session cookie, as a phone holds it."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        self.conn.request(method, path, body, headers)
        response = self.conn.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            pair = value.split(";", 1)[0]
            if pair.startswith("eventnet_session="):
                self.cookie = pair
        return response.status, data.decode("utf-8", "replace")


def log_in(port: int, link: str) -> tuple[str, str]:
    """Log in through a login link like a person would; return (session cookie, CSRF token)."""
    browser = Browser(port)
    parts = urlsplit(link)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    status, html = browser.request("GET", path)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if status != 200 or not token:
        raise SystemExit(f"the login link page answered {status} without a form")
    status, _ = browser.request("POST", path, urlencode({"csrf_token": token.group(1)}),
                                {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 303:
        raise SystemExit(f"logging in answered {status}, not 303")
    status, html = browser.request("GET", f"/e/{SLUG}/")
    csrf = re.search(r'"X-CSRFToken": "([^"]+)"', html)
    if status != 200 or not csrf:
        raise SystemExit(f"the event home answered {status} without a CSRF token")
    browser.conn.close()
    return browser.cookie, csrf.group(1)


# ----------------------------------------------------------------------------- load generator


@dataclass
class Load:
    port: int
    path: str
    sessions: list  # (cookie, csrf, own badge token); empty for the floor
    tokens: list
    seconds: float
    threads: int
    rate: float = 0.0  # scans per second across all processes; 0 = closed loop
    processes: int = 1
    start_at: float = 0.0  # time.monotonic() (system-wide on Linux) when sending starts


@dataclass
class Result:
    latencies: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)
    errors: int = 0
    elapsed: float = 0.0

    def add(self, other: Result) -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        self.elapsed = max(self.elapsed, other.elapsed)
        for status, n in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + n

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    def percentile(self, q: float) -> float:
        values = sorted(self.latencies)
        return values[min(int(q * len(values)), len(values) - 1)] * 1000 if values else float("nan")


def _one_scan(conn: http.client.HTTPConnection, load: Load, rng: random.Random) -> int:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if load.sessions:
        cookie, csrf, own = rng.choice(load.sessions)
        headers.update({"Cookie": cookie, "X-CSRFToken": csrf})
    else:
        own = None
    target = rng.choice(load.tokens)
    while target == own:
        target = rng.choice(load.tokens)
    body = json.dumps({"token": target, "client_uuid": str(uuid.uuid4()),
                       "scanned_at": datetime.now(timezone.utc).isoformat()})
    conn.request("POST", load.path, body, headers)
    response = conn.getresponse()
    response.read()
    return response.status


def _thread(load: Load, result: Result, lock: threading.Lock, schedule: list | None, index: int) -> None:
    rng = random.Random()
    conn = http.client.HTTPConnection("127.0.0.1", load.port, timeout=30)
    end = load.start_at + load.seconds
    mine = Result()
    while True:
        if schedule is None:
            now = time.monotonic()
            if now >= end:
                break
            due = now
        else:
            with lock:
                if not schedule:
                    break
                due = schedule.pop(0)
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        try:
            status = _one_scan(conn, load, rng)
            mine.statuses[status] = mine.statuses.get(status, 0) + 1
        except (OSError, http.client.HTTPException):
            mine.errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", load.port, timeout=30)
            continue
        # From the scheduled time at a fixed rate: a late send counts as waiting time.
        mine.latencies.append(time.monotonic() - due)
    conn.close()
    mine.elapsed = time.monotonic() - load.start_at
    with lock:
        result.add(mine)


def _process(load: Load, process_index: int) -> Result:
    pause = load.start_at - time.monotonic()
    if pause > 0:
        time.sleep(pause)
    result, lock = Result(), threading.Lock()
    schedule = None
    if load.rate:
        total = int(load.rate * load.seconds)
        step = 1.0 / load.rate
        schedule = [load.start_at + i * step for i in range(process_index, total, load.processes)]
    threads = [threading.Thread(target=_thread, args=(load, result, lock, schedule, i)) for i in range(load.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def drive(load: Load) -> Result:
    """Run the load from `load.processes` processes (one Python process cannot saturate a server)."""
    load.start_at = time.monotonic() + 0.5
    with multiprocessing.get_context("fork").Pool(load.processes) as pool:
        parts = pool.starmap(_process, [(load, i) for i in range(load.processes)])
    result = Result()
    for part in parts:
        result.add(part)
    if not load.rate:
        result.elapsed = load.seconds
    return result


# ----------------------------------------------------------------------------- runs


@dataclass
class Row:
    name: str
    closed: Result
    fixed: Result
    warmup: Result
    check: str = ""
    floor: str = ""  # the name of the floor row this one is compared with
    library_floor: str = ""  # and of the libraries' floor

    @property
    def rate(self) -> float:
        return self.closed.ok / self.closed.elapsed

    def answers(self, status: int) -> int:
        return sum(run.statuses.get(status, 0) for run in (self.warmup, self.closed, self.fixed))


def measure(name: str, port: int, path: str, sessions: list, tokens: list, args) -> Row:
    common = dict(port=port, path=path, sessions=sessions, tokens=tokens, threads=args.threads,
                  processes=args.processes)
    warmup = drive(Load(seconds=min(2.0, args.seconds), **common))  # imports, connection pools, caches
    closed = drive(Load(seconds=args.seconds, **common))
    fixed = drive(Load(seconds=args.seconds, rate=args.rate, **{**common, "threads": max(args.threads, 8)}))
    return Row(name, closed, fixed, warmup)


def run_app(name: str, database_url: str, args, floor: str, library_floor: str) -> Row:
    port = free_port()
    env = app_env(database_url, port, args.limits_store)
    tokens, links = seed(env, args.attendees, args.scanners)
    process = gunicorn("wsgi:app", port, env, ROOT)
    try:
        own = {link: token for link, token in zip(links, tokens)}
        sessions = [(*log_in(port, link), own[link]) for link in links]
        row = measure(name, port, f"/e/{SLUG}/api/scans", sessions, tokens, args)
        row.floor, row.library_floor = floor, library_floor
    finally:
        stop(process)
    scans, connections = stored_counts(env)
    # Every accepted scan is a row; every 201 (new) made both sides, every 200 (pair already
    # connected) made none. Anything else means a scan was lost or doubled.
    new, repeated = row.answers(201), row.answers(200)
    verdict = "OK" if (scans, connections) == (new + repeated, 2 * new) else "MISMATCH"
    row.check = (f"stored check {verdict}: {scans} scan rows for {new + repeated} accepted scans "
                 f"({new} new, {repeated} already connected), {connections} connection rows")
    return row


SQLITE_FLOOR, PG_FLOOR = "floor: Flask + raw sqlite3", "floor: Flask + raw psycopg"
SQLITE_LIBRARY_FLOOR, PG_LIBRARY_FLOOR = "floor + libraries, sqlite3", "floor + libraries, psycopg"


def run_floor(tokens: list, tmp: Path, args, pg_url: str | None = None, libraries: bool = False) -> Row:
    """A floor on SQLite (a temp file), or on PostgreSQL in the empty database at `pg_url`: the bare
    one (bench/floor_app.py), or with `libraries` the one that adds Flask-WTF, Flask-Limiter (on
    the bench's Redis) and a server-side session (bench/library_floor_app.py)."""
    sys.path.insert(0, str(BENCH))
    from floor_app import init_floor_db, init_floor_pg
    from library_floor_app import init_sessions

    env = {key: value for key, value in os.environ.items()
           if key not in ("FLOOR_DB", "FLOOR_PG", "REDIS_URL", "REDIS_KEY_PREFIX")}
    if pg_url:
        init_floor_pg(pg_url, tokens)
        env["FLOOR_PG"] = target = pg_url
    else:
        env["FLOOR_DB"] = target = str(tmp / ("floor-libraries.sqlite3" if libraries else "floor.sqlite3"))
        init_floor_db(target, tokens)
    if libraries:
        init_sessions(target, args.scanners)
        if args.limits_store:
            env["REDIS_URL"], env["REDIS_KEY_PREFIX"] = args.limits_store[0], args.limits_store[1] + "-floor"
    port = free_port()
    process = gunicorn("library_floor_app:app" if libraries else "floor_app:app", port, env, BENCH)
    try:
        sessions = [(*floor_log_in(port, n), tokens[n]) for n in range(args.scanners)] if libraries else []
        if libraries:
            refuses_without_csrf(port, sessions[0][0])
        names = (PG_LIBRARY_FLOOR, SQLITE_LIBRARY_FLOOR) if libraries else (PG_FLOOR, SQLITE_FLOOR)
        row = measure(names[0] if pg_url else names[1], port, "/scan", sessions, tokens, args)
        if libraries:  # compared with the bare floor: what the libraries cost
            row.floor = PG_FLOOR if pg_url else SQLITE_FLOOR
        return row
    finally:
        stop(process)


def refuses_without_csrf(port: int, cookie: str) -> None:
    """The libraries' floor must check what it stands for: a scan without its CSRF token is a 400."""
    browser = Browser(port)
    browser.cookie = cookie
    status, _ = browser.request("POST", "/scan", json.dumps({"token": "x", "client_uuid": str(uuid.uuid4())}),
                                {"Content-Type": "application/json"})
    browser.conn.close()
    if status != 400:
        raise SystemExit(f"the libraries' floor took a scan without a CSRF token ({status})")


def floor_log_in(port: int, n: int) -> tuple[str, str]:
    """Scanner n's (session cookie, CSRF token) on the libraries' floor."""
    browser = Browser(port)
    status, csrf = browser.request("GET", f"/login/{n}")
    browser.conn.close()
    if status != 200 or not browser.cookie.startswith("eventnet_session="):
        raise SystemExit(f"the libraries' floor answered {status} to a login")
    return browser.cookie, csrf


def report(rows: list[Row], floors: list[Row], args) -> None:
    print()
    print(f"scan benchmark: gunicorn {WORKERS} workers x {THREADS} threads (gthread) on 127.0.0.1; "
          f"{args.processes} x {args.threads} client connections; {args.seconds:g} s per run; "
          f"{args.attendees} attendees, {args.scanners} scanners logged in")
    print(f"rate limits counted in Redis at {args.limits_store[0]}" if args.limits_store
          else "rate limits counted in memory, in each worker (Redis did not answer; production uses REDIS_URL)")
    print(f"{'run':<30} {'scans/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs floor':>9} {'vs libs':>8} {'errors':>7}   "
          f"{'p99 ms at ' + format(args.rate, 'g') + '/s':>22}")
    floor_rates = {floor.name: floor.rate for floor in floors}
    for row in floors + rows:
        rate = row.rate
        # A floor is 1.00 against itself; the libraries' floor and the app against the bare floor
        # of their own database; the app also against the libraries' floor ("vs libs").
        base = floor_rates.get(row.floor, rate)
        ratio = rate / base if base else 0.0  # a floor that measured nothing fails in exit_status
        libraries = floor_rates.get(row.library_floor)
        versus_libraries = f"{rate / libraries:.2f}" if libraries else "-"
        bad = row.closed.errors + sum(n for s, n in row.closed.statuses.items() if not 200 <= s < 300)
        fixed = row.fixed
        fixed_text = f"{fixed.percentile(0.99):.1f} ({fixed.ok / fixed.elapsed:.0f}/s done)"
        print(f"{row.name:<30} {rate:>9.1f} {row.closed.percentile(0.5):>8.1f} {row.closed.percentile(0.99):>8.1f} "
              f"{ratio:>9.2f} {versus_libraries:>8} {bad:>7}   {fixed_text:>22}")
    for row in rows:
        print(f"  {row.name}: {row.check}")
    for row in rows:
        print(f"  {row.name} is compared with {row.floor}, and with {row.library_floor} (vs libs)")


def load_parser(description: str) -> argparse.ArgumentParser:
    """The options every load bench takes (this one and bench/card_bench.py): how long, which
    databases, how big an event, how much load."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each measured run (default 10)")
    parser.add_argument("--postgres", metavar="ADMIN_URL",
                        help="also run on PostgreSQL: a throwaway database is created on this server and dropped")
    parser.add_argument("--attendees", type=int, default=2000, help="attendees in the seeded event (default 2000)")
    parser.add_argument("--processes", type=int, default=2, help="load generator processes (default 2)")
    parser.add_argument("--threads", type=int, default=8, help="connections per generator process (default 8)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = load_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--scanners", type=int, default=50, help="attendees logged in who send scans (default 50)")
    parser.add_argument("--rate", type=float, default=200.0, help="scans per second of the fixed-rate run (default 200)")
    parser.add_argument("--redis", default=DEFAULT_REDIS, metavar="URL",
                        help=f"Redis for the app's rate limits, as REDIS_URL in production (default {DEFAULT_REDIS}); "
                             "keys under a fresh prefix, deleted at the end; in memory if it does not answer")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 120:
        parser.error("--seconds must be between 0 and 120")
    args.scanners = max(1, min(args.scanners, args.attendees - 1))

    rows: list[Row] = []
    floors: list[Row] = []
    tokens = [f"floor-token-{i}" for i in range(args.attendees)]
    with limits_store(args.redis) as args.limits_store, tempfile.TemporaryDirectory(prefix="eventnet-bench-") as tmp:
        tmp_path = Path(tmp)
        sqlite_url = "sqlite:///" + str(tmp_path / "bench.sqlite3")
        print("SQLite: seeding, starting gunicorn, logging scanners in, sending scans ...", flush=True)
        rows.append(run_app("eventnet on SQLite", sqlite_url, args, SQLITE_FLOOR, SQLITE_LIBRARY_FLOOR))
        if args.postgres:
            with throwaway_pg(args.postgres) as pg_url:
                print("PostgreSQL: seeding, starting gunicorn, logging scanners in, sending scans ...", flush=True)
                rows.append(run_app("eventnet on PostgreSQL", pg_url, args, PG_FLOOR, PG_LIBRARY_FLOOR))
        print("Floor: the same load on a bare Flask + sqlite3 endpoint ...", flush=True)
        floors.append(run_floor(tokens, tmp_path, args))
        if args.postgres:
            with throwaway_pg(args.postgres) as pg_url:
                print("Floor: the same load on a bare Flask + psycopg endpoint ...", flush=True)
                floors.append(run_floor(tokens, tmp_path, args, pg_url))
        print("Floor with the libraries (Flask-WTF, Flask-Limiter, a server-side session) on sqlite3 ...", flush=True)
        floors.append(run_floor(tokens, tmp_path, args, libraries=True))
        if args.postgres:
            with throwaway_pg(args.postgres) as pg_url:
                print("Floor with the libraries on psycopg ...", flush=True)
                floors.append(run_floor(tokens, tmp_path, args, pg_url, libraries=True))
    report(rows, floors, args)
    return exit_status(rows, floors)


DEFAULT_REDIS = "redis://127.0.0.1:6379/14"


@contextlib.contextmanager
def limits_store(url: str):
    """(REDIS_URL, a fresh key prefix) when Redis at `url` answers, else None (counted in memory).

    A prefix of its own instead of FLUSHDB: the counters start empty without emptying a
    database someone else may use; its keys are deleted at the end.
    """
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except (redis.RedisError, OSError, ValueError) as error:
        print(f"Note: Redis at {url} does not answer ({error}): the app counts its rate limits in memory, "
              "not as deployed with REDIS_URL.", flush=True)
        yield None
        return
    prefix = f"eventnet-bench-{secrets.token_hex(4)}"
    try:
        yield url, prefix
    finally:
        keys = list(client.scan_iter(f"*{prefix}*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start:start + 500])
        client.close()


@contextlib.contextmanager
def throwaway_pg(admin_url: str):
    """A database made by scripts/pg_testdb.py on the server at `admin_url`, dropped afterwards."""
    script = str(ROOT / "scripts" / "pg_testdb.py")
    url = subprocess.run([PYTHON, script, "create", admin_url], check=True, capture_output=True, text=True).stdout.strip()
    try:
        yield url
    finally:
        subprocess.run([PYTHON, script, "drop", admin_url, url], check=False)


def exit_status(rows: list[Row], floors: list[Row]) -> int:
    """0 when every run measured scans and stored exactly what it accepted; else 1, with why."""
    failures = [f"{row.name}: no scan accepted in the {run} run" for row in floors + rows
                for run, measured in (("closed-loop", row.closed), ("fixed-rate", row.fixed)) if not measured.ok]
    failures += [f"{row.name}: {row.check}" for row in rows if "stored check OK" not in row.check]
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
