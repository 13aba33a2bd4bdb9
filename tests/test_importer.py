"""The attendee CSV importer: parsing, row-by-row validation, create-or-update in one go."""
import pytest

from eventnet.attendees import importer
from eventnet.attendees.importer import CSVError, import_rows, parse_csv
from eventnet.attendees.models import Attendee
from eventnet.extensions import db


def attendees_of(event):
    return db.session.execute(db.select(Attendee).filter_by(event_id=event.id).order_by(Attendee.email_key)).scalars().all()


def reasons(parsed):
    return {row.row: "; ".join(row.errors) for row in parsed.invalid_rows}


def test_header_aliases_any_case_and_ignored_columns():
    parsed = parse_csv(
        "E-Mail,FULL NAME,Organization,Job title,Role,Phone\n"
        "ada@example.org,Ada Nwosu,Northwind,Data engineer,Organizer,123\n".encode()
    )
    assert parsed.columns == {
        "email": "E-Mail", "name": "FULL NAME", "company": "Organization", "headline": "Job title", "role": "Role",
    }
    assert parsed.ignored == ["Phone"]
    (row,) = parsed.rows
    assert (row.row, row.email, row.name, row.company, row.headline, row.role) == (
        2, "ada@example.org", "Ada Nwosu", "Northwind", "Data engineer", "organizer",
    )


def test_bom_and_semicolons():
    parsed = parse_csv("\ufeffEmail;Name;Company\nkenji@example.org;Kenji Watanabe;Kumo, Inc.\n".encode())
    assert parsed.delimiter == ";"
    assert parsed.columns["email"] == "Email"  # the BOM is not part of the first header
    assert parsed.rows[0].company == "Kumo, Inc."


def test_semicolon_file_whose_cells_hold_commas():
    # Sniffing alone can pick ',' here; the header decides.
    data = "email;name\nsam@example.org;Smith, Sam\nlee@example.org;Lee, Kim\n".encode()
    parsed = parse_csv(data)
    assert [r.name for r in parsed.rows] == ["Smith, Sam", "Lee, Kim"]


def test_row_numbers_count_blank_lines_like_a_spreadsheet():
    parsed = parse_csv(
        b"email,name\n"
        b"a@example.org,A\n"
        b"\n"
        b",,\n"
        b"not-an-email,B\n"
    )
    assert [r.row for r in parsed.rows] == [2, 5]
    assert "invalid email 'not-an-email'" in reasons(parsed)[5]


def test_every_kind_of_bad_row_is_rejected_with_its_reason():
    data = (
        "email,name,company,headline,role\n"
        "ok@example.org,Fine Person,,,organizer\n"  # 2
        "bad@,Bad Email,,,\n"                      # 3
        "noname@example.org,,,,\n"                 # 4
        f"long@example.org,{'N' * 121},,,\n"       # 5
        f"co@example.org,Co,{'C' * 121},,\n"       # 6
        f"hl@example.org,Hl,,{'H' * 161},\n"       # 7
        "role@example.org,Role,,,speaker\n"        # 8
        "OK@Example.org,Fine Again,,,attendee\n"   # 9
        ",No Email,,,\n"                           # 10
    ).encode()
    parsed = parse_csv(data)
    got = reasons(parsed)
    assert [r.row for r in parsed.valid_rows] == [2]
    assert "invalid email 'bad@'" in got[3]
    assert got[4] == "name is missing"
    assert got[5] == "name is longer than 120 characters (121)"
    assert got[6] == "company is longer than 120 characters (121)"
    assert got[7] == "headline is longer than 160 characters (161)"
    assert got[8] == "role must be attendee or organizer, not 'speaker'"
    assert got[10] == "email is missing"
    # A repeated email is not an error: the first row is imported, the repeat is skipped and says why.
    (again,) = parsed.skipped_rows
    assert (again.row, again.skip) == (9, "duplicate of row 2 (same email): only row 2 is imported; "
                                           "this row's name and role differ")
    assert parsed.duplicates == 1


def test_limits_are_exactly_the_column_sizes():
    parsed = parse_csv(f"email,name,company,headline\nx@example.org,{'N' * 120},{'C' * 120},{'H' * 160}\n".encode())
    assert parsed.rows[0].valid


