#!/usr/bin/env python
"""How long importing a 20,000-row attendee CSV takes, against a baseline of the same run.

    python bench/import_bench.py [--rows 20000] [--postgres ADMIN_URL]

  baseline   csv.reader over the same file (decode + split): the least any import must do
  parse      attendees.importer.parse_csv: decode, detect the dialect, map headers, validate
             every row (email syntax, lengths, duplicates)
  import     import_rows into a fresh database at the latest migration (all created)
  re-import  parse_csv + import_rows of the same file again (all unchanged: the email is the
             key, nobody is added twice; no value changes, so no row is written)
  changed    parse_csv + import_rows of the file with other names and companies (all
             updates, nearly every row written)
  browser    the organizer's upload through the app: POST the file (parse + stash), then POST
             the confirm (parse again + import), on a second fresh database
Every figure is printed with its ratio to the baseline. The databases are SQLite files in a
temp directory and, with --postgres, throwaway PostgreSQL databases made on that server with
scripts/pg_testdb.py (and dropped at the end).
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update({"EVENTNET_ENV": "testing", "SECRET_KEY": "bench"})

FIRST = ["Ada", "Kenji", "Priya", "Zoë", "Łukasz", "Ευάγγελος", "Maren", "Oluwaseun", "Li", "Søren"]
LAST = ["Nwosu", "Watanabe", "Raghunathan", "Ångström", "Żółkiewski", "Παπαδόπουλος", "Lindqvist", "Chen"]


def make_csv(rows: int, variant: int = 0) -> bytes:
    """The bench file; another variant has the same emails with other names and companies."""
    rng = random.Random(6 + variant)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Email", "Full name", "Organisation", "Job title", "Ticket"])
    for i in range(rows):
        writer.writerow([f"person{i}@example{i % 50}.org", f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                         f"Company {(i + variant) % 300}", "Engineer", f"T-{i:06d}"])
    return out.getvalue().encode("utf-8")


class Databases:
    """Fresh empty databases: SQLite files, or PostgreSQL databases dropped by close()."""

    def __init__(self, postgres_admin: str | None = None):
        self.admin = postgres_admin
        self.made: list[str] = []

    def new_url(self) -> str:
        if self.admin is None:
            return f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
        created = subprocess.run([sys.executable, str(ROOT / "scripts" / "pg_testdb.py"), "create", self.admin],
                                 check=True, capture_output=True, text=True)
        url = created.stdout.strip()
        self.made.append(url)
        return url.replace("postgresql://", "postgresql+psycopg://", 1)

    def close(self) -> None:
        for url in self.made:
            subprocess.run([sys.executable, str(ROOT / "scripts" / "pg_testdb.py"), "drop", self.admin, url], check=False)


def fresh_app(databases: Databases):
    from flask_migrate import upgrade

    from eventnet import create_app
    from eventnet.events.services import create_event

    app = create_app({"SQLALCHEMY_DATABASE_URI": databases.new_url()})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        now = datetime.now(timezone.utc)
        create_event("bench", "Bench", now, now + timedelta(days=1), "Europe/Berlin")
    return app


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--postgres", metavar="ADMIN_URL",
                        help="run on PostgreSQL instead of SQLite: throwaway databases are created on this server and dropped")
    args = parser.parse_args()
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    data = make_csv(args.rows)
    changed = make_csv(args.rows, variant=1)
    database = "PostgreSQL" if args.postgres else "SQLite"
    print(f"import benchmark: {args.rows} rows, {len(data) / 1024 / 1024:.1f} MB, {database}, "
          f"python {sys.version.split()[0]}")
    databases = Databases(args.postgres)
    try:
        figures = run(data, changed, args.rows, databases)
    finally:
        databases.close()
    base = figures[0][1]
    for label, seconds in figures:
        print(f"  {label:<28} {seconds:7.2f} s  x{seconds / base:7.1f}  {args.rows / seconds:9.0f} rows/s")


def run(data: bytes, changed: bytes, rows: int, databases: Databases) -> list[tuple[str, float]]:
    from eventnet.attendees.importer import import_rows, parse_csv
    from eventnet.attendees.models import Attendee
    from eventnet.events.models import Event
    from eventnet.extensions import db

    base = min(timed(lambda: list(csv.reader(io.StringIO(data.decode("utf-8")))))[0] for _ in range(3))
    parse_s, parsed = timed(lambda: parse_csv(data))
    assert len(parsed.valid_rows) == rows
    app = fresh_app(databases)
    with app.app_context():
        event = db.session.execute(db.select(Event)).scalar_one()
        import_s, report = timed(lambda: import_rows(event, parsed))
        assert len(report.created) == rows
        reimport_s, report = timed(lambda: import_rows(event, parse_csv(data)))
        assert len(report.unchanged) == rows
        changed_s, report = timed(lambda: import_rows(event, parse_csv(changed)))
        assert len(report.updated) == rows
        count, codes = db.session.execute(
            db.select(db.func.count(Attendee.id), db.func.count(Attendee.short_code.distinct()))
        ).one()
        assert count == codes == rows, (count, codes)
        db.session.remove()
        db.engine.dispose()

    browser_s = browser_import(data, rows, databases)
    return [("baseline: csv.reader", base), ("parse_csv (validate)", parse_s), ("import (all new)", import_s),
            ("re-import (all unchanged)", reimport_s), ("re-import (names changed)", changed_s),
            ("browser upload + confirm", browser_s)]


def browser_import(data: bytes, rows: int, databases: Databases) -> float:
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    from eventnet.attendees.models import Attendee
    from eventnet.events.models import Event
    from eventnet.extensions import db
    from organizer_client import add_organizer, client_for

    app = fresh_app(databases)
    app.config["WTF_CSRF_ENABLED"] = False  # the bench measures the import, not the form plumbing
    with app.app_context():
        event = db.session.execute(db.select(Event)).scalar_one()
        client = client_for(app, add_organizer(event.id).id)
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), "attendees.csv")})
    started = time.perf_counter()
    uploaded = client.post("/e/bench/organizer/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert uploaded.status_code == 303, uploaded.status_code
    confirmed = client.post(uploaded.headers["Location"])
    seconds = time.perf_counter() - started
    assert confirmed.status_code == 303
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Attendee.id))).scalar_one() == rows + 1
        db.session.remove()
        db.engine.dispose()  # PostgreSQL cannot drop a database with open connections
    return seconds


if __name__ == "__main__":
    main()
