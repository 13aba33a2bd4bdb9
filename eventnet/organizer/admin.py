"""Administrators: email addresses that may create events and name their organizers.

Set from the command line only (`flask admin add/remove/list`), by whoever runs the server. In
the browser an administrator logs in at /admin/login with a link sent to that address, into an
administrator session of its own (auth.session). Invariant: no event account is ever an
administrator, whatever its email: an organizer can create attendees with any address and hand
out their login links, so an event login must never carry administrator rights.
"""
from __future__ import annotations

from datetime import datetime

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import AppGroup
from flask_babel import gettext as _

from ..attendees.models import Attendee, normalise_email
from ..attendees.services import find_by_email, upsert_attendee
from ..events.models import Event
from ..events.services import EventError, create_event
from ..errors import DomainError
from ..extensions import db
from ..i18n.markers import N_
from ..audit import services as audit
from ..auth.models import Administrator

cli = AppGroup("admin", help=N_("Administrators: who may create events and name organizers in the browser (/admin)."))


class AdminError(DomainError):
    """An administrator action that cannot be done as asked (422); the message says why."""

    default_status = 422


def _checked_email(email: str) -> str:
    email = (email or "").strip()
    if len(email) > 254:
        raise AdminError("invalid_email", _("An email address is at most %(max)d characters.", max=254))
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise AdminError("invalid_email", _("This is not an email address: %(reason)s", reason=exc)) from None
    return email


def add_admin(email: str) -> bool:
    """Make an address an administrator; False if it was one already. Commits."""
    key = normalise_email(_checked_email(email))
    if db.session.execute(db.select(Administrator.id).filter_by(email_key=key)).first():
        return False
    db.session.add(Administrator(email_key=key))
    db.session.commit()
    return True


def remove_admin(email: str) -> bool:
    """Take administration away from an address; False if it had none. Commits.

    Its sessions and unused login links go with it (their rows cascade).
    """
    found = db.session.execute(
        db.select(Administrator).filter_by(email_key=normalise_email(email or ""))
    ).scalar_one_or_none()
    if found is None:
        return False
    db.session.delete(found)
    db.session.commit()
    return True


def list_admins() -> list[str]:
    """Every administrator's address, sorted."""
    return list(db.session.execute(db.select(Administrator.email_key).order_by(Administrator.email_key)).scalars())


def create_event_as(actor: Administrator | None, slug: str, name: str, starts: datetime, ends: datetime,
                    timezone: str, venue: str = "") -> Event:
    """Create an event (AdminError with the reason if it cannot be) and log who did. Commits."""
    if db.session.execute(db.select(Event.id).filter_by(slug=(slug or "").strip().lower())).first():
        # The one refusal the form cannot foresee, told in the reader's language.
        raise AdminError("invalid_event", _("An event with the short address “%(slug)s” exists already.",
                                            slug=slug.strip().lower()))
    try:
        event = create_event(slug, name, starts, ends, timezone, venue)  # commits
    except EventError as exc:
        raise AdminError("invalid_event", str(exc)) from None
    audit.record(event, actor, "event_created", slug=event.slug, name=event.name)
    db.session.commit()
    return event


def add_organizer(event: Event, actor: Administrator | None, email: str, name: str = "") -> tuple[Attendee, bool]:
    """Make the address an organizer of the event: promote the attendee, or create them. Commits.

    Returns (organizer, created). A new person needs a name (it is on their badge).
    """
    email = _checked_email(email)
    name = " ".join((name or "").split())
    if len(name) > 120:
        raise AdminError("invalid_name", _("A name is at most %(max)d characters.", max=120))
    existing = find_by_email(event, email)
    if existing is None and not name:
        raise AdminError("name_needed", _("This person is not an attendee of the event yet: enter their name too."))
    result = upsert_attendee(event, email, name or existing.name, role="organizer")
    db.session.flush()
    audit.record(event, actor, "organizer_added", attendee_id=result.attendee.id, email=result.attendee.email,
                 created=result.created)
    db.session.commit()
    return result.attendee, result.created


def events_with_organizers() -> list[tuple[Event, list[Attendee]]]:
    """Every event with its organizers, newest event first."""
    events = db.session.execute(db.select(Event).order_by(Event.starts_at.desc())).scalars().all()
    organizers = db.session.execute(
        db.select(Attendee).where(Attendee.role == "organizer").order_by(Attendee.name)
    ).scalars().all()
    by_event: dict[int, list[Attendee]] = {}
    for person in organizers:
        by_event.setdefault(person.event_id, []).append(person)
    return [(event, by_event.get(event.id, [])) for event in events]


@cli.command("add")
@click.argument("email")
def add_command(email: str) -> None:
    """Make EMAIL an administrator.

    An administrator logs in at /admin/login with a link sent to this address, and can create
    events and name their organizers. Event accounts with the same address get no such rights.
    """
    try:
        added = add_admin(email)
    except AdminError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(_("%(email)s is now an administrator.", email=normalise_email(email)) if added
               else _("%(email)s is already an administrator.", email=normalise_email(email)))


@cli.command("remove")
@click.argument("email")
def remove_command(email: str) -> None:
    """Take administration away from EMAIL (its administrator sessions end; event logins stay)."""
    if not remove_admin(email):
        raise click.ClickException(_("%(email)s is not an administrator.", email=normalise_email(email)))
    click.echo(_("%(email)s is no longer an administrator.", email=normalise_email(email)))


@cli.command("list")
def list_command() -> None:
    """List the administrators' addresses."""
    admins = list_admins()
    if not admins:
        click.echo(_("No administrators yet. Add one with  %(command)s", command="flask admin add EMAIL"))
    for email in admins:
        click.echo(email)
