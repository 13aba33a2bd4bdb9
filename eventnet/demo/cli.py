"""`flask demo seed`: a demo event to click through, with login links to start from."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from ..auth.services import create_login_link
from ..badges.services import badge_url
from ..extensions import db
from ..i18n.markers import N_
from ..mail.services import absolute_url
from . import data
from .services import seed_demo

cli = AppGroup("demo", help=N_("The demo event, for trying eventnet without an attendee list."))


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
    done = _("Created %(name)s at %(url)s (%(people)s people: %(created)s created, %(updated)s updated).") \
        if seed.event_created else _("Refreshed %(name)s at %(url)s (%(people)s people: %(created)s created, "
                                     "%(updated)s updated).")
    click.echo(done % {"name": repr(event.name), "url": absolute_url("events.home", slug=event.slug),
                       "people": len(seed.people), "created": seed.created, "updated": seed.updated})
    click.echo(_("Each login link works once; open them in two different browsers (or a private window)."))
    for role, email in (("attendee", data.ATTENDEE_EMAIL), ("organizer", data.ORGANIZER_EMAIL)):
        person = seed.people[email]
        link = create_login_link(person, origin="helpdesk")
        who = f"{person.name} <{person.email}>"
        click.echo(_("Log in as the attendee %(who)s:", who=who) if role == "attendee"
                   else _("Log in as the organizer %(who)s:", who=who))
        click.echo(f"  {link.url}")
        click.echo("  " + _("code %(code)s", code=link.code))
    db.session.commit()
    click.echo(_("(Or type a code at %(url)s with the person's email.)", url=absolute_url("auth.code", slug=event.slug)))
    if "mailbox.index" in current_app.view_functions:
        click.echo(_("Mailbox (login emails in development): %(url)s", url=absolute_url("mailbox.index")))
    target = seed.people[data.SCAN_TARGET_EMAIL]
    click.echo(_("Try an exchange: logged in as %(me)s, open (or scan) the badge of %(them)s: %(url)s",
                 me=seed.people[data.ATTENDEE_EMAIL].name, them=target.name, url=badge_url(target)))
