"""`flask attendees ...`: import attendee lists, and help-desk actions for one attendee."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..auth.services import create_login_link
from ..badges.services import badge_url, reissue_badge
from ..events.models import Event
from ..extensions import db
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

cli = AppGroup("attendees", help="Import attendees and help one attendee at the help desk.")


def event_or_fail(slug: str) -> Event:
    """The event with this slug, or a command-line error that lists the known ones."""
    event = db.session.execute(db.select(Event).filter_by(slug=slug.strip().lower())).scalar_one_or_none()
    if event is None:
        known = db.session.execute(db.select(Event.slug).order_by(Event.slug)).scalars().all()
        hint = f" Known events: {', '.join(known)}." if known else " There are no events yet (flask events create --help)."
        raise click.ClickException(f"No event with the slug {slug!r}.{hint}")
    return event


def attendee_or_fail(event: Event, email: str) -> Attendee:
    """The attendee of this event with this email (any case), or a command-line error."""
    attendee = find_by_email(event, email)
    if attendee is None:
        raise click.ClickException(f"No attendee with the email {email!r} in {event.slug!r}.")
    return attendee


def _print_rows(title: str, rows) -> None:
    """Each row with its number, who, and its reasons or notes (a rejection, a skip, a pending status)."""
    if not rows:
        return
    click.echo(f"{title} ({len(rows)}):")
    for r in rows:
        who = f"{r.email or '(no email)'}  {r.name or '(no name)'}"
        line = f"  row {r.row:>5}  {who}"
        if r.reasons:
            line += "  -> " + "; ".join(r.reasons)
        click.echo(line)


def print_mapping(parsed: ParsedCSV) -> None:
    """How the file was read, and which column fed each field, with the notes of any choice made."""
    for note in parsed.notes():
        click.echo(note)
    if parsed.decoded.guessed:
        others = ", ".join(NAMES.get(c, c) for c in parsed.decoded.alternatives)
        click.echo(f"Check the names: {others} would read some letters differently. "
                   "--encoding reads the file in another character set.")
    click.echo("Columns used:")
    mapping = parsed.mapping()
    width = max((len(used["label"]) for used in mapping), default=0)
    for used in mapping:
        how = "  (chosen with --map)" if used["by_hand"] else ""
        click.echo(f"  {used['label']:<{width}}  <- {used['header']!r} (column {used['column']}){how}")
        for note in used["notes"]:
            if not used["by_hand"]:
                click.echo(f"  {'':<{width}}     {note}")
    if parsed.ignored:
        shown = [shorten(h, 40) for h in parsed.ignored[:20]]
        more = f" and {len(parsed.ignored) - 20} more" if len(parsed.ignored) > 20 else ""
        click.echo(f"Not used: {', '.join(shown)}{more}")


def print_report(parsed: ParsedCSV, report: ImportReport) -> None:
    """The created / updated / skipped / rejected rows, each with its row number and reasons, then the totals.

    Unchanged rows are only counted: a re-import of a whole list would otherwise print every person.
    """
    dry = report.dry_run
    _print_rows("Would create" if dry else "Created", report.created)
    _print_rows("Would update" if dry else "Updated", report.updated)
    if report.unchanged:
        click.echo(f"Unchanged: {len(report.unchanged)} {'row' if len(report.unchanged) == 1 else 'rows'} already "
                   "hold these values (not listed).")
    _print_rows("Would skip" if dry else "Skipped", report.skipped)
    _print_rows("Rejected", report.rejected)
    counts = report.counts()
    click.echo(
        f"Totals: {counts['created']} {'to create' if dry else 'created'}, "
        f"{counts['updated']} {'to update' if dry else 'updated'}, {counts['unchanged']} unchanged, "
        f"{counts['skipped']} skipped, {counts['rejected']} rejected, of {len(parsed.rows)} rows."
    )


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
                    raise click.BadParameter(f"{option!r}: write it as FIELD=COLUMN, e.g. name=\"Full name\".",
                                             param_hint="--map")
                wanted[field.strip()] = column
            parsed = parse_csv(data, resolve_columns(parsed.headers, wanted), encoding)
        elif parsed.mapping_errors:
            parsed = parse_csv(data, encoding=encoding)  # raises the missing-columns error
    except CSVError as exc:
        hint = " Or name the columns with --map, e.g. --map email=Mail --map name=\"Wer\"." \
            if exc.code == "missing_columns" else ""
        raise click.ClickException(f"{file.name}: {exc}{hint}") from None
    except MappingInvalid as exc:
        raise click.ClickException(f"{file.name}: {exc}") from None
    return parsed


@cli.command("import")
@click.argument("event_slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would happen; save nothing.")
@click.option("--map", "mapping", multiple=True, metavar="FIELD=COLUMN",
              help="Take FIELD from COLUMN (a header as written, or a column letter like C); "
                   "FIELD= leaves a field out. Repeat for more fields.")
@click.option("--encoding", metavar="CHARSET",
              help="Read the file in this character set (e.g. cp1250, windows-1254, mac_roman) instead of "
                   "detecting it.")
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
            f"{file.name} is larger than {MAX_BYTES // 1024 // 1024} MB: split it into smaller files."
        )
    parsed = _read(file, mapping, encoding)
    click.echo(f"Importing {file.name} into {event.name!r} ({event.slug}): {len(parsed.rows)} rows.")
    print_mapping(parsed)
    report = import_rows(event, parsed, dry_run=dry_run)
    print_report(parsed, report)
    if dry_run:
        click.echo("Dry run: nothing was saved.")
    if not report.ok:
        click.echo(
            f"{len(report.rejected)} rows were rejected: fix them and import the file again "
            "(people already imported are updated, never added twice).",
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
    click.echo(f"Login for {attendee.name} <{attendee.email}> at {event.name}:")
    click.echo(f"  URL:  {link.url}")
    click.echo(f"  Code: {link.code}  (typed with the email at {absolute_url('auth.code', slug=event.slug)})")
    click.echo(f"  Works once, until {event.local(link.expires_at).strftime('%a %d %b %H:%M')} ({event.timezone}).")


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
    click.echo(f"New badge for {attendee.name} <{attendee.email}>; the old one no longer works.")
    click.echo(f"  Badge URL: {badge_url(attendee)}")
    click.echo(f"  Code under the QR: {attendee.short_code}")


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
    click.echo(f"{attendee.name} now logs in to {event.name} with {attendee.email} (was {old}).")
    click.echo("Every session of theirs has ended and their unused login links no longer work; the change is in the "
               "event's audit log.")
    click.echo(f"They ask for a login link with the new address at {absolute_url('auth.login', slug=event.slug)}")