def test_formula_like_names_are_kept_as_typed(app, make_event):
    event = make_event()
    parsed = parse_csv(b'email,name,company\nf@example.org,"=1+2",@Acme\nm@example.org,-Minus,+Plus\n')
    import_rows(event, parsed)
    people = {a.email: a for a in attendees_of(event)}
    assert people["f@example.org"].name == "=1+2"
    assert people["f@example.org"].company == "@Acme"
    assert (people["m@example.org"].name, people["m@example.org"].company) == ("-Minus", "+Plus")


def test_control_characters_are_rejected():
    parsed = parse_csv(b'email,name\na@example.org,"Two\nLines"\nb@example.org,Nul\x00Byte\n')
    assert "control characters" in reasons(parsed)[2]
    assert "control characters" in reasons(parsed)[3]


def test_excel_windows_1252_is_read_and_said():
    parsed = parse_csv("email,name\nrene@example.org,René Müller\n".encode("cp1252"))
    assert parsed.rows[0].name == "René Müller"
    assert parsed.encoding == "Windows-1252 (Western European)"
    assert "Read as Windows-1252 (Western European)" in parsed.notes()[0]


def test_a_character_set_that_cannot_be_told_is_a_clear_error():
    # Greek in Windows-1253 reads as well in Baltic and Cyrillic code pages on so few letters.
    with pytest.raises(CSVError) as info:
        parse_csv("email,name\np@example.org,Γιώργος Παπαδόπουλος\n".encode("cp1253"))
    assert info.value.code == "unknown_encoding"
    assert "cannot be told with confidence" in str(info.value) and "Save it as CSV UTF-8" in str(info.value)
    assert "line 2" in str(info.value)


PL = "Email;Imię;Nazwisko\r\n" + "".join(f"p{i}@example.org;Łukasz;Żółkiewski-Wójcik\r\n" for i in range(20))


@pytest.mark.parametrize("data,encoding,guessed,text", [
    pytest.param("\ufeffemail,name\na@example.org,Zoë\n".encode(), "utf_8_sig", False, "Zoë", id="utf-8-bom"),
    pytest.param("\ufeffemail\tname\r\na@example.org\tJürgen\r\n".encode("utf-16-le"), "utf_16", False, "Jürgen",
                 id="excel-unicode-text"),
    pytest.param("email,name\na@example.org,Björn Müller-Größe\n".encode("cp1252"), "cp1252", False,
                 "Björn Müller-Größe", id="cp1252-same-in-its-neighbours"),
    pytest.param("email,name,company\na@example.org,Inès Núñez,“Crème” – Fils\n".encode("cp1252"), "cp1252", True,
                 "Inès Núñez", id="cp1252-preferred-to-1250"),
    pytest.param(PL.encode("cp1250"), "cp1250", False, "Żółkiewski", id="polish-1250-not-read-as-1252"),
    pytest.param("email,name\nrene@example.org,René Müller\n".encode("mac_roman"), "mac_roman", False, "René Müller",
                 id="mac-roman-not-RenŽ"),
    pytest.param("email,name\np@example.org,Иван Петров\nq@example.org,Мария Иванова\n".encode("cp1251"), "cp1251",
                 False, "Мария Иванова", id="cyrillic-1251"),
])
def test_legacy_character_sets_are_read_when_certain(data, encoding, guessed, text):
    from eventnet.attendees.importer import decoding

    decoded = decoding.decode(data)
    assert (decoded.encoding, decoded.guessed) == (encoding, guessed)
    assert text in decoded.text
    if guessed:
        assert "cp1250" in decoded.alternatives


@pytest.mark.parametrize("data,code,words", [
    pytest.param("email,name\np@example.org,René\n".encode() + "q@example.org,Zoë\n".encode("cp1252"),
                 "mixed_encoding", "partly UTF-8 (line 2) and partly another character set (line 3", id="mixed"),
    pytest.param("email,name\np@example.org,山田太郎\nq@example.org,佐藤花子\n".encode("shift_jis"), "unknown_encoding",
                 "It reads as well in Shift JIS (Japanese), Windows-949 (Korean)", id="japanese-or-korean"),
    pytest.param(b"PK\x03\x04\x14\x00\x06\x00", "workbook", "spreadsheet workbook (.xlsx", id="xlsx"),
    pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "workbook", "Excel 97-2003 workbook (.xls)", id="xls"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not_text", "not text", id="png"),
    pytest.param(bytes(range(128, 256)) * 4, "unknown_encoding", "cannot be told with confidence", id="noise"),
])
def test_files_that_cannot_be_read_with_certainty_are_refused_with_what_to_do(data, code, words):
    with pytest.raises(CSVError) as info:
        parse_csv(data)
    assert info.value.code == code
    assert words in str(info.value) and "Save it as CSV UTF-8" in str(info.value)


