"""The floors of the scan benchmark: a bare Flask endpoint doing the least a scan must do.

One indexed SELECT and one committed INSERT per request, under the same gunicorn settings as the
app: what Flask, gunicorn and the database cost before any of our code runs. Two databases:

- SQLite (raw sqlite3): `FLOOR_DB` names the file; `init_floor_db(path, tokens)` creates it.
- PostgreSQL (raw psycopg): `FLOOR_PG` is a database URL; `init_floor_pg(url, tokens)` fills it.

`FLOOR_PG` set means the PostgreSQL floor, else the SQLite one. Each gunicorn thread keeps one
connection, as the app's pool does.
"""
from __future__ import annotations

import os
import sqlite3
import threading

from flask import Flask, jsonify, request

_local = threading.local()

_PEOPLE_SQL = "CREATE TABLE people (id {pk}, token TEXT NOT NULL UNIQUE)"
_SCANS_SQL = ("CREATE TABLE scans (id {pk}, scanner INTEGER, scanned INTEGER, "
              "client_uuid TEXT NOT NULL, UNIQUE (scanner, client_uuid))")


def init_floor_db(path: str, tokens: list[str]) -> None:
    """Create the SQLite floor's two tables: the badge tokens (indexed) and the scans it inserts."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(_PEOPLE_SQL.format(pk="INTEGER PRIMARY KEY"))
    conn.execute(_SCANS_SQL.format(pk="INTEGER PRIMARY KEY"))
    conn.executemany("INSERT INTO people (token) VALUES (?)", [(t,) for t in tokens])
    conn.commit()
    conn.close()


def conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def init_floor_pg(url: str, tokens: list[str]) -> None:
    """Create the PostgreSQL floor's two tables in the (empty, throwaway) database at `url`."""
    import psycopg

    with psycopg.connect(conninfo(url)) as conn:
        conn.execute(_PEOPLE_SQL.format(pk="SERIAL PRIMARY KEY"))
        conn.execute(_SCANS_SQL.format(pk="SERIAL PRIMARY KEY"))
        with conn.cursor() as cursor:
            cursor.executemany("INSERT INTO people (token) VALUES (%s)", [(t,) for t in tokens])


def sqlite_connection(path: str) -> sqlite3.Connection:
    """This thread's connection to the floor's SQLite file at `path` (this floor's and the card
    floor's), opened once with the same pragmas as the app's connections (eventnet/database.py)."""
    conn = getattr(_local, "sqlite", None)
    if conn is None:
        conn = sqlite3.connect(path, timeout=10)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=10000")
        _local.sqlite = conn
    return conn


def postgres_connection():
    conn = getattr(_local, "conn", None)
    if conn is None:
        import psycopg

        # Server-side prepared statements after the first use, as psycopg does for the app too.
        conn = psycopg.connect(conninfo(os.environ["FLOOR_PG"]))
        _local.conn = conn
    return conn


app = Flask(__name__)
_PG = bool(os.environ.get("FLOOR_PG"))


@app.post("/scan")
def scan():
    body = request.get_json(silent=True) or {}
    token, client_uuid = body.get("token", ""), str(body.get("client_uuid"))
    if _PG:
        conn = postgres_connection()
        row = conn.execute("SELECT id FROM people WHERE token = %s", (token,)).fetchone()
        conn.execute("INSERT INTO scans (scanner, scanned, client_uuid) VALUES (%s, %s, %s)",
                     (1, row[0] if row else None, client_uuid))
    else:
        conn = sqlite_connection(os.environ["FLOOR_DB"])
        row = conn.execute("SELECT id FROM people WHERE token = ?", (token,)).fetchone()
        conn.execute("INSERT INTO scans (scanner, scanned, client_uuid) VALUES (?, ?, ?)",
                     (1, row[0] if row else None, client_uuid))
    conn.commit()
    return jsonify(status="new", scanned=row[0] if row else None), 201
