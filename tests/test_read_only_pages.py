"""Pages that only read run outside a transaction on PostgreSQL (eventnet.database.read_only).

The badge card is what every camera-app scan opens: psycopg's BEGIN and the session's ROLLBACK
around its one or two SELECTs were two of its round trips. The check reads psycopg's own
transaction status after each statement: IDLE means no transaction was opened, so neither was
sent. Like tests/test_database_outage.py (whose fixtures these are), this runs on PostgreSQL
whatever the run; scripts/test.sh runs it once, in its PostgreSQL run.
"""
from __future__ import annotations

import uuid

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import event
from test_database_outage import app, own_postgres, people  # noqa: F401 - the PostgreSQL fixtures

from eventnet.connections.models import Connection
from eventnet.extensions import db


@pytest.fixture
def statements(app):  # noqa: F811
    """(first word of each statement the app runs, psycopg's transaction status right after it)."""
    seen: list[tuple[str, TransactionStatus]] = []

    def after(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement.split(None, 1)[0].upper(), cursor.connection.info.transaction_status))

    event.listen(db.engine, "after_cursor_execute", after)
    yield seen
    event.remove(db.engine, "after_cursor_execute", after)


def test_the_badge_card_and_its_vcard_read_without_a_transaction(app, people, login, statements):  # noqa: F811
    _, alice, bob, _ = people
    visitor, attendee = app.test_client(), login(app.test_client(), bob)
    for client in (visitor, attendee):
        for path in (f"/b/{alice.badge_token}", f"/b/{alice.badge_token}/contact.vcf"):
            statements.clear()
            response = client.get(path)
            assert response.status_code == 200 and "Alice Able" in response.get_data(as_text=True)
            assert statements and all(word == "SELECT" for word, _ in statements), statements
            assert {status for _, status in statements} == {TransactionStatus.IDLE}, (path, statements)


def test_a_read_only_page_leaves_the_pooled_connection_transactional_for_the_next_request(
        app, people, login, statements):  # noqa: F811
    # The connection goes back to the pool after the card; the exchange that follows, on the same
    # connection, writes its scan and both sides in one transaction.
    event_, alice, bob, _ = people
    phone = login(app.test_client(), bob)
    assert phone.get(f"/b/{alice.badge_token}").status_code == 200
    token = phone.get("/e/%s/api/session" % event_.slug, headers={"Accept": "application/json"}).get_json()["csrf_token"]
    statements.clear()
    answer = phone.post(f"/e/{event_.slug}/api/scans", json={"token": alice.badge_token, "client_uuid": str(uuid.uuid4())},
                        headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    writes = [status for word, status in statements if word in ("INSERT", "UPDATE")]
    assert writes and set(writes) == {TransactionStatus.INTRANS}, statements
    db.session.expire_all()
    assert db.session.execute(db.select(db.func.count(Connection.id))).scalar_one() == 2