def test_missing_columns_lists_the_columns_found():
    with pytest.raises(CSVError) as info:
        parse_csv(b"Mail,Firma\nx@example.org,ACME\n")
    assert info.value.code == "missing_columns"
    assert "no name column" in str(info.value)
    assert "'Mail', 'Firma'" in str(info.value)


def test_empty_file():
    with pytest.raises(CSVError) as info:
        parse_csv(b"\xef\xbb\xbf\n\n")
    assert info.value.code == "empty"


def test_two_columns_for_one_field_the_first_with_data_wins():
    parsed = parse_csv(b"email,e-mail,name\n,a@example.org,A\n,b@example.org,B\n")
    assert parsed.columns["email"] == "e-mail"
    assert [r.email for r in parsed.rows] == ["a@example.org", "b@example.org"]
    (note,) = parsed.colmap.notes["email"]
    assert note == "Used “e-mail” (column B), the first with data; not used: “email” (column A), empty."


def test_size_and_row_limits(monkeypatch):
    with pytest.raises(CSVError) as info:
        parse_csv(b"email,name\n" + b" " * importer.MAX_BYTES)
    assert info.value.code == "too_large"
    assert "20 MB" in str(info.value)
    monkeypatch.setattr(importer, "MAX_ROWS", 3)
    with pytest.raises(CSVError) as info:
        parse_csv(b"email,name\n" + b"".join(b"p%d@example.org,P\n" % i for i in range(4)))
    assert info.value.code == "too_many_rows"


def test_a_file_of_thousands_of_columns_is_refused_and_long_headers_are_shortened():
    with pytest.raises(CSVError) as info:
        parse_csv(b"email,name" + b",x" * importer.MAX_COLUMNS + b"\na@example.org,A\n")
    assert info.value.code == "too_many_columns" and "at most 1,000" in str(info.value)
    long_header = "Which company or organisation will you represent " + "at the conference " * 200
    parsed = parse_csv(f"email,name,{long_header}\na@example.org,A,Globex\n".encode(), {"company": 2})
    (used,) = [m for m in parsed.mapping() if m["field"] == "company"]
    assert len(used["header"]) == 60 and used["header"].endswith("…")
    assert parsed.rows[0].company == "Globex"


def test_import_creates_then_updates_case_insensitively(app, make_event):
    event = make_event()
    first = import_rows(event, parse_csv(b"email,name,company,role\nAda@Example.org,Ada,Northwind,organizer\nbo@example.org,Bo,,\n"))
    assert [r.row for r in first.created] == [2, 3] and not first.updated and first.ok
    ada = attendees_of(event)[0]
    token = ada.badge_token

    second = import_rows(event, parse_csv(b"email,name,headline\nada@EXAMPLE.org,Ada Nwosu,Engineer\n"))
    assert [r.row for r in second.updated] == [2] and not second.created
    people = attendees_of(event)
    assert len(people) == 2
    db.session.refresh(people[0])
    assert people[0].name == "Ada Nwosu"
    assert people[0].company == "Northwind"  # no company column: kept
    assert people[0].headline == "Engineer"
    assert people[0].role == "organizer"  # no role column: kept
    assert people[0].badge_token == token  # an update never reissues the badge


def test_valid_rows_are_imported_even_when_others_are_rejected(app, make_event):
    event = make_event()
    report = import_rows(event, parse_csv(b"email,name\ngood@example.org,Good\nbad,Bad\n"))
    assert [r.row for r in report.created] == [2]
    assert [(r.row, r.email) for r in report.rejected] == [(3, "bad")]
    assert not report.ok
    assert [a.email for a in attendees_of(event)] == ["good@example.org"]


def test_dry_run_saves_nothing(app, make_event, make_attendee):
    event = make_event()
    make_attendee(event, email="known@example.org", name="Known")
    report = import_rows(event, parse_csv(b"email,name\nknown@example.org,Renamed\nnew@example.org,New\n"), dry_run=True)
    assert [r.row for r in report.updated] == [2] and [r.row for r in report.created] == [3]
    people = attendees_of(event)
    assert [(a.email, a.name) for a in people] == [("known@example.org", "Known")]


