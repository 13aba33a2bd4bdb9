"""Digest throughput: digests built and sent per second to a local SMTP server, against floors.

    python bench/digest_bench.py                      # 10,000 attendees x 30 contacts
    python bench/digest_bench.py --attendees 1000     # a quick run
    python bench/digest_bench.py --attendees 300 --postgres postgresql://postgres@127.0.0.1:5432/postgres \
        --sink-delay 50 --senders 2                   # two senders sharing the outbox, a relay's latency

An event is seeded straight into a fresh SQLite file (every attendee with `--contacts` contacts,
a note with a promise on every side), its digests are queued, and `flask mail send` (the real
sender, in its own process) builds and sends them all to aiosmtpd running in another process.
The floors, in the same run and to the same server: as many plain messages sent by smtplib over
one connection, and as many pre-built messages of the digests' average size. The sender's peak
memory is its VmHWM, next to that of a sender process that found nothing to send (run against an
empty database of the same schema: against the seeded one, the sender's own producer would queue
and send every digest once the event's digest time has passed, and the timed run would find none).

With `--postgres ADMIN_URL` both databases are throwaway PostgreSQL ones (scripts/pg_testdb.py),
dropped at the end. `--sink-delay MS` makes the SMTP server answer each message's DATA after MS
milliseconds, as a real relay does (the floors wait as long). `--senders N` then hands the same
digests back to the outbox (pending again) and times N senders sharing it, against the one.

Exits non-zero when it measured nothing: no digest queued, fewer messages received than queued,
or N senders that did not send every digest exactly once between them.
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
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ----------------------------------------------------------------------------- SMTP server process

def smtp_server(port: int, ready, stop, results, sample_path: str, delay: float) -> None:
    """aiosmtpd that counts messages and bytes and keeps one digest as a sample; answers DATA
    after `delay` seconds (several sessions wait at once, as at a relay)."""
    import asyncio

    from aiosmtpd.controller import Controller

    class Counter:
        count = 0
        size = 0

        async def handle_DATA(self, server, session, envelope):
            if delay:
                await asyncio.sleep(delay)
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
    def __init__(self, sample_path: str, delay: float = 0.0):
        self.port = free_port()
        self.ready, self.stop_flag = multiprocessing.Event(), multiprocessing.Event()
        self.results = multiprocessing.Queue()
        self.process = multiprocessing.Process(
            target=smtp_server, args=(self.port, self.ready, self.stop_flag, self.results, sample_path, delay), daemon=True)

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
import atexit, resource, sys
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            print("PEAK_KIB", line.split()[1], flush=True)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print("CPU_SECONDS", usage.ru_utime + usage.ru_stime, flush=True)
atexit.register(peak)
from flask.cli import main
sys.argv = ["flask", "mail", "send"]
main()
"""


def run_sender(env: dict) -> tuple[float, int, float, str]:
    """`flask mail send` in its own process: (seconds, peak resident KiB, CPU seconds, output)."""
    elapsed, [(peak, cpu, output)] = run_senders(env, 1)
    return elapsed, peak, cpu, output


