"""The command line: events, attendee import and the help-desk commands, run as an organizer would."""
import re
from datetime import datetime, timezone

from eventnet.attendees.models import Attendee
from eventnet.events.models import Event
from eventnet.extensions import db


def people(event):
    return db.session.execute(db.select(Attendee).filter_by(event_id=event.id).order_by(Attendee.email_key)).scalars().all()


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path)


# ----------------------------------------------------------------------------- events

def test_events_create_reads_times_in_the_events_zone(runner):
    result = runner.invoke(args=[
        "events", "create", "pycon-2026", "--name", "PyCon 2026", "--start", "2026-12-01 09:00",
        "--end", "2026-12-02 18:00", "--timezone", "Europe/Berlin", "--venue", "Hall A",
    ])
    assert result.exit_code == 0, result.output
    assert "Created 'PyCon 2026' at /e/pycon-2026/" in result.output
    event = db.session.execute(db.select(Event).filter_by(slug="pycon-2026")).scalar_one()
    assert event.starts_at == datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)  # 09:00 CET
    assert event.ends_at == datetime(2026, 12, 2, 17, 0, tzinfo=timezone.utc)
    assert event.venue == "Hall A"

    listed = runner.invoke(args=["events", "list"])
    assert listed.exit_code == 0
    assert "pycon-2026  PyCon 2026  Tue, Dec 1, 2026, 09:00 to Wed, Dec 2, 2026, 18:00 (Europe/Berlin)  @ Hall A" in listed.output


