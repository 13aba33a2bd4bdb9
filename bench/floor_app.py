"""The floor of the scan benchmark: a bare Flask endpoint doing the least a scan must do.

One raw sqlite3 INSERT (committed) and one indexed SELECT per request, under the same gunicorn
settings as the app: what Flask, gunicorn and SQLite cost before any of our code runs.
`FLOOR_DB` names the SQLite file; `init_floor_db(path, tokens)` creates and fills it.
"""
from __future__ import annotations

import os
import sqlite3
import threading

from flask import Flask, jsonify, request

_local = threading.local()


def init_floor_db(path: str, tokens: list[str]) -> None:
    """Create the floor's two tables: the badge tokens (indexed) and the scans it inserts."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, token TEXT NOT NULL UNIQUE)")
    conn.execute("CREATE TABLE scans (id INTEGER PRIMARY KEY, scanner INTEGER, scanned INTEGER, "
                 "client_uuid TEXT NOT NULL, UNIQUE (scanner, client_uuid))")
    conn.executemany("INSERT INTO people (token) VALUES (?)", [(t,) for t in tokens])
    conn.commit()
    conn.close()


def _db() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        # The same pragmas as the app's SQLite connections (eventnet/database.py).
        conn = sqlite3.connect(os.environ["FLOOR_DB"], timeout=10)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=10000")
        _local.conn = conn
    return conn


app = Flask(__name__)


@app.post("/scan")
def scan():
    body = request.get_json(silent=True) or {}
    conn = _db()
    row = conn.execute("SELECT id FROM people WHERE token = ?", (body.get("token", ""),)).fetchone()
    conn.execute("INSERT INTO scans (scanner, scanned, client_uuid) VALUES (?, ?, ?)",
                 (1, row[0] if row else None, str(body.get("client_uuid"))))
    conn.commit()
    return jsonify(status="new", scanned=row[0] if row else None), 201
