"""Create, reset and drop a throwaway PostgreSQL database for one test run.

  pg_testdb.py ping   ADMIN_URL          exit 0 when the server answers
  pg_testdb.py create ADMIN_URL          create a uniquely named database, print its URL
  pg_testdb.py reset  DB_URL             empty its public schema
  pg_testdb.py drop   ADMIN_URL DB_URL   drop it, and its test workers' (DB_gw0, DB_gw1…)
"""
from __future__ import annotations

import os
import sys
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg


def _conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def main(argv: list[str]) -> int:
    command, url = argv[0], argv[1]
    if command == "ping":
        try:
            with psycopg.connect(_conninfo(url), connect_timeout=3):
                return 0
        except psycopg.Error:
            return 1
    if command == "create":
        name = f"eventnet_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(_conninfo(url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        print(_with_db(url, name))
        return 0
    if command == "reset":
        with psycopg.connect(_conninfo(url), autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
        return 0
    if command == "drop":
        name = urlsplit(argv[2]).path.lstrip("/")
        with psycopg.connect(_conninfo(url), autocommit=True) as conn:
            workers = conn.execute("SELECT datname FROM pg_database WHERE datname ~ %s",
                                   (f"^{name}_gw[0-9]+$",)).fetchall()
            for (each,) in [(name,), *workers]:
                conn.execute(f'DROP DATABASE IF EXISTS "{each}" WITH (FORCE)')
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