def test_import_is_scoped_to_the_event(app, make_event, make_attendee):
    one, two = make_event(), make_event()
    make_attendee(one, email="same@example.org", name="In One")
    report = import_rows(two, parse_csv(b"email,name\nsame@example.org,In Two\n"))
    assert len(report.created) == 1
    assert attendees_of(one)[0].name == "In One"


def _statements(engine):
    """Count the SQL statements sent while the block runs (an executemany counts once)."""
    from contextlib import contextmanager

    from sqlalchemy import event as sa_event

    @contextmanager
    def counting():
        sent = []

        def before(conn, cursor, statement, parameters, context, executemany):
            sent.append(statement)

        sa_event.listen(engine, "before_cursor_execute", before)
        try:
            yield sent
        finally:
            sa_event.remove(engine, "before_cursor_execute", before)

    return counting()


def _people(event):
    return {a.email_key: a for a in attendees_of(event)}


def test_reimporting_a_large_file_updates_creates_skips_and_rejects_by_row(app, make_event, make_attendee):
    event = make_event()
    other = make_event()
    # Someone already in the event (signed up before the import) and someone in another event
    # whose short code must not matter here.
    early = make_attendee(event, email="p5@example.org", name="Early Bird", company="Own Co", headline="Own")
    make_attendee(other, email="p6@example.org", name="Elsewhere")
    first = "email,name,company,headline\n" + "".join(f"p{i}@example.org,Person {i},Co {i},H {i}\n" for i in range(2000))
    with _statements(db.engine) as sent:
        report = import_rows(event, parse_csv(first.encode()))
    assert len(report.created) == 1999 and [r.row for r in report.updated] == [7] and report.ok
    assert len(sent) < 30, f"{len(sent)} statements for 2,000 rows: the import went row by row"
    before = {key: (a.badge_token, a.short_code, a.updated_at) for key, a in _people(event).items()}
    assert before["p5@example.org"][0] == early.badge_token

    # The second file: no headline column, some emails re-typed in capitals, some names and
    # companies changed, some company cells empty, 100 new people, and bad rows in between.
    lines = ["Email,Name,Company"]
    expected: dict[str, tuple[str, str, str, str]] = {}  # key -> email, name, company, headline
    rejected: dict[int, str] = {}
    skipped: dict[int, str] = {}
    changed: set[str] = set()
    for i in range(2000):
        email = f"P{i}@EXAMPLE.ORG" if i % 7 == 0 else f"p{i}@example.org"
        name = f"Renamed {i}" if i % 10 == 0 else f"Person {i}"
        company = "" if i % 3 == 0 else (f"NewCo {i}" if i % 5 == 0 else f"Co {i}")
        lines.append(f"{email},{name},{company}")
        key = f"p{i}@example.org"
        kept_company = "Co 5" if i == 5 else f"Co {i}"  # the first import overwrote Own Co
        expected[key] = (email, name, company or kept_company, f"H {i}")
        if i % 7 == 0 or i % 10 == 0 or (company and company != kept_company):
            changed.add(key)
        if i % 100 == 50:
            lines.append(f"bad-{i},Bad {i},Co")
            rejected[len(lines)] = f"invalid email 'bad-{i}'"
        if i % 400 == 399:
            lines.append(f"p{i}@Example.org,Again {i},Co")
            skipped[len(lines)] = f"duplicate of row {len(lines) - 1} (same email)"
        if i % 500 == 250:
            lines.append(f"noname{i}@example.org,,Co")
            rejected[len(lines)] = "name is missing"
    for j in range(100):
        lines.append(f"new{j}@example.org,New {j},")
        expected[f"new{j}@example.org"] = (f"new{j}@example.org", f"New {j}", "", "")
    parsed = parse_csv(("\n".join(lines) + "\n").encode())

    counts = {"created": 100, "updated": len(changed), "unchanged": 2000 - len(changed), "skipped": len(skipped),
              "rejected": len(rejected)}
    dry = import_rows(event, parsed, dry_run=True)
    assert dry.counts() == counts
    assert len(attendees_of(event)) == 2000

    with _statements(db.engine) as sent:
        report = import_rows(event, parsed)
    assert len(sent) < 30, f"{len(sent)} statements for 2,100 rows: the import went row by row"
    assert report.counts() == counts
    assert {r.row: r.email for r in report.created} == {
        row: line.split(",")[0] for row, line in enumerate(lines, 1) if line.startswith("new")
    }
    got = {r.row: "; ".join(r.reasons) for r in report.rejected}
    assert got.keys() == rejected.keys()
    for row, reason in rejected.items():
        assert got[row].startswith(reason), (row, got[row])
    got = {r.row: "; ".join(r.reasons) for r in report.skipped}
    assert got.keys() == skipped.keys()
    for row, reason in skipped.items():
        assert got[row].startswith(reason), (row, got[row])
    assert {r.row for r in report.updated} == {n for n, line in enumerate(lines, 1)
                                               if line.split(",")[0].lower() in changed and n not in skipped}

    db.session.expire_all()
    people = _people(event)
    assert {key: (a.email, a.name, a.company, a.headline) for key, a in people.items()} == expected
    codes = [a.short_code for a in people.values()]
    assert len(set(codes)) == len(codes) == 2100
    assert len({a.badge_token for a in people.values()}) == 2100
    for key, (token, code, updated_at) in before.items():
        person = people[key]
        assert (person.badge_token, person.short_code) == (token, code)  # an update never reissues the badge
        # Only rows whose values changed are written.
        assert (person.updated_at > updated_at) if key in changed else (person.updated_at == updated_at), key
    assert attendees_of(other)[0].name == "Elsewhere"


