"""`flask badges pdf`: the badge sheet from the command line, for any number of attendees."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext

from ..attendees.cli import event_or_fail
from ..badges.services import badge_url
from ..branding.services import sheet_brand
from ..i18n.formats import number
from ..i18n.markers import N_
from ..attendees.finder import attendees_for_badges
from . import pdf as badges_pdf

cli = AppGroup("badges", help=N_("Print-ready badge sheets."))


@cli.command("pdf")
@click.argument("event_slug")
@click.argument("output", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--paper", type=click.Choice(["a4", "letter", "badge"]), default="a4", show_default=True,
              help=N_("A4 or US Letter with six badges and cut marks per page, or one badge per page."))
@click.option("--search", default="", metavar="TEXT", help=N_("Only attendees whose name, email or company contains TEXT."))
def pdf_command(event_slug: str, output: Path, paper: str, search: str) -> None:
    """Write the badge sheet of an event's attendees to OUTPUT (a PDF), sorted by name.

    Each badge: the event name, the attendee's name (large enough to read at two metres),
    company, headline, the QR code of their badge URL (BASE_URL/b/<token>) and the short
    code under it. Print at 100% ("actual size"), then cut along the marks.

    \b
    Example:
      flask badges pdf pycon-2026 badges.pdf --paper letter
    """
    event = event_or_fail(event_slug)
    people = attendees_for_badges(event, None, search)
    if not people:
        raise click.ClickException(_("Nobody to print: the event has no attendees matching that search.") if search
                                   else _("Nobody to print: the event has no attendees."))
    started = time.perf_counter()
    with click.progressbar(length=len(people), label=ngettext("%(num)s badge", "%(num)s badges", len(people)), file=sys.stderr) as bar:
        done = [0]

        def progress(count: int) -> None:
            bar.update(count - done[0])
            done[0] = count

        pdf = badges_pdf.render_sheet(badges_pdf.badge_data(people, badge_url), event.name, paper, progress,
                                      brand=sheet_brand(event), language=event.default_language)
    output.write_bytes(pdf)
    pages = -(-len(people) // (1 if paper == "badge" else badges_pdf.PER_PAGE))
    badges = ngettext("%(num)s badge", "%(num)s badges", len(people))
    on_pages = ngettext("%(badges)s on %(num)s page", "%(badges)s on %(num)s pages", pages, badges=badges)
    click.echo(_("Wrote %(file)s (%(what)s, %(size)s MB) in %(seconds)s s.", file=output, what=on_pages,
                 size=number(round(len(pdf) / 1024 / 1024, 1)), seconds=number(round(time.perf_counter() - started, 1))))
