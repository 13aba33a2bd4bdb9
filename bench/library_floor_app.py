"""The scan bench's second floor: bench/floor_app.py plus the libraries every eventnet scan goes through.

Per request, as eventnet's scan API does it, and nothing of eventnet's own:

- Flask's signed session cookie, read;
- Flask-WTF's CSRF check of the `X-CSRFToken` header (`csrf.protect()`);
- Flask-Limiter's shared per-browser limit, sliding-window counter, counted in Redis at
  `REDIS_URL` under `REDIS_KEY_PREFIX` as deployed (in memory when unset);
- the server-side session, looked up by the hash of the cookie's token in the same SELECT as the
  badge (eventnet reads both in one statement too), then the scan's INSERT and COMMIT.

eventnet's ratio to this floor is what our own code costs; this floor's ratio to floor_app is what
Flask-WTF, Flask-Limiter and a server-side session cost before any of it. Databases as floor_app:
`FLOOR_DB` (a SQLite file) or `FLOOR_PG` (a PostgreSQL URL), filled by `init_floor_db` /
`init_floor_pg` and then `init_sessions`. `GET /login/<n>` gives the session of scanner n (cookie)
and answers its CSRF token, for the load generator.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3

from flask import Flask, abort, jsonify, request, session
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect, generate_csrf

from floor_app import conninfo, postgres_connection, sqlite_connection

_PG = bool(os.environ.get("FLOOR_PG"))


def session_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def init_sessions(target: str, count: int) -> None:
    """Add the server-side sessions table with `count` scanners' sessions (token "s<n>", scanner n + 1)."""
    rows = [(session_hash(f"s{n}"), n + 1) for n in range(count)]
    if target.startswith("postgresql"):
        import psycopg

        with psycopg.connect(conninfo(target)) as conn:
            conn.execute("CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, scanner INTEGER NOT NULL)")
            with conn.cursor() as cursor:
                cursor.executemany("INSERT INTO sessions (token_hash, scanner) VALUES (%s, %s)", rows)
        return
    conn = sqlite3.connect(target)
    conn.execute("CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, scanner INTEGER NOT NULL)")
    conn.executemany("INSERT INTO sessions (token_hash, scanner) VALUES (?, ?)", rows)
    conn.commit()
    conn.close()


app = Flask(__name__)
app.secret_key = os.environ.get("SECRET_KEY", "library-floor")
app.config["SESSION_COOKIE_NAME"] = "eventnet_session"  # the name the bench's client keeps
app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked in the view, as eventnet's scan API does
csrf = CSRFProtect(app)


def _browser_key() -> str:
    return "session:" + session_hash(str(session.get("sid", "")))[:32]


limiter = Limiter(_browser_key, app=app, storage_uri=os.environ.get("REDIS_URL") or "memory://",
                  strategy="sliding-window-counter", key_prefix=os.environ.get("REDIS_KEY_PREFIX", "floor"))
_scans = limiter.shared_limit("100000000 per minute", scope="scans", methods=["POST"])


@app.get("/login/<int:n>")
def login(n: int):
    session["sid"] = f"s{n}"
    return generate_csrf()


_READ_SQLITE = ("SELECT s.scanner, p.id FROM sessions s LEFT JOIN people p ON p.token = ? "
                "WHERE s.token_hash = ?")
_READ_PG = _READ_SQLITE.replace("?", "%s")


@app.post("/scan")
@_scans
def scan():
    sid = session.get("sid")
    if not isinstance(sid, str):
        abort(401)
    csrf.protect()
    body = request.get_json(silent=True) or {}
    token, client_uuid = body.get("token", ""), str(body.get("client_uuid"))
    if _PG:
        conn = postgres_connection()
        row = conn.execute(_READ_PG, (token, session_hash(sid))).fetchone()
        insert = "INSERT INTO scans (scanner, scanned, client_uuid) VALUES (%s, %s, %s)"
    else:
        conn = sqlite_connection(os.environ["FLOOR_DB"])
        row = conn.execute(_READ_SQLITE, (token, session_hash(sid))).fetchone()
        insert = "INSERT INTO scans (scanner, scanned, client_uuid) VALUES (?, ?, ?)"
    if row is None:
        abort(401)
    conn.execute(insert, (row[0], row[1], client_uuid))
    conn.commit()
    return jsonify(status="new", scanned=row[1]), 201