def test_a_drawn_short_code_already_used_in_the_event_is_drawn_again(app, make_event, make_attendee, monkeypatch):
    from eventnet.attendees import services

    event = make_event()
    taken = make_attendee(event).short_code
    # The codes are random; this replays a draw that hits a code in use, then one twice in a file.
    draws = iter([taken, "AAAAAAA", "AAAAAAA", taken, "CCCCCCC"])
    monkeypatch.setattr(services, "new_short_code", lambda: next(draws))
    report = import_rows(event, parse_csv(b"email,name\na@example.org,A\nc@example.org,C\n"))
    assert len(report.created) == 2
    people = _people(event)
    assert (people["a@example.org"].short_code, people["c@example.org"].short_code) == ("AAAAAAA", "CCCCCCC")


def test_a_person_added_meanwhile_becomes_an_update(app, make_event):
    """Another import or a sign-up commits the same email between our read and our insert."""
    from sqlalchemy import event as sa_event
    from sqlalchemy import insert

    event = make_event()
    parsed = parse_csv(b"email,name,company\nfirst@example.org,First,Co\nrace@example.org,From File,Filed Co\n")
    raced = []

    def sign_up_meanwhile(conn, cursor, statement, parameters, context, executemany):
        if raced or not statement.startswith("INSERT INTO attendees"):
            return
        raced.append(True)
        with db.engine.connect() as other:
            other.execute(insert(Attendee.__table__).values(
                event_id=event.id, email="Race@example.org", email_key="race@example.org", name="Signed Up",
                company="Own Co", links=[], badge_token="raced-token", short_code="RRRRRRR",
            ))
            other.commit()

    sa_event.listen(db.engine, "before_cursor_execute", sign_up_meanwhile)
    try:
        report = import_rows(event, parsed)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", sign_up_meanwhile)
    assert raced
    assert [r.row for r in report.created] == [2] and [r.row for r in report.updated] == [3]
    people = _people(event)
    assert len(people) == 2
    race = people["race@example.org"]
    assert (race.name, race.company, race.badge_token) == ("From File", "Filed Co", "raced-token")


def test_bulk_upsert_matches_one_at_a_time_for_a_repeated_email(app, make_event):
    from eventnet.attendees.services import AttendeeFields, upsert_attendees

    event = make_event()
    outcomes = upsert_attendees(event, [
        AttendeeFields("Sam@example.org", "Sam", company="First Co", role="organizer"),
        AttendeeFields("sam@EXAMPLE.org", "Sam Smith", headline="CTO"),
        AttendeeFields("sam@EXAMPLE.org", "Sam Smith", headline="CTO"),
    ])
    db.session.commit()
    assert outcomes == ["created", "updated", "unchanged"]
    (sam,) = attendees_of(event)
    assert (sam.email, sam.name, sam.company, sam.headline, sam.role) == (
        "sam@EXAMPLE.org", "Sam Smith", "First Co", "CTO", "organizer",
    )
    with pytest.raises(ValueError):
        upsert_attendees(event, [AttendeeFields("x@example.org", "X", role="speaker")])


