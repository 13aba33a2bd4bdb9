#!/usr/bin/env python
"""The organizer's attendee page with 5,000 attendees, against the bare query of the same rows.

    python bench/console_bench.py [--attendees 5000] [--repeat 15] [--postgres ADMIN_URL]

Seeds an event with --attendees people (a third logged in, every other one with contacts) in a
fresh database at the latest migration (a temp SQLite file; with --postgres a throwaway database
made by scripts/pg_testdb.py and dropped at the end), then for each way an organizer looks at
the list (sorted by name, by contacts, filtered, a search, the last page) it times:

  bare   the rows themselves: one SELECT of the page's columns (at most 50 rows) and the count
         of the matching rows, as plain SQL on a connection of the same engine;
  page   GET /e/bench/organizer/attendees?... through the app's test client as the organizer:
         session, guard, both queries, contact counts for the page, the template.

Prints the median of --repeat runs of each, and their ratio (the target is within 3x). Exits
non-zero when a page showed no row or not the rows the bare query returned (it measured nothing).
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update({"EVENTNET_ENV": "testing", "SECRET_KEY": "bench"})

FIRST = ["Ada", "Kenji", "Priya", "Zoë", "Łukasz", "Maren", "Oluwaseun", "Li", "Søren", "Amara", "Tomás", "Mei"]
LAST = ["Nwosu", "Watanabe", "Raghunathan", "Ångström", "Żółkiewski", "Lindqvist", "Chen", "Herrera Díaz"]
PER_PAGE = 50

# (label, query string, the bare SQL's WHERE beyond the event, its ORDER BY)
VIEWS = [
    ("by name, page 1", "", "", "lower(a.name), a.id"),
    ("by name, a middle page", "page={middle}", "", "lower(a.name), a.id"),
    ("by contacts, most first", "sort=contacts&dir=desc", "",
     "(SELECT count(c.id) FROM connections c WHERE c.owner_id = a.id) DESC, lower(a.name), a.id"),
    ("never logged in", "never=1", "AND a.last_login_at IS NULL", "lower(a.name), a.id"),
    ("no contacts, by last login", "nocontacts=1&sort=login&dir=desc",
     "AND NOT EXISTS (SELECT 1 FROM connections c WHERE c.owner_id = a.id)",
     "coalesce(a.last_login_at, '1970-01-01') DESC, lower(a.name), a.id"),
    ("search 'chen'", "q=chen", "AND (lower(a.name) LIKE '%chen%' OR lower(a.email) LIKE '%chen%' "
                                 "OR lower(a.company) LIKE '%chen%')", "lower(a.name), a.id"),
]


class Database:
    def __init__(self, admin: str | None):
        self.admin, self.url = admin, None

    def new_url(self) -> str:
        if self.admin is None:
            return f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
        made = subprocess.run([sys.executable, str(ROOT / "scripts" / "pg_testdb.py"), "create", self.admin],
                              check=True, capture_output=True, text=True)
        self.url = made.stdout.strip()
        return self.url.replace("postgresql://", "postgresql+psycopg://", 1)

    def close(self) -> None:
        if self.url:
            subprocess.run([sys.executable, str(ROOT / "scripts" / "pg_testdb.py"), "drop", self.admin, self.url], check=False)


def seed(app, attendees: int) -> int:
    """The event, its organizer and `attendees` people; returns the organizer's id."""
    from flask_migrate import upgrade

    from eventnet.attendees.models import Attendee
    from eventnet.badges.tokens import new_badge_token, new_short_code
    from eventnet.connections.models import Connection
    from eventnet.events.services import create_event
    from eventnet.extensions import db

    upgrade(directory=str(ROOT / "migrations"))
    now = datetime.now(timezone.utc)
    event = create_event("bench", "Bench", now - timedelta(hours=3), now + timedelta(hours=5), "Europe/Berlin")
    rows, codes = [], set()
    for i in range(attendees + 1):
        code = new_short_code()
        while code in codes:
            code = new_short_code()
        codes.add(code)
        name = "Olu Organizer" if i == 0 else f"{FIRST[i % len(FIRST)]} {LAST[(i // 12) % len(LAST)]} {i}"
        email = f"person{i}@example{i % 40}.org"
        rows.append({"event_id": event.id, "email": email, "email_key": email, "name": name,
                     "role": "organizer" if i == 0 else "attendee", "company": f"Company {i % 300}",
                     "links": [], "shared_fields": [], "badge_token": new_badge_token(), "short_code": code,
                     "last_login_at": now - timedelta(minutes=i) if i % 3 == 0 else None})
    db.session.execute(db.insert(Attendee), rows)
    db.session.commit()
    ids = list(db.session.execute(db.select(Attendee.id).order_by(Attendee.id)).scalars())
    links = []
    for n, owner in enumerate(ids[1::2]):
        for k in range(1, 1 + n % 6):
            contact = ids[(ids.index(owner) + k * 7) % len(ids)]
            if contact != owner:
                links.append({"event_id": event.id, "owner_id": owner, "contact_id": contact, "initiated": True,
                              "created_at": now - timedelta(minutes=n), "note": "", "tags": [], "starred": False,
                              "intent": "none"})
    seen, unique = set(), []
    for link in links:
        if (link["owner_id"], link["contact_id"]) not in seen:
            seen.add((link["owner_id"], link["contact_id"]))
            unique.append(link)
    for start in range(0, len(unique), 5000):
        db.session.execute(db.insert(Connection), unique[start:start + 5000])
    db.session.commit()
    return ids[0]