def test_events_create_errors(runner, make_event):
    make_event(slug="taken")
    base = ["--name", "X", "--start", "2026-12-01 09:00", "--end", "2026-12-02 18:00"]
    cases = [
        (["taken", *base, "--timezone", "Europe/Berlin"], "An event with the slug 'taken' already exists."),
        (["new-one", *base, "--timezone", "Mars/Olympus"], "Unknown time zone 'Mars/Olympus'"),
        (["new-one", "--name", "X", "--start", "2026-12-02 09:00", "--end", "2026-12-01 18:00",
          "--timezone", "Europe/Berlin"], "The event must end after it starts."),
        (["Bad Slug!", *base, "--timezone", "Europe/Berlin"], "The slug may hold only a-z"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["events", "create", *args])
        assert result.exit_code == 1, args
        assert message in result.output
    assert runner.invoke(args=["events", "create", "x", "--name", "X", "--start", "tomorrow", "--end",
                               "2026-12-01 18:00", "--timezone", "UTC"]).exit_code == 2
    assert db.session.execute(db.select(db.func.count(Event.id))).scalar_one() == 1


def test_events_help_reads_well(runner):
    result = runner.invoke(args=["events", "create", "--help"])
    assert "Create an event at /e/SLUG/." in result.output
    assert "--timezone ZONE" in result.output


# ----------------------------------------------------------------------------- import

def test_import_reports_created_updated_rejected_with_row_numbers(runner, make_event, tmp_path):
    event = make_event(slug="conf")
    path = write(tmp_path, "people.csv", (
        "email,name,company,headline,role\n"
        "ada@example.org,Ada Nwosu,Northwind,Data engineer,\n"
        "maren@example.org,Maren Lindqvist,Demo,,organizer\n"
        "bad-address,Nobody,,,\n"
    ))
    result = runner.invoke(args=["attendees", "import", "conf", path])
    assert result.exit_code == 1  # a row was rejected
    out = result.output
    assert "Created (2):" in out
    assert re.search(r"row\s+2\s+ada@example.org\s+Ada Nwosu", out)
    assert re.search(r"row\s+3\s+maren@example.org", out)
    assert "Rejected (1):" in out
    assert re.search(r"row\s+4\s+bad-address\s+Nobody\s+-> invalid email 'bad-address'", out)
    assert "Totals: 2 created, 0 updated, 0 unchanged, 0 skipped, 1 rejected, of 3 rows." in out
    assert [(a.email, a.role) for a in people(event)] == [("ada@example.org", "attendee"), ("maren@example.org", "organizer")]

    # The fixed file, with different case in the address: updates, no duplicates, exit 0.
    fixed = write(tmp_path, "fixed.csv", (
        "email,name\n"
        "ADA@Example.ORG,Ada N. Nwosu\n"
        "nobody@example.org,Nobody\n"
    ))
    result = runner.invoke(args=["attendees", "import", "conf", fixed])
    assert result.exit_code == 0, result.output
    assert re.search(r"Updated \(1\):\n\s+row\s+2\s+ADA@Example.ORG", result.output)
    assert "Totals: 1 created, 1 updated, 0 unchanged, 0 skipped, 0 rejected, of 2 rows." in result.output
    everyone = people(event)
    assert len(everyone) == 3
    assert everyone[0].name == "Ada N. Nwosu" and everyone[0].company == "Northwind"


def test_import_excel_style_file_bom_semicolons_aliases(runner, make_event, tmp_path):
    event = make_event(slug="xl")
    path = write(tmp_path, "excel.csv", "\ufeffE-mail;Full name;Organisation;Title\r\n"
                                        "zeynep@example.org;Zeynep Yılmaz;Bosphorus, Bank;Risk lead\r\n"
                                        "\r\n"
                                        "lan@example.org;Nguyễn Thị Lan;;CTO\r\n")
    result = runner.invoke(args=["attendees", "import", "xl", path])
    assert result.exit_code == 0, result.output
    assert "Read as UTF-8 with BOM, columns separated by semicolons." in result.output
    for label, header, column in (("Email", "E-mail", "A"), ("Full name", "Full name", "B"),
                                  ("Company", "Organisation", "C"), ("Job title", "Title", "D")):
        assert re.search(rf"{re.escape(label)}\s+<- '{header}' \(column {column}\)", result.output), label
    assert re.search(r"row\s+4\s+lan@example.org\s+Nguyễn Thị Lan", result.output)  # blank row 3 skipped
    got = {a.email: (a.name, a.company, a.headline) for a in people(event)}
    assert got == {
        "zeynep@example.org": ("Zeynep Yılmaz", "Bosphorus, Bank", "Risk lead"),
        "lan@example.org": ("Nguyễn Thị Lan", "", "CTO"),
    }


def test_import_rejects_each_bad_row_and_keeps_the_good_ones(runner, make_event, tmp_path):
    event = make_event(slug="bad-rows")
    path = write(tmp_path, "bad.csv", (
        "email,name,role\n"
        "good@example.org,Good Person,\n"
        "no-at-sign.example.org,Bad Email,\n"
        "missing@example.org,,\n"
        f"long@example.org,{'x' * 121},\n"
        "role@example.org,Role Person,boss\n"
        "Good@Example.org,Good Twice,organizer\n"
    ))
    result = runner.invoke(args=["attendees", "import", "bad-rows", path])
    assert result.exit_code == 1
    out = result.output
    assert re.search(r"row\s+3 .*invalid email", out)
    assert re.search(r"row\s+4 .*name is missing", out)
    assert re.search(r"row\s+5 .*name is longer than 120 characters", out)
    assert re.search(r"row\s+6 .*role must be attendee or organizer, not 'boss'", out)
    assert "Skipped (1):" in out and re.search(r"row\s+7 .*-> duplicate of row 2 \(same email\)", out)
    assert "Totals: 1 created, 0 updated, 0 unchanged, 1 skipped, 4 rejected, of 6 rows." in out
    assert [a.email for a in people(event)] == ["good@example.org"]


def test_import_dry_run_saves_nothing(runner, make_event, tmp_path):
    event = make_event(slug="dry")
    result = runner.invoke(args=["attendees", "import", "dry", write(tmp_path, "p.csv", "email,name\na@example.org,A\n"), "--dry-run"])
    assert result.exit_code == 0
    assert "Would create (1):" in result.output and "Dry run: nothing was saved." in result.output
    assert people(event) == []


def test_import_excel_windows_1252_says_how_it_was_read(runner, make_event, tmp_path):
    event = make_event(slug="latin")
    path = write(tmp_path, "latin1.csv", "email,name\nrene@example.org,René Lefèvre\n".encode("cp1252"))
    result = runner.invoke(args=["attendees", "import", "latin", path])
    assert result.exit_code == 0, result.output
    assert "Read as Windows-1252 (Western European)" in result.output
    assert [a.name for a in people(event)] == ["René Lefèvre"]


def test_import_in_a_character_set_chosen_by_hand(runner, make_event, tmp_path):
    event = make_event(slug="tr")
    path = write(tmp_path, "tr.csv", "email,name\nsukru@example.org,Şükrü Yıldız\n".encode("cp1254"))
    guessed = runner.invoke(args=["attendees", "import", "tr", path, "--dry-run"])
    assert "Read as Windows-1252" in guessed.output and "Þükrü Yýldýz" in guessed.output
    result = runner.invoke(args=["attendees", "import", "tr", path, "--encoding", "windows-1254"])
    assert result.exit_code == 0, result.output
    assert "Read as Windows-1254 (Turkish)" in result.output
    assert [a.name for a in people(event)] == ["Şükrü Yıldız"]
    wrong = runner.invoke(args=["attendees", "import", "tr", path, "--encoding", "klingon"])
    assert wrong.exit_code == 1 and "not a character set we read" in wrong.output


def test_import_a_character_set_that_cannot_be_told_is_a_clear_error(runner, make_event, tmp_path):
    event = make_event(slug="el")
    path = write(tmp_path, "el.csv", "email,name\np@example.org,Γιώργος Παπαδόπουλος\n".encode("cp1253"))
    result = runner.invoke(args=["attendees", "import", "el", path])
    assert result.exit_code == 1
    assert "cannot be told with confidence" in result.output and "Save it as CSV UTF-8" in result.output
    assert people(event) == []


def test_import_missing_columns_lists_what_was_found(runner, make_event, tmp_path):
    make_event(slug="cols")
    result = runner.invoke(args=["attendees", "import", "cols", write(tmp_path, "c.csv", "Email;Wer;Firma\na@example.org;A;B\n")])
    assert result.exit_code == 1
    assert "no name column" in result.output
    assert "Columns found: 'Email', 'Wer', 'Firma'" in result.output
    assert "--map" in result.output


def test_import_with_the_columns_chosen_by_map(runner, make_event, tmp_path):
    event = make_event(slug="map")
    path = write(tmp_path, "m.csv", "Kontakt;Wer;Firma;Firma\na@example.org;Ada Nwosu;Old;Northwind\n")
    result = runner.invoke(args=["attendees", "import", "map", path, "--map", "email=kontakt", "--map", "name=Wer",
                                 "--map", "company=D"])
    assert result.exit_code == 0, result.output
    assert re.search(r"Full name\s+<- 'Wer' \(column B\)  \(chosen with --map\)", result.output)
    assert [(a.email, a.name, a.company) for a in people(event)] == [("a@example.org", "Ada Nwosu", "Northwind")]

    # A field left out, a header two columns have, an unknown column or field: say what to do.
    result = runner.invoke(args=["attendees", "import", "map", path, "--map", "email=kontakt", "--map", "name=Wer",
                                 "--map", "company="])
    assert result.exit_code == 0 and "Company" not in result.output.split("Not used")[0]
    for option, message in (("company=Firma", "2 columns are named 'Firma' (C, D): give the letter, e.g. company=D."),
                            ("name=Nobody", "No column is named 'Nobody'. Columns found: 'Kontakt', 'Wer'"),
                            ("shoe=Wer", "There is no field 'shoe'"),
                            ("name", "write it as FIELD=COLUMN")):
        result = runner.invoke(args=["attendees", "import", "map", path, "--map", "email=Kontakt", "--map", option])
        assert result.exit_code != 0 and message in result.output, (option, result.output)


def test_import_unknown_event_and_missing_file(runner, make_event, tmp_path):
    make_event(slug="real")
    result = runner.invoke(args=["attendees", "import", "nope", write(tmp_path, "p.csv", "email,name\n")])
    assert result.exit_code == 1
    assert "No event with the slug 'nope'. Known events: real." in result.output
    result = runner.invoke(args=["attendees", "import", "real", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


# ----------------------------------------------------------------------------- help desk

def test_login_url_prints_a_link_that_logs_in(runner, app, make_event, make_attendee):
    event = make_event(slug="desk")
    ada = make_attendee(event, email="ada@example.org", name="Ada Nwosu")
    result = runner.invoke(args=["attendees", "login-url", "desk", "ADA@example.org"])
    assert result.exit_code == 0, result.output
    assert "Login for Ada Nwosu <ada@example.org>" in result.output
    url = re.search(r"URL:\s+(\S+)", result.output).group(1)
    assert url.startswith(app.config["BASE_URL"] + "/")
    assert re.search(r"Code:\s+\S+", result.output)

    client = app.test_client()
    path = url.removeprefix(app.config["BASE_URL"])
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Log in" in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    action = re.search(r'<form[^>]*method="post"[^>]*action="([^"]+)"', html)
    response = client.post(action.group(1) if action else path, data={"csrf_token": token})
    assert response.status_code in (302, 303)
    home = client.get("/e/desk/")
    assert home.status_code == 200
    assert "Hello, Ada Nwosu" in home.get_data(as_text=True)
    db.session.refresh(ada)
    assert ada.last_login_at is not None


def test_login_url_unknown_attendee(runner, make_event):
    make_event(slug="desk2")
    result = runner.invoke(args=["attendees", "login-url", "desk2", "ghost@example.org"])
    assert result.exit_code == 1
    assert "No attendee with the email 'ghost@example.org' in 'desk2'." in result.output


def test_reissue_badge_prints_the_new_badge_url(runner, app, make_event, make_attendee):
    event = make_event(slug="lost")
    bo = make_attendee(event, email="bo@example.org", name="Bo")
    old = bo.badge_token
    result = runner.invoke(args=["attendees", "reissue-badge", "lost", "bo@example.org"])
    assert result.exit_code == 0, result.output
    db.session.refresh(bo)
    assert bo.badge_token != old
    assert f"{app.config['BASE_URL']}/b/{bo.badge_token}" in result.output
    assert old not in result.output
    assert runner.invoke(args=["attendees", "reissue-badge", "lost", "nobody@example.org"]).exit_code == 1