# ----------------------------------------------------------------------------- dialects

@pytest.mark.parametrize("data,delimiter,expected", [
    pytest.param(b"email,name\na@example.org,Ann\n", ",", [("a@example.org", "Ann")], id="comma"),
    pytest.param(b"email;name\na@example.org;Smith, Ann\nb@example.org;Lee, Bo\n", ";",
                 [("a@example.org", "Smith, Ann"), ("b@example.org", "Lee, Bo")], id="semicolon-with-commas"),
    pytest.param(b"email\tname\na@example.org\tAnn, Jr.\n", "\t", [("a@example.org", "Ann, Jr.")], id="tab"),
    pytest.param(b"email|name\na@example.org|Ann; Bo\n", "|", [("a@example.org", "Ann; Bo")], id="pipe"),
    pytest.param(b'"email","name"\r\n"a@example.org","Smith, ""Ann"""\r\n"b@example.org","Two\r\nLines"\r\n', ",",
                 [("a@example.org", 'Smith, "Ann"'), ("b@example.org", "Two\r\nLines")], id="quoted-crlf"),
    pytest.param(b'email;name\na@example.org;"Ann; the first"\nb@example.org;Bo\n', ";",
                 [("a@example.org", "Ann; the first"), ("b@example.org", "Bo")], id="quoted-delimiter"),
    pytest.param("email,name\no@example.org,Siobhán O'Brien\nt@example.org,'t Hart\n".encode(), ",",
                 [("o@example.org", "Siobhán O'Brien"), ("t@example.org", "'t Hart")], id="apostrophes-are-not-quotes"),
    pytest.param(b"email,name\n'a@example.org','Smith, Ann'\n'b@example.org','Lee, Bo'\n", ",",
                 [("a@example.org", "Smith, Ann"), ("b@example.org", "Lee, Bo")], id="single-quoted"),
    pytest.param(b"\xef\xbb\xbfemail,name\na@example.org,Ann\n", ",", [("a@example.org", "Ann")], id="utf8-bom"),
    pytest.param(b"\xef\xbb\xbfsep=;\r\nEmail;Name\r\na@example.org;Ann, Bo\r\n", ";",
                 [("a@example.org", "Ann, Bo")], id="bom-and-sep-line"),
    pytest.param(b'"sep=,"\nemail,name\na@example.org,Ann\n', ",", [("a@example.org", "Ann")], id="quoted-sep-line"),
    pytest.param(b"sep=\t\nemail\tname\na@example.org\tAnn\n", "\t", [("a@example.org", "Ann")], id="sep-tab"),
    pytest.param(b"email\na@example.org\n", ",", None, id="one-column"),
])
def test_dialects(data, delimiter, expected):
    if expected is None:
        with pytest.raises(CSVError) as info:
            parse_csv(data)
        assert info.value.code == "missing_columns"
        return
    parsed = parse_csv(data)
    assert parsed.delimiter == delimiter
    assert [(r.email, r.name) for r in parsed.rows] == expected
    assert parsed.rows[0].row == 2  # the header is row 1, as a spreadsheet shows it (a sep= line is hidden there)


def test_sep_line_rows_are_numbered_as_excel_shows_them():
    parsed = parse_csv(b"sep=;\nemail;name\na@example.org;A\nbad;B\n")
    assert [r.row for r in parsed.rows] == [2, 3]


def test_the_dialect_comes_from_a_bounded_sample(monkeypatch):
    """Rows past the sample do not change the answer, and cost no detection time."""
    from eventnet.attendees.importer import dialect

    text = "email;name\n" + "a@example.org;Ann\n" * 2000 + "b@example.org,x,y,z;Bo\n" * 5000
    assert dialect.detect(text).delimiter == ";"
    assert dialect.SAMPLE_CHARS < 64 * 1024


def test_a_file_that_kept_the_old_sniffer_busy_parses_at_once():
    """tests/csv_files.sniffer_trap: 15.5 s per parse with csv.Sniffer on the 2-core test machine."""
    import time

    from tests.csv_files import sniffer_trap

    data = sniffer_trap()
    started = time.perf_counter()
    parsed = parse_csv(data)
    assert time.perf_counter() - started < 0.5
    assert len(parsed.valid_rows) == len(parsed.rows) > 600
    assert parsed.rows[0].name.startswith('Ann "b "c')


