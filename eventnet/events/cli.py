"""`flask events ...`: create and list events from the command line (in the environment's language, eventnet.i18n.cli)."""
from __future__ import annotations

from datetime import datetime

import click
from flask_babel import gettext as _

from ..i18n.formats import format_moment
from ..i18n.markers import N_
from .services import EventError, create_event, list_events
from .views import bp

# With an offset ("2026-10-25 02:30+01:00") a time in the autumn clock change says which it is.
TIME_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M%z", "%Y-%m-%dT%H:%M%z"]

bp.cli.help = N_("Create and list events.")


@bp.cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help=N_("The event's name as attendees see it."))
@click.option("--start", "starts", required=True, type=click.DateTime(TIME_FORMATS), metavar="'YYYY-MM-DD HH:MM'",
              help=N_('When it starts, in the event\'s time zone: "2026-12-01 09:00".'))
@click.option("--end", "ends", required=True, type=click.DateTime(TIME_FORMATS), metavar="'YYYY-MM-DD HH:MM'",
              help=N_('When it ends, in the event\'s time zone: "2026-12-02 18:00".'))
@click.option("--timezone", "tz", required=True, metavar="ZONE", help=N_("The event's time zone, e.g. Europe/Berlin."))
@click.option("--venue", default="", metavar="TEXT", help=N_("Where it takes place (optional)."))
def create_command(slug: str, name: str, starts: datetime, ends: datetime, tz: str, venue: str) -> None:
    """Create an event at /e/SLUG/.

    SLUG is the event's short address: a-z, 0-9 and '-', e.g. pycon-2026. Times are
    read in the event's own time zone.

    \b
    Example:
      flask events create pycon-2026 --name "PyCon 2026" \\
        --start "2026-12-01 09:00" --end "2026-12-02 18:00" \\
        --timezone Europe/Berlin --venue "Hall A"
    """
    try:
        event = create_event(slug, name, starts, ends, tz, venue)
    except EventError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(_("Created %(name)s at %(path)s", name=repr(event.name), path=f"/e/{event.slug}/"))
    click.echo(f"  {_span(event)}")
    click.echo(_("Next: import attendees with  %(command)s",
                 command=f"flask attendees import {event.slug} attendees.csv"))


def _span(event) -> str:
    """"Tue, Dec 1, 2026, 09:00 to Wed, Dec 2, 2026, 18:00 (Europe/Berlin)", in the command line's language."""
    fmt = "%a %d %b %Y %H:%M"
    return _("%(start)s to %(end)s (%(zone)s)", start=format_moment(event.local(event.starts_at), fmt),
             end=format_moment(event.local(event.ends_at), fmt), zone=event.timezone)


@bp.cli.command("list")
def list_command() -> None:
    """List every event: slug, name, dates in its time zone, venue."""
    events = list_events()
    if not events:
        click.echo(_("No events yet. Create one with  %(command)s", command="flask events create --help"))
        return
    for event in events:
        venue = f"  @ {event.venue}" if event.venue else ""
        click.echo(f"{event.slug}  {event.name}  {_span(event)}{venue}")
