"""The floor of the card benchmark: a bare Flask page doing the least a badge page must do.

One indexed raw SELECT of the badge's owner by token, and a Jinja template (compiled once, as
Flask caches it) of the same size as eventnet's page for that badge, under the same gunicorn
settings as the app: what Flask, Jinja, gunicorn and the database cost before our code runs.
`CARD_FLOOR_DB` names the SQLite file, or `CARD_FLOOR_PG` a PostgreSQL URL whose
card_floor_people table the floor reads with psycopg (init_card_floor_db fills either);
`CARD_PAGE_BYTES` is the size of eventnet's card page, which the floor pads its page to.
"""
from __future__ import annotations

import os
import sqlite3
import threading

from flask import Flask, abort, render_template_string

from floor_app import sqlite_connection

_local = threading.local()

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ name }}</title>
<link rel="stylesheet" href="/static/css/app.css"></head><body><main>
<h1>{{ name }}</h1><p>{{ headline }} · {{ company }}</p>
<dl><dt>Headline</dt><dd>{{ headline }}</dd><dt>Company</dt><dd>{{ company }}</dd>
<dt>Email</dt><dd><a href="mailto:{{ email }}">{{ email }}</a></dd></dl>
<p><a class="button" href="/b/{{ token }}/contact.vcf">Save contact</a></p>
<!--{{ padding }}--></main></body></html>"""


def init_card_floor_db(path: str, people: list[tuple[str, str, str, str, str]]) -> None:
    """Create the floor's table of (token, name, headline, company, email), indexed by token:
    in the SQLite file `path`, or in the PostgreSQL database when `path` is a postgresql:// URL."""
    if path.startswith("postgresql"):
        import psycopg

        with psycopg.connect(path) as conn:
            conn.execute("CREATE TABLE card_floor_people (id SERIAL PRIMARY KEY, token TEXT NOT NULL UNIQUE, "
                         "name TEXT, headline TEXT, company TEXT, email TEXT)")
            with conn.cursor() as cursor:
                cursor.executemany("INSERT INTO card_floor_people (token, name, headline, company, email) "
                                   "VALUES (%s, %s, %s, %s, %s)", people)
        return
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, token TEXT NOT NULL UNIQUE, name TEXT, "
                 "headline TEXT, company TEXT, email TEXT)")
    conn.executemany("INSERT INTO people (token, name, headline, company, email) VALUES (?, ?, ?, ?, ?)", people)
    conn.commit()
    conn.close()


def _select(token: str):
    if os.environ.get("CARD_FLOOR_PG"):
        conn = getattr(_local, "pg", None)
        if conn is None:
            import psycopg

            conn = _local.pg = psycopg.connect(os.environ["CARD_FLOOR_PG"], autocommit=True)
        return conn.execute("SELECT name, headline, company, email FROM card_floor_people WHERE token = %s",
                            (token,)).fetchone()
    return sqlite_connection(os.environ["CARD_FLOOR_DB"]).execute("SELECT name, headline, company, email FROM people WHERE token = ?", (token,)).fetchone()


app = Flask(__name__)
_padding: list[str] = []


def _pad(page: str) -> str:
    """Filler that brings the page to CARD_PAGE_BYTES (worked out from the first page rendered)."""
    if not _padding:
        _padding.append("x" * max(0, int(os.environ.get("CARD_PAGE_BYTES", "0")) - len(page.encode())))
    return _padding[0]


@app.get("/b/<token>")
def card(token: str):
    row = _select(token)
    if row is None:
        abort(404)
    name, headline, company, email = row
    fields = dict(name=name, headline=headline, company=company, email=email, token=token)
    if not _padding:
        _pad(render_template_string(PAGE, padding="", **fields))
    return render_template_string(PAGE, padding=_padding[0], **fields)