# ----------------------------------------------------------------------------- header vocabulary

@pytest.mark.parametrize("header,expected", [
    pytest.param("E-Mail;Vorname;Nachname;Firma;Berufsbezeichnung;Status",
                 ("email", "given_name", "family_name", "company", "headline", "status"), id="de"),
    pytest.param("E-Mail-Adresse;Name;Vorname;Unternehmen;Funktion;Anmeldestatus",
                 ("email", "family_name", "given_name", "company", "headline", "status"), id="de-name-is-family"),
    pytest.param("Courriel;Nom;Prénom;Société;Fonction;Statut",
                 ("email", "family_name", "given_name", "company", "headline", "status"), id="fr"),
    pytest.param("Adresse e-mail;Nom complet;Entreprise;Intitulé du poste;Statut de l'inscription",
                 ("email", "name", "company", "headline", "status"), id="fr-full-name"),
    pytest.param("Correo electrónico;Nombre;Apellidos;Empresa;Cargo;Estado",
                 ("email", "given_name", "family_name", "company", "headline", "status"), id="es"),
    pytest.param("Indirizzo email;Nome;Cognome;Azienda;Ruolo;Stato",
                 ("email", "given_name", "family_name", "company", "headline", "status"), id="it"),
    pytest.param("E-mailadres;Voornaam;Tussenvoegsel;Achternaam;Organisatie;Functie;Status",
                 ("email", "given_name", "name_particle", "family_name", "company", "headline", "status"), id="nl"),
    pytest.param("E-mail;Nome;Sobrenome;Empresa;Cargo;Situação",
                 ("email", "given_name", "family_name", "company", "headline", "status"), id="pt"),
    pytest.param("Endereço de e-mail;Nome completo;Organização;Profissão;Estado",
                 ("email", "name", "company", "headline", "status"), id="pt-full-name"),
    pytest.param("Email;Name;Surname;Company;Title", ("email", "given_name", "family_name", "company", "headline"),
                 id="en-name-and-surname"),
    pytest.param("Your email *;What is your name?;Company / Organisation (optional);What's your role?",
                 ("email", "name", "company", "headline"), id="form-questions"),
])
def test_core_headers_in_other_languages(header, expected):
    """Each header of the row names the field at the same place in `expected`, whatever its language."""
    statuses = {"status": "paid"}
    values = {"email": "a@example.org", "given_name": "Ana", "family_name": "Souza", "name": "Ana Souza",
              "name_particle": "de", "company": "Globex", "headline": "Chief Data Officer", **statuses}
    line = ";".join(values[name] for name in expected)
    parsed = parse_csv(f"{header}\n{line}\n".encode())
    assert parsed.colmap.fields == {name: index for index, name in enumerate(expected)}
    (row,) = parsed.rows
    assert row.valid and row.email == "a@example.org" and row.company == "Globex"


def test_a_title_column_is_a_prefix_when_it_holds_titles_and_a_job_title_otherwise():
    prefixes = parse_csv(b"Email,Title,First name,Last name\na@example.org,Dr.,Ana,Souza\nb@example.org,,Bo,Li\n"
                         b"c@example.org,Prof. Dr. med.,Cy,Ng\n")
    assert prefixes.columns["name_prefix"] == "Title" and "headline" not in prefixes.columns
    assert [(r.name, r.name_prefix) for r in prefixes.rows] == [("Ana Souza", "Dr."), ("Bo Li", None),
                                                                ("Cy Ng", "Prof. Dr. med.")]
    jobs = parse_csv(b"Email,Name,Title\na@example.org,Ana Souza,Data engineer\nb@example.org,Bo Li,Dr.\n")
    assert jobs.columns["headline"] == "Title" and "name_prefix" not in jobs.columns


def test_role_and_status_columns_are_used_only_when_they_hold_roles_and_statuses():
    parsed = parse_csv(b"Email,Name,Role,Status\na@example.org,Ana,Speaker,VIP\nb@example.org,Bo,Sponsor,Press\n")
    assert "role" not in parsed.columns and "status" not in parsed.columns
    assert parsed.colmap.notes["role"] == ["“Role” (column C) was not used: its values are not attendee or organizer."]
    assert parsed.colmap.notes["status"] == ["“Status” (column D) was not used: its values are not registration statuses."]
    assert len(parsed.valid_rows) == 2


