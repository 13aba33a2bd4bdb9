#!/usr/bin/env python
"""How many public card pages (/b/<token>) per second eventnet serves, against a bare floor.

    python bench/card_bench.py [--seconds 10] [--postgres ADMIN_URL] [--attendees 2000]

Every camera-app scan of a badge opens this page. For each database (SQLite in a temp file;
PostgreSQL in a throwaway database made with scripts/pg_testdb.py with --postgres) it migrates
and seeds an event (bench/scan_bench.py's seeding), starts the app under gunicorn as scan_bench
does, and sends GET /b/<token> for random badges from keep-alive connections on loopback: as
a phone nobody is logged in on (the camera app's browser), and as an attendee of the same event
logged in through a one-time login link (the page then also looks for a connection to offer
"Exchange cards" or show the copy they hold). The floor (bench/card_floor_app.py) is a bare
Flask page doing one indexed raw SELECT (sqlite3 for SQLite; psycopg on the same PostgreSQL
server for PostgreSQL) and rendering a Jinja page of the same size as eventnet's, under the same gunicorn settings and the same generator. The floor, the visitor's
and the attendee's pages are measured in turns (--rounds, 3: each gets a third of --seconds at
a time), so that other programs on a shared machine weigh on all of them alike; each figure is
printed with its ratio to the floor measured in turns with it. Each answer is checked (200 and the owner's name
on it); the script exits 1 when a run measured nothing or an answer was wrong.
"""
from __future__ import annotations

import http.client
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from scan_bench import (THREADS, WORKERS, app_env, free_port, gunicorn, load_parser, log_in, seed, stop,  # noqa: E402
                        throwaway_pg)


@dataclass
class Result:
    latencies: list = field(default_factory=list)
    ok: int = 0
    wrong: int = 0
    errors: int = 0
    bytes: int = 0

    def add(self, other: "Result") -> None:
        self.latencies += other.latencies
        self.ok += other.ok
        self.wrong += other.wrong
        self.errors += other.errors
        self.bytes = max(self.bytes, other.bytes)

    def percentile(self, q: float) -> float:
        values = sorted(self.latencies)
        return values[min(int(q * len(values)), len(values) - 1)] * 1000 if values else float("nan")


def _thread(port: int, people: list, cookie: str, end: float, result: Result, lock: threading.Lock) -> None:
    rng = random.Random()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    mine = Result()
    while time.monotonic() < end:
        token, name = rng.choice(people)
        start = time.monotonic()
        try:
            conn.request("GET", f"/b/{token}", headers=headers)
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            mine.errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        mine.latencies.append(time.monotonic() - start)
        # The page must be this badge's: its owner's name in the heading.
        if response.status == 200 and f"<h1>{name}</h1>".encode() in body:
            mine.ok += 1
            mine.bytes = len(body)
        else:
            mine.wrong += 1
    conn.close()
    with lock:
        result.add(mine)


