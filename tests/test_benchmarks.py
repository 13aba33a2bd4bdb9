"""Every script under bench/ runs to its end at a tiny size and its own checks pass.

The figures at this size mean nothing; what this guards is that no benchmark rots into one that
measures nothing (the digest benchmark once divided by zero after the sender learned to queue
digests itself). Each script exits non-zero when it measured nothing or a stored check failed.
They run once per CI run, in the SQLite run (marker `bench`), and take PostgreSQL along where
the script can, when scripts/test.sh names an admin URL in TEST_POSTGRES_ADMIN_URL.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.bench
POSTGRES = os.environ.get("TEST_POSTGRES_ADMIN_URL", "")
REDIS = os.environ.get("TEST_REDIS_URL", "")


def run(script: str, *args: str, timeout: int = 240) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL", "REDIS_URL")}
    result = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{script} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def with_postgres(*args: str) -> list[str]:
    return [*args, "--postgres", POSTGRES] if POSTGRES else list(args)


def test_scan_bench():
    out = run("scan_bench.py", *with_postgres("--seconds", "0.5", "--attendees", "30", "--scanners", "3",
                                              "--processes", "1", "--threads", "2", "--rate", "20",
                                              *(("--redis", REDIS) if REDIS else ())))
    assert out.count("stored check OK") == (2 if POSTGRES else 1), out
    # The rate limits are counted where production counts them (REDIS_URL), and the report says where.
    assert (f"rate limits counted in Redis at {REDIS}" in out) if REDIS else ("rate limits counted" in out), out
    assert "floor: Flask + raw sqlite3" in out
    # The libraries' floor (Flask-WTF, Flask-Limiter, a server-side session, none of our code) ran,
    # and the app is compared with it too.
    assert "floor + libraries, sqlite3" in out and "and with floor + libraries, sqlite3 (vs libs)" in out, out
    assert ("floor + libraries, psycopg" in out) == bool(POSTGRES), out
    # PostgreSQL's figures are compared with a floor on PostgreSQL, measured in the same run.
    assert ("eventnet on PostgreSQL is compared with floor: Flask + raw psycopg" in out) == bool(POSTGRES), out


def test_digest_bench():
    out = run("digest_bench.py", "--attendees", "12", "--contacts", "4")
    assert "sender: sent 12, to retry later 0, failed 0" in out, out
    assert "ratio digests / same-size floor" in out


def test_digest_bench_senders_sharing_the_outbox():
    # Two senders against a relay that answers after a while, on PostgreSQL where CI has it.
    out = run("digest_bench.py", *with_postgres("--attendees", "30", "--contacts", "3", "--sink-delay", "5",
                                                "--senders", "2"))
    assert "sender: sent 30, to retry later 0, failed 0" in out, out
    assert "2 senders sharing the outbox" in out and "ratio to one sender" in out, out


def test_badges_bench():
    out = run("badges_bench.py", "--count", "13")
    assert "both PDFs hold 3 pages for 13 badges: OK" in out, out


def test_console_bench():
    out = run("console_bench.py", *with_postgres("--attendees", "120", "--repeat", "2"))
    assert out.count("worst ratio page / bare query") == 1 and "by contacts, most first (50 of 121)" in out, out


def test_import_bench():
    out = run("import_bench.py", *with_postgres("--rows", "50"))
    assert "browser upload + confirm" in out, out


@pytest.mark.browser
def test_scanner_bench():
    out = run("scanner_bench.py")
    assert "Repeat load transfer: 0 B: OK" in out or "OK (no network needed)" in out, out


def test_card_bench():
    out = run("card_bench.py", *with_postgres("--seconds", "0.5", "--attendees", "30", "--processes", "1",
                                              "--threads", "2"))
    assert "every answer was its badge's page: OK" in out, out
    assert out.count(", anonymous ") == (2 if POSTGRES else 1) and "floor: Flask + raw sqlite3" in out, out