def medians(bare, page, repeat: int) -> tuple[float, float]:
    """Median seconds of each, measured in turns (bare, page, bare, ...) so that a machine whose
    load changes during the run slows both alike instead of skewing the ratio."""
    bare(), page()  # warm: caches, the template, the connection pool
    bare_times, page_times = [], []
    for _ in range(repeat):
        for fn, times in ((bare, bare_times), (page, page_times)):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
    return statistics.median(bare_times), statistics.median(page_times)


def run(attendees: int, repeat: int, admin: str | None) -> list[tuple[str, float, float]]:
    from sqlalchemy import text

    from eventnet import create_app
    from eventnet.attendees.models import Attendee
    from eventnet.extensions import db
    from organizer_client import client_for

    database = Database(admin)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": database.new_url(), "RATELIMIT_ENABLED": False})
        with app.app_context():
            organizer_id = seed(app, attendees)
            client = client_for(app, organizer_id)
            event_id = db.session.get(Attendee, organizer_id).event_id
            db.session.remove()
        figures = []
        with app.app_context():
            middle = (attendees + 1) // PER_PAGE // 2 + 1  # the organizer and the attendees, paged
            for label, query, where, order in VIEWS:
                query = query.format(middle=middle)
                page = int(re.search(r"page=(\d+)", query).group(1)) if "page=" in query else 1
                rows_sql = text(f"SELECT a.id, a.name, a.email, a.company, a.role, a.last_login_at, a.profile_updated_at, "
                                f"a.short_code FROM attendees a WHERE a.event_id = :e {where} ORDER BY {order} "
                                f"LIMIT {PER_PAGE} OFFSET {(page - 1) * PER_PAGE}")
                count_sql = text(f"SELECT count(*) FROM attendees a WHERE a.event_id = :e {where}")

                def bare():
                    with db.engine.connect() as connection:
                        rows = connection.execute(rows_sql, {"e": event_id}).all()
                        total = connection.execute(count_sql, {"e": event_id}).scalar_one()
                    return rows, total

                def through_the_app():
                    response = client.get(f"/e/bench/organizer/attendees?{query}")
                    if response.status_code != 200:
                        raise SystemExit(f"{label}: the page answered {response.status_code}")
                    return response.get_data(as_text=True)

                rows, total = bare()
                html = through_the_app()
                shown = [int(i) for i in re.findall(r'<tr data-attendee-id="(\d+)"', html)]
                if not rows or shown != [row[0] for row in rows] or len(shown) > PER_PAGE:
                    raise SystemExit(f"{label}: the page showed {len(shown)} rows, not the {len(rows)} of the bare query: "
                                     "nothing comparable was measured")
                if f'data-total="{total}"' not in html:
                    raise SystemExit(f"{label}: the page's total is not the bare count {total}")
                figures.append((f"{label} ({len(rows)} of {total}{', page ' + str(page) if page > 1 else ''})", *medians(bare, through_the_app, repeat)))
            db.session.remove()
            db.engine.dispose()  # PostgreSQL cannot drop a database with open connections
        return figures
    finally:
        database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attendees", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--postgres", metavar="ADMIN_URL",
                        help="run on PostgreSQL: a throwaway database is created on this server and dropped")
    args = parser.parse_args()
    if args.attendees < PER_PAGE * 1 or args.repeat < 1:
        parser.error(f"--attendees must be at least {PER_PAGE} and --repeat at least 1")
    database = "PostgreSQL" if args.postgres else "SQLite"
    print(f"console benchmark: attendee page, {args.attendees} attendees, {database}, median of {args.repeat}, "
          f"python {sys.version.split()[0]}")
    figures = run(args.attendees, args.repeat, args.postgres)
    worst = 0.0
    for label, bare, page in figures:
        ratio = page / bare
        worst = max(worst, ratio)
        print(f"  {label:<44} bare {bare * 1000:7.2f} ms   page {page * 1000:7.2f} ms   x{ratio:5.1f}")
    print(f"worst ratio page / bare query: x{worst:.1f} (target: within x3)")


if __name__ == "__main__":
    main()