def _process(port: int, people: list, cookie: str, start_at: float, seconds: float, threads: int) -> Result:
    time.sleep(max(0.0, start_at - time.monotonic()))
    result, lock = Result(), threading.Lock()
    workers = [threading.Thread(target=_thread, args=(port, people, cookie, start_at + seconds, result, lock))
               for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return result


def drive(port: int, people: list, cookie: str, seconds: float, args) -> Result:
    """A closed loop of GETs from `args.processes` x `args.threads` keep-alive connections."""
    start_at = time.monotonic() + 0.3
    with multiprocessing.get_context("fork").Pool(args.processes) as pool:
        parts = pool.starmap(_process, [(port, people, cookie, start_at, seconds, args.threads)] * args.processes)
    result = Result()
    for part in parts:
        result.add(part)
    return result


@dataclass
class Row:
    name: str
    result: Result = field(default_factory=Result)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.result.ok / self.seconds if self.seconds else 0.0

    def add(self, result: Result, seconds: float) -> None:
        self.result.add(result)
        self.seconds += seconds


@dataclass
class Server:
    """A running gunicorn, and what the generator sends it: (token, name) pairs and a cookie."""
    name: str
    port: int
    people: list
    cookie: str = ""


def measure_in_turns(servers: list[Server], args) -> list[Row]:
    """Each server in turn, `args.rounds` times, `args.seconds / args.rounds` each: on a shared
    machine the load of other programs comes and goes, and a floor measured minutes apart from
    the app would carry a different share of it (the ratios moved by 2x between runs before)."""
    for server in servers:  # warm-up: imports, pools, caches
        drive(server.port, server.people, server.cookie, min(1.0, args.seconds), args)
    rows = [Row(server.name) for server in servers]
    turn = args.seconds / args.rounds
    for _ in range(args.rounds):
        for server, row in zip(servers, rows):
            row.add(drive(server.port, server.people, server.cookie, turn, args), turn)
    return rows


def page_size(port: int, token: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/b/{token}")
    size = len(conn.getresponse().read())
    conn.close()
    return size


def start_floor(people: list, page_bytes: int, tmp: Path, database_url: str) -> tuple[subprocess.Popen, Server]:
    """The floor on the same kind of database as the app: raw sqlite3 in a file of its own, or
    raw psycopg on a table of its own in the app's PostgreSQL database."""
    from card_floor_app import init_card_floor_db

    postgres = database_url.startswith("postgresql")
    path = database_url.replace("postgresql+psycopg://", "postgresql://") if postgres else str(tmp / "card_floor.sqlite3")
    floor_people = [(f"floor-token-{i}", name) for i, (_, name) in enumerate(people)]
    init_card_floor_db(path, [(t, n, "Engineer", f"Company {i % 97}", f"a{i}@bench.test")
                              for i, (t, n) in enumerate(floor_people)])
    port = free_port()
    env = {**os.environ, "CARD_FLOOR_PG" if postgres else "CARD_FLOOR_DB": path, "CARD_PAGE_BYTES": str(page_bytes)}
    name = "floor: Flask + raw psycopg" if postgres else "floor: Flask + raw sqlite3"
    return gunicorn("card_floor_app:app", port, env, BENCH), Server(name, port, floor_people)


def run_database(label: str, database_url: str, tmp: Path, args) -> tuple[list[Row], int]:
    """The floor, the anonymous and the logged-in page on one database, measured in turns; and
    the size of the app's page (which the floor's page is padded to)."""
    port = free_port()
    env = app_env(database_url, port)
    tokens, links = seed(env, args.attendees, 1)
    people = [(token, f"Attendee {i}") for i, token in enumerate(tokens)]
    processes = [gunicorn("wsgi:app", port, env, ROOT)]
    try:
        cookie, _ = log_in(port, links[0])
        size = page_size(port, tokens[1])
        floor_process, floor = start_floor(people, size, tmp / label, database_url)
        processes.append(floor_process)
        rows = measure_in_turns([floor, Server(f"{label}, anonymous", port, people),
                                 Server(f"{label}, logged in", port, people[1:], cookie)], args)
    finally:
        for process in processes:
            stop(process)
    return rows, size


def main(argv: list[str] | None = None) -> int:
    parser = load_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="turns each run's seconds are split into (default 3)")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 120:
        parser.error("--seconds must be between 0 and 120")
    args.attendees = max(2, args.attendees)
    args.rounds = max(1, args.rounds)

    tables: list[list[Row]] = []
    page_bytes = 0
    with tempfile.TemporaryDirectory(prefix="eventnet-card-bench-") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "SQLite").mkdir()
        print("SQLite: seeding, starting gunicorn and the floor, opening badge pages in turns ...", flush=True)
        rows, page_bytes = run_database("SQLite", "sqlite:///" + str(tmp_path / "bench.sqlite3"), tmp_path, args)
        tables.append(rows)
        if args.postgres:
            (tmp_path / "PostgreSQL").mkdir()
            with throwaway_pg(args.postgres) as pg_url:
                print("PostgreSQL: seeding, starting gunicorn and the floor, opening badge pages in turns ...", flush=True)
                tables.append(run_database("PostgreSQL", pg_url, tmp_path, args)[0])

    print()
    print(f"card page benchmark: gunicorn {WORKERS} workers x {THREADS} threads (gthread) on 127.0.0.1; "
          f"{args.processes} x {args.threads} client connections; {args.seconds:g} s per run in {args.rounds} turns; "
          f"{args.attendees} attendees; page {page_bytes} B, floor page {tables[0][0].result.bytes} B")
    print(f"{'run':<32} {'pages/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs floor':>9} {'wrong':>6} {'errors':>7}")
    all_rows = [row for table in tables for row in table]
    for floor, *rows in tables:
        for row in [floor] + rows:
            ratio = row.rate / floor.rate if floor.rate else float("nan")
            print(f"{row.name:<32} {row.rate:>9.1f} {row.result.percentile(0.5):>8.1f} "
                  f"{row.result.percentile(0.99):>8.1f} {ratio:>9.2f} {row.result.wrong:>6} {row.result.errors:>7}")
    failures = [f"{row.name}: no page answered" for row in all_rows if not row.result.ok]
    failures += [f"{row.name}: {row.result.wrong} answers were not the badge's page" for row in all_rows
                 if row.result.wrong]
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    if not failures:
        print("every answer was its badge's page: OK")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
