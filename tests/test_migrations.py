"""Migrations keep every row: upgrade a database that holds an event's data, then downgrade it.

SQLite changes a table by building a new one and dropping the old; with foreign keys on,
dropping `attendees` once cascaded and deleted every connection, scan and login token.
"""
from __future__ import annotations

import json
import os
import uuid

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from eventnet import create_app
from eventnet.extensions import db

INITIAL = "5ed2e02ea748"
TABLES = ("events", "attendees", "connections", "scans", "login_tokens")
NOW = "2026-12-01 09:00:00+00:00"


def _seed_at_initial_revision(connection) -> None:
    connection.execute(text(
        "INSERT INTO events (id, slug, name, starts_at, ends_at, timezone, venue, created_at, digest_no_contacts, "
        "reminder_days, reply_to, digests_paused) VALUES (1, 'kept', 'Kept', :now, :now, 'UTC', '', :now, 'matches', "
        "'[30, 90]', '', false)"), {"now": NOW})
    for n in (1, 2):
        connection.execute(text(
            "INSERT INTO attendees (id, event_id, email, email_key, role, name, headline, company, bio, phone, linkedin, "
            "website, links, can_help_with, looking_for, shared_fields, badge_token, short_code, session_epoch, "
            "created_at, updated_at) VALUES (:n, 1, :email, :email, 'attendee', :name, '', '', '', '', '', '', '[]', "
            "'', '', '[]', :token, :code, 7, :now, :now)"),
            {"n": n, "email": f"p{n}@example.org", "name": f"Person {n}", "token": uuid.uuid4().hex,
             "code": f"CODE{n}", "now": NOW})
    for owner, contact in ((1, 2), (2, 1)):
        connection.execute(text(
            "INSERT INTO connections (event_id, owner_id, contact_id, initiated, created_at, note, tags, starred, intent) "
            "VALUES (1, :owner, :contact, :initiated, :now, 'kept note', '[]', false, 'none')"),
            {"owner": owner, "contact": contact, "initiated": owner == 1, "now": NOW})
    connection.execute(text(
        "INSERT INTO scans (event_id, scanner_id, scanned_id, client_uuid, received_at, created_connection) "
        "VALUES (1, 1, 2, :uuid, :now, true)"), {"uuid": str(uuid.uuid4()), "now": NOW})
    connection.execute(text(
        "INSERT INTO login_tokens (attendee_id, token_hash, code_hash, expires_at, failed_attempts, created_at) "
        "VALUES (1, :hash, :hash, :now, 0, :now)"), {"hash": uuid.uuid4().hex, "now": NOW})
    # Stored before the forms bounded event times: the upgrade brings them into 2000-2100.
    connection.execute(text(
        "INSERT INTO events (id, slug, name, starts_at, ends_at, timezone, venue, created_at, digest_no_contacts, "
        "reminder_days, reply_to, digests_paused) VALUES (2, 'absurd', 'Absurd', :first, :last, 'Europe/Berlin', "
        "'', :now, 'matches', '[]', '', false)"),
        {"first": "0001-01-01 00:00:00+00:00", "last": "9999-12-31 22:59:00+00:00", "now": NOW})


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        counts = {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in TABLES}
    engine.dispose()
    return counts


@pytest.fixture
def empty_database(tmp_path):
    """A database of its own: a SQLite file, or a new PostgreSQL database beside the test one."""
    test_url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not test_url:
        yield f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
        return
    admin_url = test_url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"eventnet_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrading_and_downgrading_keeps_every_row(empty_database, tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "MAILBOX_PATH": str(tmp_path / "mail")})
    with app.app_context():
        upgrade(revision=INITIAL)
        with db.engine.begin() as connection:
            _seed_at_initial_revision(connection)
        before = _counts(empty_database)
        assert before == {"events": 2, "attendees": 2, "connections": 2, "scans": 1, "login_tokens": 1}
        upgrade()
        assert _counts(empty_database) == before
        from eventnet.events.models import Event

        absurd = db.session.get(Event, 2)
        assert (absurd.starts_at.year, absurd.ends_at.year) == (2000, 2100)
        db.session.remove()
        downgrade(revision=INITIAL)
        assert _counts(empty_database) == before
        upgrade()
        db.engine.dispose()
    assert _counts(empty_database) == before


def test_profile_photos_migration_shares_photo_by_default_and_comes_back_down(empty_database, tmp_path):
    """c3f1a7d2e9b4: every attendee gets "photo" among their shared fields (as new ones do), the
    photos table comes and goes, and nothing else of a person changes either way."""
    before_photos, photos = "9accec24557a", "c3f1a7d2e9b4"
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "MAILBOX_PATH": str(tmp_path / "mail")})
    with app.app_context():
        upgrade(revision=INITIAL)
        with db.engine.begin() as connection:
            _seed_at_initial_revision(connection)
            connection.execute(text("UPDATE attendees SET shared_fields = :fields WHERE id = 1"),
                               {"fields": '["company", "phone"]'})
        upgrade(revision=before_photos)
        counts = _counts(empty_database)
        upgrade(revision=photos)
        with db.engine.connect() as connection:
            shared = dict(connection.execute(text("SELECT id, shared_fields FROM attendees ORDER BY id")).all())
            keys = connection.execute(text("SELECT photo_key FROM attendees")).scalars().all()
        assert {id_: json.loads(value) if isinstance(value, str) else value for id_, value in shared.items()} == {
            1: ["company", "phone", "photo"], 2: ["photo"]}
        assert keys == [None, None]
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE attendees SET photo_key = 'k1' WHERE id = 1"))
            connection.execute(text(
                "INSERT INTO profile_photos (attendee_id, content_type, data, size, width, height, sha256, created_at) "
                "VALUES (1, 'image/jpeg', :data, 3, 1, 1, 'x', :now)"), {"data": b"abc", "now": NOW})
        db.session.remove()
        downgrade(revision=before_photos)
        with db.engine.connect() as connection:
            shared = dict(connection.execute(text("SELECT id, shared_fields FROM attendees ORDER BY id")).all())
        assert {id_: json.loads(value) if isinstance(value, str) else value for id_, value in shared.items()} == {
            1: ["company", "phone"], 2: []}
        assert _counts(empty_database) == counts
        upgrade()
        db.engine.dispose()
    assert _counts(empty_database) == counts


