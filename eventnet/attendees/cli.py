"""`flask attendees ...`: import attendee lists, and help-desk actions for one attendee."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext

from ..auth.services import create_login_link
from ..badges.services import badge_url, reissue_badge
from ..events.models import Event
from ..extensions import db
from ..i18n.formats import format_moment
from ..i18n.markers import N_
from ..mail.services import absolute_url
from .email_change import EmailChangeError, change_by_operator
from .importer import (
    MAX_BYTES,
    CSVError,
    ImportReport,
    MappingInvalid,
    ParsedCSV,
    import_rows,
    parse_csv,
    read_csv,
    resolve_columns,
    shorten,
)
from .importer.decoding import NAMES
from .models import Attendee
from .services import find_by_email

cli = AppGroup("attendees", help=N_("Import attendees and help one attendee at the help desk."))


def event_or_fail(slug: str) -> Event:
    """The event with this slug, or a command-line error that lists the known ones."""
    event = db.session.execute(db.select(Event).filter_by(slug=slug.strip().lower())).scalar_one_or_none()
    if event is None:
        known = db.session.execute(db.select(Event.slug).order_by(Event.slug)).scalars().all()
        if known:
            raise click.ClickException(_("No event with the slug %(slug)s. Known events: %(known)s.", slug=repr(slug),
                                         known=", ".join(known)))
        raise click.ClickException(_("No event with the slug %(slug)s. There are no events yet (%(command)s).",
                                     slug=repr(slug), command="flask events create --help"))
    return event


def attendee_or_fail(event: Event, email: str) -> Attendee:
    """The attendee of this event with this email (any case), or a command-line error."""
    attendee = find_by_email(event, email)
    if attendee is None:
        raise click.ClickException(_("No attendee with the email %(email)s in %(event)s.", email=repr(email),
                                     event=repr(event.slug)))
    return attendee


def _print_rows(title: str, rows) -> None:
    """Each row with its number, who, and its reasons or notes (a rejection, a skip, a pending status)."""
    if not rows:
        return
    click.echo(f"{_(title)} ({len(rows)}):")
    for r in rows:
        who = f"{r.email or _('(no email)')}  {r.name or _('(no name)')}"
        line = "  " + _("row %(number)s", number=f"{r.row:>5}") + f"  {who}"
        if r.reasons:
            line += "  -> " + "; ".join(r.reasons)
        click.echo(line)


def print_mapping(parsed: ParsedCSV) -> None:
    """How the file was read, and which column fed each field, with the notes of any choice made."""
    for note in parsed.notes():
        click.echo(note)
    if parsed.decoded.guessed:
        others = ", ".join(NAMES.get(c, c) for c in parsed.decoded.alternatives)
        click.echo(_("Check the names: %(others)s would read some letters differently. "
                     "--encoding reads the file in another character set.", others=others))
    click.echo(_("Columns used:"))
    mapping = parsed.mapping()
    width = max((len(used["label"]) for used in mapping), default=0)
    for used in mapping:
        how = "  " + _("(chosen with --map)") if used["by_hand"] else ""
        column = _("(column %(column)s)", column=used["column"])
        click.echo(f"  {used['label']:<{width}}  <- {used['header']!r} {column}{how}")
        for note in used["notes"]:
            if not used["by_hand"]:
                click.echo(f"  {'':<{width}}     {note}")
    if parsed.ignored:
        shown = [shorten(h, 40) for h in parsed.ignored[:20]]
        if len(parsed.ignored) > 20:
            click.echo(_("Not used: %(columns)s and %(more)s more", columns=", ".join(shown), more=len(parsed.ignored) - 20))
        else:
            click.echo(_("Not used: %(columns)s", columns=", ".join(shown)))


def print_report(parsed: ParsedCSV, report: ImportReport) -> None:
    """The created / updated / skipped / rejected rows, each with its row number and reasons, then the totals.

    Unchanged rows are only counted: a re-import of a whole list would otherwise print every person.
    """
    dry = report.dry_run
    _print_rows(N_("Would create") if dry else N_("Created"), report.created)
    _print_rows(N_("Would update") if dry else N_("Updated"), report.updated)
    if report.unchanged:
        click.echo(ngettext("Unchanged: %(num)s row already holds these values (not listed).",
                            "Unchanged: %(num)s rows already hold these values (not listed).", len(report.unchanged)))
    _print_rows(N_("Would skip") if dry else N_("Skipped"), report.skipped)
    _print_rows(N_("Rejected"), report.rejected)
    counts = report.counts()
    totals = _("Totals: %(created)s to create, %(updated)s to update, %(unchanged)s unchanged, %(skipped)s skipped, "
               "%(rejected)s rejected, of %(rows)s rows.") if dry else \
        _("Totals: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(skipped)s skipped, "
          "%(rejected)s rejected, of %(rows)s rows.")
    click.echo(totals % {**counts, "rows": len(parsed.rows)})


def _read(file: Path, mapping: tuple[str, ...], encoding: str | None) -> ParsedCSV:
    """The file read with the --map and --encoding options; a command-line error with what to fix otherwise."""
    data = file.read_bytes()
    try:
        parsed = read_csv(data, encoding=encoding)
        if mapping:
            wanted = {}
            for option in mapping:
                field, sep, column = option.partition("=")
                if not sep:
                    raise click.BadParameter(_("%(option)s: write it as FIELD=COLUMN, e.g. %(example)s.",
                                               option=repr(option), example='name="Full name"'), param_hint="--map")
                wanted[field.strip()] = column
            parsed = parse_csv(data, resolve_columns(parsed.headers, wanted), encoding)
        elif parsed.mapping_errors:
            parsed = parse_csv(data, encoding=encoding)  # raises the missing-columns error
    except CSVError as exc:
        if exc.code == "missing_columns":
            raise click.ClickException(_("%(file)s: %(problem)s Or name the columns with --map, e.g. %(example)s.",
                                         file=file.name, problem=exc, example='--map email=Mail --map name="Wer"')) from None
        raise click.ClickException(f"{file.name}: {exc}") from None
    except MappingInvalid as exc:
        raise click.ClickException(f"{file.name}: {exc}") from None
    return parsed


@cli.command("import")
@click.argument("event_slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help=N_("Check the file and show what would happen; save nothing."))
@click.option("--map", "mapping", multiple=True, metavar="FIELD=COLUMN",
              help=N_("Take FIELD from COLUMN (a header as written, or a column letter like C); "
                      "FIELD= leaves a field out. Repeat for more fields."))
@click.option("--encoding", metavar="CHARSET",
              help=N_("Read the file in this character set (e.g. cp1250, windows-1254, mac_roman) instead of "
                      "detecting it."))
def import_command(event_slug: str, file: Path, dry_run: bool, mapping: tuple[str, ...], encoding: str | None) -> None:
    """Create or update the attendees of an event from a CSV file.

    \b
    Exports of Eventbrite, Tito, pretix, Luma and Google Forms, and CSV files
    saved from Excel, LibreOffice or Numbers import as they are: UTF-8 (with or
    without BOM), UTF-16, or Excel's Windows-1252; comma, semicolon, tab or |;
    Excel's sep= line; title rows above the header. Headers are recognised in
    English, German, French, Spanish, Italian, Dutch and Portuguese:
      email         required  (E-Mail, Courriel, Correo electrónico, Attendee email)
      name          required  (Full name), or first and last name columns
                              (Vorname/Nachname, Prénom/Nom, Nombre/Apellidos)
      title         optional  a "Dr." column: kept apart from the name
      company       optional  (Organisation, Firma, Empresa)
      headline      optional  the job title (Job title, Position, Poste, Cargo)
      role          optional  attendee or organizer
      status        optional  cancelled, refunded, declined, void and
                              waitlisted rows are skipped; pending ones imported
    Attendee columns are used before the buyer's ("Ticket Email", not "Order
    Email"). The command prints which column fed each field; change it with
    --map, e.g. --map name="Full name" --map company=F --map status=
    (fields: email, name, title, first_name, particle, last_name, suffix,
    company, headline, role, status).

    \b
    The email is the key: importing a fixed file again updates people instead
    of adding them twice, an empty optional cell keeps what the person already
    has, and a row that repeats an email of an earlier row is skipped. The report
    names each row (as your spreadsheet numbers it) and what became of it. The
    exit status is 1 if any row was rejected.
    """
    event = event_or_fail(event_slug)
    if file.stat().st_size > MAX_BYTES:
        raise click.ClickException(
            _("%(file)s is larger than %(size)s MB: split it into smaller files.", file=file.name,
              size=MAX_BYTES // 1024 // 1024)
        )
    parsed = _read(file, mapping, encoding)
    click.echo(ngettext("Importing %(file)s into %(event)s (%(slug)s): %(num)s row.",
                        "Importing %(file)s into %(event)s (%(slug)s): %(num)s rows.", len(parsed.rows),
                        file=file.name, event=repr(event.name), slug=event.slug))
    print_mapping(parsed)
    report = import_rows(event, parsed, dry_run=dry_run)
    print_report(parsed, report)
    if dry_run:
        click.echo(_("Dry run: nothing was saved."))
    if not report.ok:
        click.echo(
            ngettext("%(num)s row was rejected: fix it and import the file again "
                     "(people already imported are updated, never added twice).",
                     "%(num)s rows were rejected: fix them and import the file again "
                     "(people already imported are updated, never added twice).", len(report.rejected)),
            err=True,
        )
        raise SystemExit(1)


@cli.command("login-url")
@click.argument("event_slug")
@click.argument("email")
def login_url_command(event_slug: str, email: str) -> None:
    """Print a one-time login link and code for one attendee (help desk).

    Give the link or the code to the person in front of you, not by email to anyone
    else: whoever opens it is logged in as that attendee. It works once and expires.
    """
    event = event_or_fail(event_slug)
    attendee = attendee_or_fail(event, email)
    link = create_login_link(attendee, origin="helpdesk")
    db.session.commit()
    click.echo(_("Login for %(who)s at %(event)s:", who=f"{attendee.name} <{attendee.email}>", event=event.name))
    click.echo("  " + _("URL:  %(url)s", url=link.url))
    click.echo("  " + _("Code: %(code)s  (typed with the email at %(url)s)", code=link.code,
                        url=absolute_url("auth.code", slug=event.slug)))
    click.echo("  " + _("Works once, until %(when)s (%(zone)s).", when=format_moment(event.local(link.expires_at), "%a %d %b %H:%M"),
                        zone=event.timezone))


@cli.command("reissue-badge")
@click.argument("event_slug")
@click.argument("email")
def reissue_badge_command(event_slug: str, email: str) -> None:
    """Give an attendee a new badge (lost badge): the old QR stops working.

    Prints the new badge URL; print the new badge, and the person's contacts and
    profile stay as they are.
    """
    event = event_or_fail(event_slug)
    attendee = attendee_or_fail(event, email)
    reissue_badge(attendee)  # commits
    click.echo(_("New badge for %(who)s; the old one no longer works.", who=f"{attendee.name} <{attendee.email}>"))
    click.echo("  " + _("Badge URL: %(url)s", url=badge_url(attendee)))
    click.echo("  " + _("Code under the QR: %(code)s", code=attendee.short_code))


@cli.command("change-email")
@click.argument("event_slug")
@click.argument("old_email")
@click.argument("new_email")
def change_email_command(event_slug: str, old_email: str, new_email: str) -> None:
    """Change the email an attendee logs in with, for someone who lost access to the old one.

    In the organizer console, the email of an attendee with contacts or notes changes only
    when the old address confirms it, so that no organizer can move an account (and its
    private notes) to an address they read. This command is the way for a person who can no
    longer read their old mail: run it only after making sure they are who they say they
    are (in person, or through organizers who know them). The new address gets the whole
    account.

    It ends every session of the attendee (each device logs in again, with the new address),
    cancels their unused login links, and writes an audit entry by "command line". The
    server's operator holds the database anyway, so this grants nobody anything new.
    """
    event = event_or_fail(event_slug)
    attendee = attendee_or_fail(event, old_email)
    try:
        old = change_by_operator(event, attendee, new_email)
    except EmailChangeError as error:
        raise click.ClickException(error.message) from None
    click.echo(_("%(name)s now logs in to %(event)s with %(email)s (was %(old)s).", name=attendee.name, event=event.name,
                 email=attendee.email, old=old))
    click.echo(_("Every session of theirs has ended and their unused login links no longer work; the change is in the "
                 "event's audit log."))
    click.echo(_("They ask for a login link with the new address at %(url)s", url=absolute_url("auth.login", slug=event.slug)))
