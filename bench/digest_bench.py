"""Digest throughput: digests built and sent per second to a local SMTP server, against floors.

    python bench/digest_bench.py                      # 10,000 attendees x 30 contacts
    python bench/digest_bench.py --attendees 1000     # a quick run

An event is seeded straight into a fresh SQLite file (every attendee with `--contacts` contacts,
a note with a promise on every side), its digests are queued, and `flask mail send` (the real
sender, in its own process) builds and sends them all to aiosmtpd running in another process.
The floors, in the same run and to the same server: as many plain messages sent by smtplib over
one connection, and as many pre-built messages of the digests' average size. The sender's peak
memory is its VmHWM, next to that of a sender process that found nothing to send (run against an
empty database of the same schema: against the seeded one, the sender's own producer would queue
and send every digest once the event's digest time has passed, and the timed run would find none).

Exits non-zero when it measured nothing: no digest queued, or fewer messages received than queued.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import secrets
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ----------------------------------------------------------------------------- SMTP server process

def smtp_server(port: int, ready, stop, results, sample_path: str) -> None:
    """aiosmtpd that counts messages and bytes and keeps one digest as a sample."""
    from aiosmtpd.controller import Controller

    class Counter:
        count = 0
        size = 0

        async def handle_DATA(self, server, session, envelope):
            self.count += 1
            self.size += len(envelope.content)
            if not os.path.exists(sample_path) and b"contacts-" in envelope.content:
                Path(sample_path).write_bytes(envelope.content)
            return "250 OK"

    handler = Counter()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()
    results.put((handler.count, handler.size))


class Server:
    def __init__(self, sample_path: str):
        self.port = free_port()
        self.ready, self.stop_flag = multiprocessing.Event(), multiprocessing.Event()
        self.results = multiprocessing.Queue()
        self.process = multiprocessing.Process(
            target=smtp_server, args=(self.port, self.ready, self.stop_flag, self.results, sample_path), daemon=True)

    def __enter__(self):
        self.process.start()
        self.ready.wait(30)
        return self

    def __exit__(self, *exc):
        if self.process.is_alive():
            self.stop_flag.set()
            self.process.join(30)


# ----------------------------------------------------------------------------- seeding

def seed(event, attendees: int, contacts: int) -> None:
    """Attendees straight into the table; each connected to `contacts` others, notes both ways."""
    from sqlalchemy import insert

    from eventnet.attendees.models import SHARED_BY_DEFAULT, Attendee
    from eventnet.connections.models import Connection
    from eventnet.database import utcnow
    from eventnet.extensions import db

    now = utcnow()
    topics = ["python", "data engineering", "funding", "hiring", "design", "security", "ml ops", "community"]
    rows = [
        {"event_id": event.id, "email": f"p{i}@example.org", "email_key": f"p{i}@example.org", "role": "attendee",
         "name": f"Person Number{i}", "headline": "Staff engineer, platform team", "company": f"Company {i % 97}",
         "bio": "Builds things.", "phone": "", "linkedin": f"https://www.linkedin.com/in/p{i}",
         "website": f"https://p{i}.example.org", "links": [],
         "can_help_with": ", ".join(topics[i % 8:i % 8 + 2]), "looking_for": topics[(i + 3) % 8],
         "shared_fields": sorted(SHARED_BY_DEFAULT), "badge_token": secrets.token_urlsafe(24),
         "short_code": f"B{i:07d}", "created_at": now, "updated_at": now}
        for i in range(attendees)
    ]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Attendee), rows[start:start + 5000])
    ids = list(db.session.execute(db.select(Attendee.id).where(Attendee.event_id == event.id).order_by(Attendee.id)).scalars())
    half = contacts // 2
    batch = []
    intents = ["send", "coffee", "introduce", "none", "job", "none"]
    for i, owner in enumerate(ids):
        for step in range(1, half + 1):
            other = ids[(i + step) % attendees]
            for a, b, initiated in ((owner, other, True), (other, owner, False)):
                batch.append({"event_id": event.id, "owner_id": a, "contact_id": b, "initiated": initiated,
                              "created_at": now - timedelta(minutes=step), "tags": ["conf", "follow-up"],
                              "note": f"Works on: data pipelines\nI promised: send the benchmark notes to {b}\nGreat talk.",
                              "starred": step % 5 == 0, "intent": intents[step % len(intents)]})
        if len(batch) >= 20000:
            db.session.execute(insert(Connection), batch)
            batch = []
    if batch:
        db.session.execute(insert(Connection), batch)
    db.session.commit()


# ----------------------------------------------------------------------------- phases

# The sender reports its own peak: VmHWM belongs to the process image after exec, whereas
# ru_maxrss from wait4 would include the pages a forked child inherited from this (big) process.
SENDER = """
import atexit, sys
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            print("PEAK_KIB", line.split()[1], flush=True)
atexit.register(peak)
from flask.cli import main
sys.argv = ["flask", "mail", "send"]
main()
"""


def run_sender(env: dict) -> tuple[float, int, str]:
    """`flask mail send` in its own process: (seconds, peak resident KiB, output)."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", SENDER], cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"sender failed:\n{result.stdout}{result.stderr}")
    peak = int(next(line.split()[1] for line in result.stdout.splitlines() if line.startswith("PEAK_KIB")))
    output = "\n".join(line for line in result.stdout.splitlines() if not line.startswith("PEAK_KIB"))
    return elapsed, peak, output


