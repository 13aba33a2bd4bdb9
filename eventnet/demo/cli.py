"""`flask demo seed`: a demo event to click through, with login links to start from."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..auth.services import create_login_link
from ..badges.services import badge_url
from ..extensions import db
from ..mail.services import absolute_url
from . import data
from .services import seed_demo

cli = AppGroup("demo", help="The demo event, for trying eventnet without an attendee list.")


@cli.command("seed")
def seed_command() -> None:
    """Create or refresh the demo event (slug "demo") and its people.

    The event runs from a few hours ago until tomorrow evening, so scanning is open.
    Running it again updates the same event and people (by slug and email) instead of
    adding new ones. Prints one-time login links for a demo attendee and the demo
    organizer, the development mailbox, and a badge to scan.
    """
    seed = seed_demo()
    event = seed.event
    click.echo(
        f"{'Created' if seed.event_created else 'Refreshed'} {event.name!r} at "
        f"{absolute_url('events.home', slug=event.slug)} "
        f"({len(seed.people)} people: {seed.created} created, {seed.updated} updated)."
    )
    click.echo("Each login link works once; open them in two different browsers (or a private window).")
    for label, email in (("attendee", data.ATTENDEE_EMAIL), ("organizer", data.ORGANIZER_EMAIL)):
        person = seed.people[email]
        link = create_login_link(person, origin="helpdesk")
        click.echo(f"Log in as the {label} {person.name} <{person.email}>:")
        click.echo(f"  {link.url}")
        click.echo(f"  code {link.code}")
    db.session.commit()
    click.echo(f"(Or type a code at {absolute_url('auth.code', slug=event.slug)} with the person's email.)")
    if "mailbox.index" in current_app.view_functions:
        click.echo(f"Mailbox (login emails in development): {absolute_url('mailbox.index')}")
    target = seed.people[data.SCAN_TARGET_EMAIL]
    click.echo(
        f"Try an exchange: logged in as {seed.people[data.ATTENDEE_EMAIL].name}, open (or scan) the badge of "
        f"{target.name}: {badge_url(target)}"
    )
