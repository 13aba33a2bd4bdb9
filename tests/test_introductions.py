"""Introductions with double opt-in (issue 14, item 4), through the real app.

The privacy rule is tested as "a decline changes nothing anyone else can fetch": every page,
fragment, export and email the other person and the introducer can get is read before and after
the decline and must be the same (CSRF tokens and export times aside), and after expiry the same
as for a request nobody answered. Answering is checked to send the same SQL whichever way the
other side went (introductions.services.answer), so no timing tells a decline either.
"""
from __future__ import annotations

import html
import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event

from test_keep_in_touch import _normalised, fetched, token

from eventnet.attendees.models import Attendee
from eventnet.connections.models import Connection
from eventnet.connections.services import record_scan
from eventnet.database import utcnow
from eventnet.extensions import db
from eventnet.introductions import services
from eventnet.introductions.models import Introduction
from eventnet.mail.models import OutboxMessage
from eventnet.mail.outbox import build_message


@pytest.fixture
def world(make_event, make_attendee):
    """Ivy met Ana, Bob and Cleo; Ana and Bob have not met. {name: attendee, "rows": {(owner, contact): id}}."""
    event = make_event(slug="conf", name="PyConf")
    ivy = make_attendee(event, "ivy@example.org", "Ivy Introducer", headline="Community lead")
    ana = make_attendee(event, "ana@example.org", "Ana Alves", headline="Data engineer")
    bob = make_attendee(event, "bob@example.org", "Bob Brown", headline="Platform lead")
    cleo = make_attendee(event, "cleo@example.org", "Cleo Cruz")
    for other in (ana, bob, cleo):
        record_scan(ivy, other.badge_token, str(uuid.uuid4()))
    db.session.commit()
    rows = {(c.owner_id, c.contact_id): c.id for c in db.session.execute(db.select(Connection)).scalars()}
    return {"event": event, "ivy": ivy, "ana": ana, "bob": bob, "cleo": cleo, "rows": rows}


def ask(client, world, a="ana", b="bob", reason="Both of you fight with data pipelines.", htmx=False):
    rows, ivy = world["rows"], world["ivy"]
    url = f"/e/conf/contacts/{rows[ivy.id, world[a].id]}/introduce"
    data = {"csrf_token": token(client, url), "other": str(rows[ivy.id, world[b].id]), "reason": reason}
    return client.post(url, data=data, headers={"HX-Request": "true"} if htmx else {})


def reply(client, introduction_id: int, answer: str, htmx=True):
    return client.post(f"/e/conf/introductions/{introduction_id}/answer",
                       data={"csrf_token": token(client, "/e/conf/"), "answer": answer},
                       headers={"HX-Request": "true"} if htmx else {})


def only_introduction() -> Introduction:
    db.session.expire_all()
    return db.session.execute(db.select(Introduction)).scalar_one()