def run_senders(env: dict, count: int) -> tuple[float, list[tuple[int, float, str]]]:
    """`count` `flask mail send` processes at once: (seconds until the last ended, [(peak KiB,
    CPU seconds of the whole process, start-up included, output)])."""
    started = time.perf_counter()
    processes = [subprocess.Popen([sys.executable, "-c", SENDER], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(count)]
    outputs = [process.communicate() for process in processes]
    elapsed = time.perf_counter() - started
    results = []
    for process, (stdout, stderr) in zip(processes, outputs):
        if process.returncode != 0:
            raise SystemExit(f"sender failed:\n{stdout}{stderr}")
        peak = int(next(line.split()[1] for line in stdout.splitlines() if line.startswith("PEAK_KIB")))
        cpu = float(next(line.split()[1] for line in stdout.splitlines() if line.startswith("CPU_SECONDS")))
        results.append((peak, cpu, "\n".join(line for line in stdout.splitlines()
                                             if not line.startswith(("PEAK_KIB", "CPU_SECONDS")))))
    return elapsed, results


def sent_count(output: str) -> int:
    """The number a sender's first line gives as sent ("sent 12, to retry later 0, failed 0")."""
    first = output.strip().splitlines()[0]
    return int(first.split(",")[0].split()[-1])


def requeue(database: str) -> int:
    """Every digest back to pending (as if just queued), for the next senders to share; returns how many."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database)
    with engine.begin() as conn:
        count = conn.execute(text(
            "UPDATE outbox SET status = 'pending', attempts = 0, sent_at = NULL, claimed_by = NULL, "
            "claimed_until = NULL, last_error = NULL, next_attempt_at = :now WHERE kind = 'digest'"),
            {"now": datetime.now(timezone.utc) - timedelta(seconds=1)}).rowcount
    engine.dispose()
    return count


class Databases:
    """Throwaway databases: temp SQLite files, or PostgreSQL ones made by scripts/pg_testdb.py."""

    def __init__(self, workdir: Path, admin: str | None):
        self.workdir, self.admin, self.made = workdir, admin, []

    def new(self, name: str) -> str:
        if self.admin is None:
            return f"sqlite:///{self.workdir / (name + '.sqlite3')}"
        made = subprocess.run([sys.executable, str(ROOT / "scripts" / "pg_testdb.py"), "create", self.admin],
                              check=True, capture_output=True, text=True)
        self.made.append(made.stdout.strip())
        return self.made[-1].replace("postgresql://", "postgresql+psycopg://", 1)

    def close(self) -> None:
        for url in self.made:
            subprocess.run([sys.executable, str(ROOT / "scripts" / "pg_testdb.py"), "drop", self.admin, url], check=False)


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
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="run on throwaway PostgreSQL databases made from this admin URL")
    parser.add_argument("--sink-delay", type=float, default=0.0, metavar="MS",
                        help="the SMTP server answers each message after this many milliseconds")
    parser.add_argument("--senders", type=int, default=1, metavar="N",
                        help="also time N senders sharing the outbox, against the one (N >= 2)")
    args = parser.parse_args()

    if args.attendees < 2 or not 0 < args.contacts < args.attendees:
        parser.error("--attendees must be at least 2 and --contacts between 1 and attendees - 1")
    if args.senders < 1 or args.sink_delay < 0:
        parser.error("--senders must be at least 1 and --sink-delay not negative")

    workdir = Path(tempfile.mkdtemp(prefix="digest-bench-"))
    databases = Databases(workdir, args.postgres)
    try:
        run(args, workdir, databases)
    finally:
        databases.close()


def run(args, workdir: Path, databases: Databases) -> None:
    database, idle_database = databases.new("bench"), databases.new("idle")
    sample_path = str(workdir / "sample.eml")
    os.environ.update({"EVENTNET_ENV": "testing", "SECRET_KEY": "bench-secret-key-0123456789abcdef"})
    for name in ("DATABASE_URL", "SMTP_URL", "REDIS_URL"):
        os.environ.pop(name, None)

    with Server(sample_path, args.sink_delay / 1000) as server:
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
        _, idle_rss, idle_cpu, _ = run_sender({**env, "DATABASE_URL": idle_database})  # nothing to do: the baseline

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

        send_seconds, peak_rss, send_cpu, output = run_sender(env)
        if sent_count(output) != queued:
            raise SystemExit(f"measured nothing reliable: the sender sent {sent_count(output):,} of {queued:,} digests")
        shared_seconds = None
        if args.senders > 1:
            if requeue(database) != queued:
                raise SystemExit("could not hand the digests back to the outbox")
            shared_seconds, results = run_senders(env, args.senders)
            counts = [sent_count(out) for _peak, _cpu, out in results]
            # Each digest by exactly one of them: together they sent them all, and (below) the
            # server received no more than that.
            if sum(counts) != queued:
                raise SystemExit(f"{args.senders} senders sent {sum(counts):,} digests between them, not {queued:,}")
        plain_seconds = floor(server.port, [plain_message(i) for i in range(1000)], queued)
        sample = Path(sample_path).read_bytes()
        same_size_seconds = floor(server.port, sample, queued)
        server.stop_flag.set()
        server.process.join(60)
        received, size = server.results.get(timeout=30)

    # Every digest (once per sending phase), then both floors, went to the same server: anything
    # else is a failed run.
    expected = (3 + (args.senders > 1)) * queued
    if received != expected:
        raise SystemExit(f"measured nothing reliable: the SMTP server received {received:,} messages, "
                         f"expected {expected:,} ({queued:,} digests per sending phase and two floors of as many)")

    digests_per_second = queued / send_seconds
    plain_per_second = queued / plain_seconds
    same_size_per_second = queued / same_size_seconds
    where = "PostgreSQL" if args.postgres else "SQLite"
    print(f"event: {args.attendees:,} attendees x {args.contacts} contacts on {where} (seeded in {seeded:.1f}s); "
          f"SMTP server answers after {args.sink_delay:g} ms")
    print(f"queued {queued:,} digest rows in {queue_seconds:.2f}s ({queued / queue_seconds:,.0f} rows/s)")
    print(f"sender: {output.strip().splitlines()[0]}")
    print(f"digests built and sent: {digests_per_second:,.1f}/s ({send_seconds:.1f}s for {queued:,}; "
          f"avg {size / max(received, 1) / 1024:.1f} KiB on the wire incl. floors)")
    # On a busy machine the wall clock says little: the sender's own CPU, less an idle sender's
    # (start-up), is what a digest costs to build and hand over.
    print(f"sender CPU per digest: {(send_cpu - idle_cpu) / queued * 1000:.1f} ms "
          f"({send_cpu:.1f}s in all; an idle sender {idle_cpu:.1f}s)")
    print(f"floor, plain messages over one smtplib connection: {plain_per_second:,.0f}/s")
    print(f"floor, pre-built messages of a digest's size ({len(sample) / 1024:.1f} KiB): {same_size_per_second:,.0f}/s")
    print(f"ratio digests / plain floor:     {digests_per_second / plain_per_second:.3f}")
    print(f"ratio digests / same-size floor: {digests_per_second / same_size_per_second:.3f}")
    if shared_seconds is not None:
        print(f"{args.senders} senders sharing the outbox: {queued / shared_seconds:,.1f}/s ({shared_seconds:.1f}s; "
              f"each sent {', '.join(str(c) for c in counts)}); ratio to one sender {send_seconds / shared_seconds:.2f}x")
    print(f"sender peak memory (VmHWM): {peak_rss / 1024:.0f} MiB; idle sender {idle_rss / 1024:.0f} MiB; "
          f"ratio {peak_rss / idle_rss:.2f}")
    print(f"SMTP server received {received:,} messages")


if __name__ == "__main__":
    main()