@pytest.mark.parametrize("status,outcome", [
    ("Paid", "import"), ("Attending", "import"), ("approved", "import"), ("Checked In", "import"), ("", "import"),
    ("Pending", "pending"), ("pending_approval", "pending"), ("en attente", "pending"), ("ausstehend", "pending"),
    ("Cancelled", "cancelled"), ("canceled", "cancelled"), ("storniert", "cancelled"), ("Annulé", "cancelled"),
    ("Refunded", "refunded"), ("Erstattet", "refunded"), ("declined", "declined"), ("Void", "void"),
    ("waitlist", "on the waiting list"), ("Liste d'attente", "on the waiting list"), ("Not Attending", "not attending"),
])
def test_status_words(status, outcome):
    parsed = parse_csv(f"email,name,status\na@example.org,Ana,{status}\nb@example.org,Bo,Paid\n".encode())
    row = parsed.rows[0]
    if outcome == "import":
        assert row.valid and not row.pending
    elif outcome == "pending":
        assert row.valid and row.pending and row.notes[0].endswith(f"(status {status!r}): imported")
    else:
        assert row.skipped and row.skip == f"{outcome} (status {status!r})"


def test_an_unknown_status_skips_the_row_and_says_how_to_import_it():
    parsed = parse_csv(b"email,name,status\na@example.org,Ana,Paid\nb@example.org,Bo,Sponsor\nc@example.org,Cy,Paid\n")
    assert parsed.rows[1].skip == ("status 'Sponsor' is not a registration status we know: import it by choosing "
                                   "“not used” for the status column")


def test_split_names_are_kept_as_given_and_joined_in_their_own_order():
    parsed = parse_csv("email,first name,last name\n"
                       "t@example.org,Tomás,Herrera Díaz\n"
                       "y@example.org,太郎,山田\n"
                       "k@example.org,민준,김\n"
                       "f@example.org,,Okafor\n".encode())
    assert [(r.name, r.given_name, r.family_name) for r in parsed.rows] == [
        ("Tomás Herrera Díaz", "Tomás", "Herrera Díaz"), ("山田太郎", "太郎", "山田"), ("김민준", "민준", "김"),
        ("Okafor", None, "Okafor")]


def test_a_joined_name_is_never_split():
    (row,) = parse_csv("email,name\nh@example.org,Hal Daumé III\n".encode()).rows
    assert (row.name, row.given_name, row.family_name, row.name_prefix) == ("Hal Daumé III", None, None, None)


def test_name_parts_from_a_file_are_stored_and_cleared_when_a_later_file_renames_without_them(app, make_event):
    event = make_event()
    import_rows(event, parse_csv("email,first name,last name\nt@example.org,Tomás,Herrera Díaz\n".encode()))
    (person,) = attendees_of(event)
    assert (person.name, person.given_name, person.family_name) == ("Tomás Herrera Díaz", "Tomás", "Herrera Díaz")
    same = import_rows(event, parse_csv("email,name\nt@example.org,Tomás Herrera Díaz\n".encode()))
    assert [r.row for r in same.unchanged] == [2]  # the parts stay: they still describe the name
    renamed = import_rows(event, parse_csv("email,name\nt@example.org,Tomás Herrera\n".encode()))
    assert [r.row for r in renamed.updated] == [2]
    db.session.expire_all()
    (person,) = attendees_of(event)
    assert (person.name, person.given_name, person.family_name) == ("Tomás Herrera", "", "")


def test_title_rows_above_the_header_are_skipped_and_rows_keep_their_spreadsheet_numbers():
    parsed = parse_csv(b"Attendee list - DevConf 2026,,\n,,\nEmail,Name,Company\na@example.org,Ana,Globex\n")
    assert parsed.header_row == 3 and [r.row for r in parsed.rows] == [4]
    assert "The header is row 3: the 2 rows above it (1 title row and 1 blank row) are not imported." in parsed.notes()


def test_attendee_columns_win_over_the_buyers():
    parsed = parse_csv(b"Buyer Email,Buyer Name,Attendee Email,Attendee Name,Order Company Name\n"
                       b"boss@example.org,Boss,ana@example.org,Ana Souza,Globex\n")
    assert parsed.columns == {"email": "Attendee Email", "name": "Attendee Name"}
    assert parsed.colmap.notes["company"] == [
        "“Order Company Name” (column E) is the buyer's or the order's, not the attendee's: not used."]