def test_event_look_migration_keeps_events_and_comes_back_down(empty_database, tmp_path):
    """d8e4b2a6f1c7: every event gets the default look ("" accent, no logo), a logo row goes with
    the downgrade, and nothing else of an event changes either way."""
    before_look, look = "c3f1a7d2e9b4", "d8e4b2a6f1c7"
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "MAILBOX_PATH": str(tmp_path / "mail")})
    with app.app_context():
        upgrade(revision=INITIAL)
        with db.engine.begin() as connection:
            _seed_at_initial_revision(connection)
        upgrade(revision=before_look)
        counts = _counts(empty_database)
        with db.engine.connect() as connection:
            events_before = connection.execute(text("SELECT id, slug, name, venue FROM events ORDER BY id")).all()
        upgrade(revision=look)
        with db.engine.connect() as connection:
            looks = connection.execute(text("SELECT accent_color, logo_key FROM events ORDER BY id")).all()
        assert [tuple(row) for row in looks] == [("", None), ("", None)]
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE events SET accent_color = '#7b2cbf', logo_key = 'k1' WHERE id = 1"))
            connection.execute(text(
                "INSERT INTO event_logos (event_id, content_type, data, size, width, height, sha256, created_at) "
                "VALUES (1, 'image/png', :data, 3, 1, 1, 'x', :now)"), {"data": b"png", "now": NOW})
        # Read with SQL, not the Event model: the model has the columns of the newest revision,
        # which this intermediate schema does not have yet.
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT accent_color FROM events WHERE id = 1")).scalar_one() == "#7b2cbf"
        downgrade(revision=before_look)
        assert _counts(empty_database) == counts
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT id, slug, name, venue FROM events ORDER BY id")).all() == events_before
            columns = list(connection.execute(text("SELECT * FROM events LIMIT 1")).keys())
        assert "accent_color" not in columns and "logo_key" not in columns
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM event_logos")).scalar_one() == 0
        db.engine.dispose()
    assert _counts(empty_database) == counts


def test_promises_migration_moves_prefixed_note_lines_into_data_and_back(empty_database, tmp_path):
    """e5a9c3d7b1f2: today's "Works on:", "Needs:", "I can offer:" lines move into their columns
    and each "I promised:" line into a promise; the free text stays. The downgrade writes them
    back as lines, a done promise as "I promised (done):", which the old digest did not chase."""
    before, promises = "d8e4b2a6f1c7", "e5a9c3d7b1f2"
    note = ("Met at the coffee bar\n- Works on: Rust compilers\nI PROMISED: send the slides\nNeeds: a CFO\n"
            "working on: WASM\nI can offer: hosting\nI promised:   \nI promised: " + "x" * 301 + "\nSee you in June")
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "MAILBOX_PATH": str(tmp_path / "mail")})
    with app.app_context():
        upgrade(revision=INITIAL)
        with db.engine.begin() as connection:
            _seed_at_initial_revision(connection)
            connection.execute(text("UPDATE connections SET note = :note WHERE owner_id = 1"), {"note": note})
        upgrade(revision=before)
        counts = _counts(empty_database)
        upgrade(revision=promises)
        with db.engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT owner_id, note, works_on, needs, offers FROM connections ORDER BY owner_id")).all()
            moved = connection.execute(text("SELECT owner_id, event_id, text, done_at FROM promises")).all()
        assert [tuple(row) for row in rows] == [
            (1, "Met at the coffee bar\nI promised:   \nI promised: " + "x" * 301 + "\nSee you in June",
             "Rust compilers; WASM", "a CFO", "hosting"),
            (2, "kept note", "", "", ""),
        ]
        assert [tuple(row) for row in moved] == [(1, 1, "send the slides", None)]
        assert _counts(empty_database) == counts
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO promises (event_id, owner_id, connection_id, text, created_at, done_at) "
                "SELECT 1, 1, id, 'intro to Maria', :now, :now FROM connections WHERE owner_id = 1"), {"now": NOW})
        db.session.remove()
        downgrade(revision=before)
        with db.engine.connect() as connection:
            back = connection.execute(text("SELECT note FROM connections ORDER BY owner_id")).scalars().all()
            columns = list(connection.execute(text("SELECT * FROM connections LIMIT 1")).keys())
        assert back == ["Met at the coffee bar\nI promised:   \nI promised: " + "x" * 301 + "\nSee you in June\n"
                        "Works on: Rust compilers; WASM\nNeeds: a CFO\nI can offer: hosting\n"
                        "I promised: send the slides\nI promised (done): intro to Maria", "kept note"]
        assert "works_on" not in columns and "promise_dismissed" not in columns
        assert _counts(empty_database) == counts
        upgrade()
        db.engine.dispose()