def outbox(kind: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.execute(db.select(OutboxMessage).filter_by(kind=kind).order_by(OutboxMessage.id)).scalars().all()


def everything_of(client, me: Attendee, world) -> dict[str, str]:
    """Every page, fragment and export about introductions and contacts `me` can get, and the
    emails addressed to them."""
    urls = ["/e/conf/", "/e/conf/contacts/", "/e/conf/contacts/export.json", "/e/conf/my-data"]
    urls += [f"/e/conf/contacts/{cid}" for (owner, _), cid in world["rows"].items() if owner == me.id]
    urls += [f"/e/conf/contacts/{cid}/introduce" for (owner, _), cid in world["rows"].items() if owner == me.id]
    seen = fetched(client, urls)
    db.session.expire_all()
    mails = db.session.execute(db.select(OutboxMessage).filter_by(attendee_id=me.id).order_by(OutboxMessage.id)).scalars()
    seen["emails"] = _normalised("\n".join(f"{m.kind} {m.subject}\n{m.text_body}\n{m.html_body}" for m in mails))
    return seen


# ----------------------------------------------------------------------------- the whole way

def test_both_accept_connects_them_and_each_gets_one_email_in_the_introducers_name(app, login, world):
    ivy, ana, bob = world["ivy"], world["ana"], world["bob"]
    ivy_client, ana_client, bob_client = (login(app.test_client(), p) for p in (ivy, ana, bob))
    response = ask(ivy_client, world)
    assert response.status_code == 303 and response.headers["Location"].endswith("#introductions")
    introduction = only_introduction()
    requests = outbox(services.KIND_REQUEST)
    assert {m.to_addr for m in requests} == {"ana@example.org", "bob@example.org"}
    to_ana = next(m for m in requests if m.attendee_id == ana.id)
    assert to_ana.subject == "Ivy Introducer would like to introduce you to Bob Brown"
    assert "Both of you fight with data pipelines." in to_ana.text_body and "Platform lead" in to_ana.text_body
    assert "/e/conf/#introductions-h" in to_ana.text_body
    # Before accepting: the other's name and headline, the reason, Accept / Decline; no card.
    home = ana_client.get("/e/conf/").get_data(as_text=True)
    assert "Bob Brown" in home and "Platform lead" in home and "bob@example.org" not in home
    assert 'value="accept"' in home and 'value="decline"' in home
    assert "To Bob Brown: Pending" in ivy_client.get(f"/e/conf/contacts/{world['rows'][ivy.id, ana.id]}").get_data(as_text=True)

    fragment = reply(ana_client, introduction.id, "accept")
    assert fragment.status_code == 200 and 'data-intro-state="waiting"' in fragment.get_data(as_text=True)
    assert outbox(services.KIND_MADE) == []
    response = reply(bob_client, introduction.id, "accept", htmx=False)
    assert response.status_code == 303 and response.headers["Location"].endswith("/e/conf/#introductions-h")
    introduction = only_introduction()
    assert introduction.completed_at is not None and introduction.open_pair is None
    pair = {(c.owner_id, c.contact_id) for c in db.session.execute(db.select(Connection)).scalars()}
    assert {(ana.id, bob.id), (bob.id, ana.id)} <= pair

    made = outbox(services.KIND_MADE)
    assert sorted(m.to_addr for m in made) == ["ana@example.org", "bob@example.org"]  # one each, never To: both
    for message in made:
        built = build_message(message)
        assert built["Reply-To"] == "ivy@example.org"
        assert built["From"] == app.config["MAIL_FROM"]  # sent by eventnet, never a forged From
        assert "Ivy Introducer introduces you to" in built["Subject"]
        assert "Both of you fight with data pipelines." in message.text_body
    for client, me, other in ((ana_client, ana, bob), (bob_client, bob, ana)):
        cid = db.session.execute(db.select(Connection.id).filter_by(owner_id=me.id, contact_id=other.id)).scalar_one()
        page = client.get(f"/e/conf/contacts/{cid}").get_data(as_text=True)
        assert "Introduced by Ivy Introducer." in page and other.name in page and "Introduced," in page
        assert "Scanned you" not in page and "You scanned them" not in page
        exported = json.loads(client.get("/e/conf/contacts/export.json").get_data(as_text=True))
        assert [c["how_we_met"] for c in exported["contacts"] if c["contact"]["name"] == other.name] == ["introduced"]
        received = exported["introductions"]["received"]
        assert received[0]["state"] == "introduced" and received[0]["my_answer"] == "accepted"
    ivy_page = ivy_client.get(f"/e/conf/contacts/{world['rows'][ivy.id, ana.id]}").get_data(as_text=True)
    assert "To Bob Brown: Introduced" in ivy_page
    exported = json.loads(ivy_client.get("/e/conf/contacts/export.json").get_data(as_text=True))["introductions"]
    assert exported["made"] == [{"between": ["Ana Alves", "Bob Brown"], "reason": "Both of you fight with data pipelines.",
                                 "asked_at": introduction.created_at.isoformat(), "state": "introduced"}]


# ----------------------------------------------------------------------------- the privacy rule

def test_a_decline_leaves_everything_the_others_see_exactly_as_if_unanswered(app, login, world):
    ivy, ana, bob = world["ivy"], world["ana"], world["bob"]
    ivy_client, ana_client, bob_client = (login(app.test_client(), p) for p in (ivy, ana, bob))
    ask(ivy_client, world)
    ivy_client.get("/e/conf/")  # reads the "Asked." message
    introduction = only_introduction()
    reply(ana_client, introduction.id, "accept")
    ana_before, ivy_before = everything_of(ana_client, ana, world), everything_of(ivy_client, ivy, world)
    assert 'data-intro-state="waiting"' in ana_before["/e/conf/ htmx=False"]

    answer = reply(bob_client, introduction.id, "decline")
    assert answer.status_code == 200 and "data-introduction" not in answer.get_data(as_text=True)
    assert only_introduction().b_answer == "declined"
    ana_after, ivy_after = everything_of(ana_client, ana, world), everything_of(ivy_client, ivy, world)
    for who, before, after in (("Ana", ana_before, ana_after), ("Ivy", ivy_before, ivy_after)):
        for key in before:
            assert after[key] == before[key], f"Bob's decline shows in {who}'s {key}"
        assert all("declined" not in body.lower() for body in after.values())
    # Nor does it free the pair early: asking again is "already waiting", as for an unanswered one.
    again = ask(ivy_client, world)
    assert again.status_code == 422 and "already have an introduction waiting" in again.get_data(as_text=True)
    assert outbox(services.KIND_MADE) == []

    # Past expiry: "not made" for Ana and Ivy, the same as a request Cleo and Ana never answered.
    ask(ivy_client, world, a="ana", b="cleo", reason="Both of you fight with data pipelines.")
    db.session.execute(db.update(Introduction).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    ana_page = ana_client.get("/e/conf/contacts/export.json").get_data(as_text=True)
    states = {r["other"]: (r["state"], r["my_answer"]) for r in json.loads(ana_page)["introductions"]["received"]}
    assert states == {"Bob Brown": ("not_made", "accepted"), "Cleo Cruz": ("not_made", None)}
    ivy_page = ivy_client.get(f"/e/conf/contacts/{world['rows'][ivy.id, ana.id]}").get_data(as_text=True)
    assert "To Bob Brown: Not made" in ivy_page and "To Cleo Cruz: Not made" in ivy_page
    # Bob alone sees his decline, in his own export.
    bob_export = json.loads(bob_client.get("/e/conf/contacts/export.json").get_data(as_text=True))["introductions"]
    assert bob_export["received"][0]["state"] == "declined" and bob_export["received"][0]["my_answer"] == "declined"


def test_answering_sends_the_same_statements_whichever_way_the_other_side_went(app, world):
    """introductions.services.answer reads the row once, locked, writes my side and decides the
    completion from both columns: the same SQL whether Bob accepted-and-then-nothing, declined
    or never answered, and whether Ana accepts or declines."""
    ivy, ana, bob = world["ivy"], world["ana"], world["bob"]
    connection = db.session.get(Connection, world["rows"][ivy.id, ana.id])
    introduction_id = services.introduce(ivy, connection, world["rows"][ivy.id, bob.id], "Pipelines").id

    def statements(bob_answer: str | None, ana_accepts: bool) -> list[str]:
        db.session.execute(db.update(Introduction).values(a_answer=None, a_answered_at=None, b_answer=bob_answer))
        db.session.commit()
        db.session.expire_all()
        sent: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            sent.append(statement)

        sa_event.listen(db.engine, "before_cursor_execute", record)
        try:
            services.answer(db.session.get(Attendee, ana.id), introduction_id, ana_accepts)
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", record)
        return sent

    baseline = statements(None, True)
    assert baseline == statements("declined", True) == statements(None, False) == statements("declined", False)
    assert only_introduction().completed_at is None


# ----------------------------------------------------------------------------- the controls

def test_refusals_say_why_and_never_500(app, login, world, make_attendee):
    ivy, ana, bob, cleo = world["ivy"], world["ana"], world["bob"], world["cleo"]
    client = login(app.test_client(), ivy)
    rows = world["rows"]
    url = f"/e/conf/contacts/{rows[ivy.id, ana.id]}/introduce"
    page = client.get(url).get_data(as_text=True)
    assert "Bob Brown" in page and "Cleo Cruz" in page and '<option value="%d">Ana' % rows[ivy.id, ana.id] not in page
    # No reason, a too long one, the same person, someone not my contact: 422 with why.
    assert ask(client, world, reason="  ").status_code == 422
    too_long = ask(client, world, reason="x" * 301)
    assert too_long.status_code == 422 and "300 characters" in too_long.get_data(as_text=True)
    response = client.post(url, data={"csrf_token": token(client, url), "other": str(rows[ivy.id, ana.id]), "reason": "x"})
    assert response.status_code == 422 and "Choose one of your contacts." in response.get_data(as_text=True)
    stranger = make_attendee(world["event"], "sam@example.org", "Sam")
    record_scan(ana, stranger.badge_token, str(uuid.uuid4()))
    not_mine = db.session.execute(db.select(Connection.id).filter_by(owner_id=ana.id, contact_id=stranger.id)).scalar_one()
    response = client.post(url, data={"csrf_token": token(client, url), "other": str(not_mine), "reason": "x"})
    assert response.status_code == 422
    with pytest.raises(services.IntroductionError) as refused:
        services.introduce(ivy, db.session.get(Connection, rows[ivy.id, ana.id]), not_mine, "x")
    assert refused.value.code == "not_my_contact"
    # Already connected to each other.
    record_scan(bob, cleo.badge_token, str(uuid.uuid4()))
    response = ask(client, world, a="bob", b="cleo")
    assert response.status_code == 422 and "already connected" in response.get_data(as_text=True)
    # "Don't send me introductions": refused, naming who takes none (never an answer).
    bob_client = login(app.test_client(), bob)
    response = bob_client.post("/e/conf/introductions/choice", data={"csrf_token": token(bob_client, "/e/conf/"), "take": "0"})
    assert response.status_code == 303
    assert "Take introductions again" in bob_client.get("/e/conf/").get_data(as_text=True)
    response = ask(client, world)
    assert response.status_code == 422 and "Bob Brown can't be introduced right now" in html.unescape(response.get_data(as_text=True))
    assert db.session.execute(db.select(Introduction)).first() is None and outbox(services.KIND_REQUEST) == []


def test_the_introducers_quota_is_counted_in_the_database(app, login, world, make_attendee):
    ivy = world["ivy"]
    people = [make_attendee(world["event"], f"p{n}@example.org", f"P{n}") for n in range(services.DAILY_MAX)]
    for person in people:
        record_scan(ivy, person.badge_token, str(uuid.uuid4()))
    mine = {c.contact_id: c.id for c in db.session.execute(db.select(Connection).filter_by(owner_id=ivy.id)).scalars()}
    anchor = db.session.get(Connection, mine[world["ana"].id])
    for person in people[:services.OPEN_MAX]:
        services.introduce(ivy, anchor, mine[person.id], "Meet")
    client = login(app.test_client(), ivy)
    response = ask(client, world)
    assert response.status_code == 429 and f"{services.OPEN_MAX} introductions waiting" in response.get_data(as_text=True)
    # Expired ones free the open quota (a decline does not: it counts until expiry, like silence)...
    db.session.execute(db.update(Introduction).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    for person in people[services.OPEN_MAX:]:
        services.introduce(ivy, anchor, mine[person.id], "Meet")
    db.session.execute(db.update(Introduction).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    # ...but not the day's count.
    response = ask(client, world)
    assert response.status_code == 429 and f"{services.DAILY_MAX} introductions today" in response.get_data(as_text=True)


def test_answers_are_scoped_checked_and_work_without_javascript(app, client, login, world):
    ivy, ana, bob, cleo = world["ivy"], world["ana"], world["bob"], world["cleo"]
    connection = db.session.get(Connection, world["rows"][ivy.id, ana.id])
    introduction = services.introduce(ivy, connection, world["rows"][ivy.id, bob.id], "Pipelines")
    # Logged out: to the login page.
    response = client.post(f"/e/conf/introductions/{introduction.id}/answer", data={"answer": "accept"})
    assert response.status_code in (302, 303, 400)
    # Neither the introducer nor a third person may answer: 404.
    for person in (ivy, cleo):
        assert reply(login(app.test_client(), person), introduction.id, "accept").status_code == 404
    ana_client = login(app.test_client(), ana)
    assert reply(ana_client, introduction.id, "maybe").status_code == 422
    response = reply(ana_client, introduction.id, "maybe", htmx=False)
    assert response.status_code == 303
    response = reply(ana_client, introduction.id, "decline", htmx=False)
    assert response.status_code == 303
    home = ana_client.get("/e/conf/").get_data(as_text=True)
    assert "Declined. Nobody is told." in home and f'data-introduction="{introduction.id}"' not in home
    # The first answer stands.
    reply(ana_client, introduction.id, "accept")
    assert only_introduction().a_answer == "declined"


def test_demo_has_a_pending_request_for_the_attendee_and_a_completed_introduction(app, runner):
    from eventnet.demo import data

    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0  # twice: nothing duplicated
    me = db.session.execute(db.select(Attendee).filter_by(email_key=data.ATTENDEE_EMAIL)).scalar_one()
    exported = services.export(me)
    assert [r["state"] for r in exported["received"]] == ["answer"]
    assert [m["state"] for m in exported["made"]] == ["introduced"]
    assert db.session.execute(db.select(db.func.count()).select_from(Introduction)).scalar_one() == 2


def test_a_deleted_account_takes_its_introductions_with_it(app, login, world):
    from eventnet.mydata.services import delete_account

    ivy, ana, bob = world["ivy"], world["ana"], world["bob"]
    connection = db.session.get(Connection, world["rows"][ivy.id, ana.id])
    services.introduce(ivy, connection, world["rows"][ivy.id, bob.id], "Pipelines")
    delete_account(db.session.get(Attendee, bob.id), "DELETE")
    db.session.expire_all()
    assert db.session.execute(db.select(Introduction)).first() is None
    assert "data-introduction" not in login(app.test_client(), ana).get("/e/conf/").get_data(as_text=True)
    # Bob's request email is no longer addressed to him (the outbox's pseudonymisation).
    assert "bob@example.org" not in {m.to_addr for m in outbox(services.KIND_REQUEST)}