def floor(port: int, messages: list[bytes] | bytes, count: int) -> float:
    """Seconds to send `count` messages with smtplib over one connection."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as conn:
        for i in range(count):
            data = messages if isinstance(messages, bytes) else messages[i % len(messages)]
            conn.sendmail("bench@example.org", [f"p{i}@example.org"], data)
    return time.perf_counter() - started


def plain_message(i: int) -> bytes:
    return (f"From: bench@example.org\r\nTo: p{i}@example.org\r\nSubject: Hello {i}\r\n"
            f"Message-ID: <{i}.bench@example.org>\r\n\r\nA plain message, number {i}.\r\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attendees", type=int, default=10_000)
    parser.add_argument("--contacts", type=int, default=30)
    args = parser.parse_args()

    if args.attendees < 2 or not 0 < args.contacts < args.attendees:
        parser.error("--attendees must be at least 2 and --contacts between 1 and attendees - 1")

    workdir = Path(tempfile.mkdtemp(prefix="digest-bench-"))
    database = f"sqlite:///{workdir / 'bench.sqlite3'}"
    idle_database = f"sqlite:///{workdir / 'idle.sqlite3'}"
    sample_path = str(workdir / "sample.eml")
    os.environ.update({"EVENTNET_ENV": "testing", "SECRET_KEY": "bench-secret-key-0123456789abcdef"})
    for name in ("DATABASE_URL", "SMTP_URL", "REDIS_URL"):
        os.environ.pop(name, None)

    with Server(sample_path) as server:
        env = {**os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": database, "SMTP_URL": f"smtp://127.0.0.1:{server.port}",
               "BASE_URL": "https://eventnet.example", "PYTHONUNBUFFERED": "1"}

        from flask_migrate import upgrade

        from eventnet import create_app
        from eventnet.database import utcnow
        from eventnet.digests.services import queue_digests
        from eventnet.events.services import create_event
        from eventnet.extensions import db

        idle_app = create_app({"SQLALCHEMY_DATABASE_URI": idle_database, "BASE_URL": "https://eventnet.example"})
        with idle_app.app_context():
            upgrade()
            db.engine.dispose()
        _, idle_rss, _ = run_sender({**env, "DATABASE_URL": idle_database})  # nothing to do: the baseline

        app = create_app({"SQLALCHEMY_DATABASE_URI": database, "BASE_URL": "https://eventnet.example"})
        with app.app_context():
            upgrade()
            now = utcnow()
            event = create_event("bench", "Bench Conference", now - timedelta(days=2), now - timedelta(days=1), "Europe/Berlin")
            t = time.perf_counter()
            seed(event, args.attendees, args.contacts)
            seeded = time.perf_counter() - t
            t = time.perf_counter()
            queued = queue_digests(event)
            queue_seconds = time.perf_counter() - t
            if not queued:
                raise SystemExit("measured nothing: queue_digests queued no digest")
            db.session.remove()
            db.engine.dispose()

        send_seconds, peak_rss, output = run_sender(env)
        plain_seconds = floor(server.port, [plain_message(i) for i in range(1000)], queued)
        sample = Path(sample_path).read_bytes()
        same_size_seconds = floor(server.port, sample, queued)
        server.stop_flag.set()
        server.process.join(60)
        received, size = server.results.get(timeout=30)

    # Every digest, then both floors, went to the same server: anything less is a failed run.
    if received < 3 * queued:
        raise SystemExit(f"measured nothing reliable: the SMTP server received {received:,} messages, "
                         f"expected {3 * queued:,} ({queued:,} digests and two floors of as many)")

    digests_per_second = queued / send_seconds
    plain_per_second = queued / plain_seconds
    same_size_per_second = queued / same_size_seconds
    print(f"event: {args.attendees:,} attendees x {args.contacts} contacts (seeded in {seeded:.1f}s)")
    print(f"queued {queued:,} digest rows in {queue_seconds:.2f}s ({queued / queue_seconds:,.0f} rows/s)")
    print(f"sender: {output.strip().splitlines()[0]}")
    print(f"digests built and sent: {digests_per_second:,.1f}/s ({send_seconds:.1f}s for {queued:,}; "
          f"avg {size / max(received, 1) / 1024:.1f} KiB on the wire incl. floors)")
    print(f"floor, plain messages over one smtplib connection: {plain_per_second:,.0f}/s")
    print(f"floor, pre-built messages of a digest's size ({len(sample) / 1024:.1f} KiB): {same_size_per_second:,.0f}/s")
    print(f"ratio digests / plain floor:     {digests_per_second / plain_per_second:.3f}")
    print(f"ratio digests / same-size floor: {digests_per_second / same_size_per_second:.3f}")
    print(f"sender peak memory (VmHWM): {peak_rss / 1024:.0f} MiB; idle sender {idle_rss / 1024:.0f} MiB; "
          f"ratio {peak_rss / idle_rss:.2f}")
    print(f"SMTP server received {received:,} messages")


if __name__ == "__main__":
    main()
