"""The attendee lists organizers really have, imported as they are, by the CLI and in the browser.

tests/files/samples/ are the files of issue 11 (their README gives the right result);
tests/files/imports/ are more of each kind, shaped like what the tools export: Luma, Google
Forms, LibreOffice with ; and a title row, German headers with an academic title, Excel's
Windows-1252 and "Unicode Text", statuses of Eventbrite, Luma and pretix, repeated emails.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from eventnet.attendees.models import Attendee
from eventnet.extensions import db
from tests.conftest import csrf_token

FILES = Path(__file__).parent / "files"


@dataclass
class Person:
    name: str
    company: str = ""
    headline: str = ""
    prefix: str = ""
    given: str = ""
    family: str = ""
    suffix: str = ""


@dataclass
class Expected:
    """Who is imported (email -> Person), which rows are skipped and why, what the report says."""

    people: dict[str, Person]
    skipped: dict[int, str] = field(default_factory=dict)  # row -> the start of its reason
    notes: dict[int, str] = field(default_factory=dict)  # row of an imported person -> a note it has
    columns: dict[str, str] = field(default_factory=dict)  # field -> header it must come from
    read_as: str = "UTF-8"


CASES = {
    # ---- issue 11's samples (tests/files/samples/README.md)
    "samples/eventbrite-attendees.csv": Expected(
        {"lena.okafor@example.org": Person("Lena Okafor", "Northwind", "Data Engineer", given="Lena", family="Okafor"),
         "tomas.herrera@example.org": Person("Tomás Herrera Díaz", "Contoso", "CTO", given="Tomás",
                                             family="Herrera Díaz")},
        columns={"given_name": "First Name", "family_name": "Last Name", "headline": "Job Title",
                 "status": "Attendee Status"}),
    "samples/tito-tickets.csv": Expected(
        {"priya.raman@example.org": Person("Priya Raman", "Fabrikam", given="Priya", family="Raman"),
         "jonas.berg@example.org": Person("Jonas Berg", "Fabrikam", given="Jonas", family="Berg")},
        columns={"email": "Ticket Email", "name": "Ticket Full Name", "company": "Ticket Company Name"}),
    "samples/pretix-order-positions.csv": Expected(
        {"amara.nwosu@example.org": Person("Amara Nwosu", "Initech", prefix="Dr.", given="Amara", family="Nwosu"),
         "felix.wagner@example.org": Person("Felix Wagner", "Initech", given="Felix", family="Wagner")},
        columns={"email": "Attendee email", "name": "Attendee name", "name_prefix": "Attendee name: Title",
                 "company": "Company"}),
    "samples/excel-sep-line.csv": Expected(
        {"ines.moreau@example.org": Person("Inès Moreau", "Globex"),
         "kai.tanaka@example.org": Person("Kai Tanaka", "Umbrella")}, read_as="UTF-8 with BOM"),
    "samples/idn-domain.csv": Expected(
        {"anna@bücher.example": Person("Anna Bücher"), "plain@example.org": Person("Plain Ascii")}),
    # ---- more of each kind
    "imports/luma-guests.csv": Expected(
        {"mei.lin@example.org": Person("Mei Lin", "Fabrikam", "Staff Engineer", given="Mei", family="Lin"),
         "seun@example.org": Person("Oluwaseun Adeyemi", "Northwind", "Product Manager", given="Oluwaseun",
                                    family="Adeyemi")},
        skipped={4: "declined", 5: "on the waiting list", 6: "invited but not registered"},
        notes={3: "pending approval"}, columns={"company": "What's your company?", "status": "approval_status"},
        read_as="UTF-8 with BOM"),
    "imports/google-forms-responses.csv": Expected(
        {"ana.souza@example.org": Person("Ana Souza", "Globex", "Data Scientist"),
         "bjorn@example.org": Person("Björn Lindqvist", "Initech, Inc.", "Developer Advocate")},
        skipped={4: "duplicate of row 2 (same email): only row 2 is imported; this row's company and headline differ"},
        columns={"email": "Email address", "company": "Company / Organisation", "headline": "What is your job title?"}),
    "imports/libreoffice-semicolon.csv": Expected(
        {"juergen@example.org": Person("Jürgen Müller-Lüdenscheidt", "Bäckerei Größe GmbH", "Geschäftsführer",
                                       given="Jürgen", family="Müller-Lüdenscheidt"),
         "ines.dlf@example.org": Person("Inès de la Fontaine", "Société Générale", "Cheffe de projet", given="Inès",
                                        family="de la Fontaine")},
        skipped={6: "cancelled (status 'storniert')"}, notes={5: "pending (status 'ausstehend')"}),
    "imports/german-headers.csv": Expected(
        {"amara@example.org": Person("Amara Nwosu", "Initech", "Forschungsleiterin", "Dr.", "Amara", "Nwosu"),
         "klaus@example.org": Person("Klaus von Stein", "TU Beispielstadt", "Professor", "Prof. Dr.", "Klaus",
                                     "von Stein")},
        skipped={4: "refunded (status 'Erstattet')"}, columns={"name_prefix": "Titel", "headline": "Position"},
        read_as="UTF-8 with BOM"),
    "imports/excel-windows-1252.csv": Expected(
        {"helene@example.org": Person("Hélène Lefèvre", "“Crème” & Fils", "Directrice générale", given="Hélène",
                                      family="Lefèvre"),
         "jose@example.org": Person("José Ángel Núñez Peña", "Compañía Ñandú", "Jefe de producto", given="José Ángel",
                                    family="Núñez Peña"),
         "soren@example.org": Person("Søren Kierkegård", "Bjørn & Sønner AS", "Rådgiver", given="Søren",
                                     family="Kierkegård")},
        read_as="Windows-1252 (Western European)"),
    "imports/eventbrite-statuses.csv": Expected(
        {"grace@example.org": Person("Grace Hopper", "US Navy", "Rear Admiral", "Dr.", "Grace", "Hopper"),
         "hal@example.org": Person("Hal Daumé III", "Umbrella", "Researcher", given="Hal", family="Daumé",
                                   suffix="III"),
         "pat@example.org": Person("Pat Pending", "Contoso", "Analyst", given="Pat", family="Pending")},
        skipped={4: "refunded (status 'Refunded')", 5: "cancelled (status 'Cancelled')"}),
    "imports/pretix-buyer-email.csv": Expected(
        {"orders@initech.example": Person("Peter Gibbons", "Initech", given="Peter", family="Gibbons"),
         "milton@example.org": Person("Milton Waddams", "Initech", given="Milton", family="Waddams")},
        skipped={3: "duplicate of row 2 (same email): only row 2 is imported; this row's name differs",
                 5: "duplicate of row 4 (same email): only row 4 is imported", 6: "cancelled (status 'Canceled')"},
        notes={4: "pending (status 'Pending')"}, columns={"email": "Email"}),
    "imports/excel-unicode-text.txt": Expected(
        {"jan@example.org": Person("Jan van der Berg", "Philips", "Ingenieur", given="Jan", family="van der Berg"),
         "eva@example.org": Person("Eva Jansen", "ASML", "Onderzoeker", given="Eva", family="Jansen")},
        columns={"name_particle": "Tussenvoegsel", "email": "E-mailadres"}, read_as="UTF-16"),
}


def stored(event) -> dict[str, Person]:
    db.session.expire_all()
    return {
        a.email: Person(a.name, a.company, a.headline, a.name_prefix, a.given_name, a.family_name, a.name_suffix)
        for a in db.session.execute(db.select(Attendee).filter_by(event_id=event.id, role="attendee")).scalars()
    }


@pytest.mark.parametrize("name", CASES)
def test_the_command_line_imports_it_as_it_is(runner, make_event, name):
    expected = CASES[name]
    event = make_event(slug="conf")
    result = runner.invoke(args=["attendees", "import", "conf", str(FILES / name)])
    out = result.output
    assert result.exit_code == 0, out
    assert stored(event) == expected.people
    assert f"Read as {expected.read_as}," in out
    for row, reason in expected.skipped.items():
        assert re.search(rf"row\s+{row}\s+.*-> {re.escape(reason)}", out), (row, out)
    for row, note in expected.notes.items():
        assert re.search(rf"row\s+{row}\s+.*-> .*{re.escape(note)}", out), (row, out)
    for name_, header in expected.columns.items():
        assert re.search(rf"<- {re.escape(repr(header))} \(column [A-Z]+\)", out), (name_, header)
    assert f"{len(expected.people)} created, 0 updated, 0 unchanged, {len(expected.skipped)} skipped, 0 rejected" in out

    # The same file again: everyone is unchanged, nobody is added twice.
    again = runner.invoke(args=["attendees", "import", "conf", str(FILES / name)])
    assert f"0 created, 0 updated, {len(expected.people)} unchanged" in again.output, again.output
    assert stored(event) == expected.people


def multipart(client, data: bytes, filename: str, token: str):
    boundary, body = encode_multipart({"csrf_token": token, "file": FileStorage(io.BytesIO(data), filename)})
    return client.post("/e/conf/organizer/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


@pytest.mark.parametrize("name", CASES)
def test_the_browser_imports_it_as_it_is(client, login, make_event, make_attendee, name):
    expected = CASES[name]
    event = make_event(slug="conf")
    login(client, make_attendee(event, email="maren@example.org", name="Maren", role="organizer"))
    token = csrf_token(client, "/e/conf/organizer/import")
    preview = multipart(client, (FILES / name).read_bytes(), Path(name).name, token)
    assert preview.status_code == 303, preview.get_data(as_text=True)
    html = client.get(preview.headers["Location"]).get_data(as_text=True)
    assert f"Read as {expected.read_as}," in html
    assert f'data-count="valid">{len(expected.people)}<' in html
    assert f'data-forecast="created">{len(expected.people)}<' in html
    for field_, header in expected.columns.items():
        select = re.search(rf'<select id="map-{field_}".*?</select>', html, re.S).group(0)
        chosen = re.search(r"<option [^>]*selected>[A-Z]+: ([^<(]*?)(?: \(e\.g\.|<)", select).group(1)
        assert chosen.replace("&#39;", "'") == header, (field_, chosen)
    done = client.post(preview.headers["Location"], data=dict(re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)))
    assert done.status_code == 303
    report = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f'data-count="created">{len(expected.people)}<' in report
    assert f'data-count="skipped">{len(expected.skipped)}<' in report and 'data-count="rejected">0<' in report
    for reason in expected.skipped.values():
        assert reason.replace("'", "&#39;") in report
    for field_, header in expected.columns.items():
        assert re.search(rf'<dd data-field="{field_}">“{re.escape(header).replace("&", "&amp;")}” \(column [A-Z]+\)',
                         report.replace("&#39;", "'")), (field_, header)
    assert stored(event) == expected.people
