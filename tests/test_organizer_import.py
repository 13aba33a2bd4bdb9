"""CSV upload in the browser: preview, import, report, and hostile or broken files."""
import csv
import io
import re

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from eventnet.attendees.models import Attendee
from eventnet.extensions import db
from eventnet.attendees.importer.models import CsvUpload
from tests.conftest import csrf_token

BASE = "/e/org/organizer/import"


@pytest.fixture
def organizer_client(client, login, make_event, make_attendee):
    event = make_event(slug="org")
    organizer = make_attendee(event, email="maren@example.org", name="Maren", role="organizer")
    login(client, organizer)
    client.token = csrf_token(client, BASE)
    client.event = event
    return client


def selected(html: str, name: str) -> str:
    """The label of the option chosen in the mapping select of a field."""
    select = re.search(rf'<select id="map-{name}" name="map-{name}".*?</select>', html, re.S).group(0)
    return re.search(r"<option [^>]*selected>([^<]*)</option>", select).group(1).replace("&#34;", '"')


def upload(client, data: bytes, filename="attendees.csv"):
    # The body is encoded here, in memory: the test client's own encoder spools large bodies to a
    # temporary file that it never closes (a ResourceWarning, which this suite treats as an error).
    boundary, body = encode_multipart({"csrf_token": client.token, "file": FileStorage(io.BytesIO(data), filename)})
    return client.post(BASE, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def people(event):
    db.session.expire_all()
    return {a.email_key: a for a in db.session.execute(db.select(Attendee).filter_by(event_id=event.id)).scalars()}


GOOD = (
    "E-Mail;Full name;Organisation;Job title;Shoe size\n"
    "ada@example.org;Ada Nwosu;Northwind;CTO;38\n"
    "kenji@example.org;Kenji Watanabe;Kumo Labs;;44\n"
    "broken-address;Nobody;;;\n"
    "ADA@example.org;Ada Again;;;\n"
    "zoe@example.org;Zoë Ångström;Ünïcode GmbH;Chief Ümlaut;39\n"
).encode("utf-8")


def test_preview_then_import_then_report(organizer_client):
    client = organizer_client
    response = upload(client, GOOD)
    assert response.status_code == 303
    preview_url = response.headers["Location"]
    assert re.fullmatch(r"/e/org/organizer/import/[A-Za-z0-9_-]{40,}", preview_url)
    html = client.get(preview_url).get_data(as_text=True)
    # detected columns (a select per field), unused ones, the first rows, counts: nothing saved yet
    assert selected(html, "email") == "A: E-Mail (e.g. ada@example.org)"
    assert selected(html, "company") == "C: Organisation (e.g. Northwind)"
    assert selected(html, "headline") == "D: Job title (e.g. CTO)"
    assert selected(html, "status") == "— not used —"
    assert "Columns not used: Shoe size" in html
    assert "Read as UTF-8, columns separated by semicolons." in html
    assert 'data-count="rows">5<' in html and 'data-count="valid">3<' in html and 'data-count="invalid">1<' in html
    assert 'data-count="skipped">1<' in html and 'data-forecast="created">3<' in html
    assert "Zoë Ångström" in html and "duplicate of row 2 (same email)" in html
    assert people(client.event).keys() == {"maren@example.org"}

    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    done = client.post(preview_url, data={"csrf_token": token})
    assert done.status_code == 303 and done.headers["Location"].endswith("/report")
    report = client.get(done.headers["Location"]).get_data(as_text=True)
    assert 'data-count="created">3<' in report and 'data-count="updated">0<' in report and 'data-count="rejected">1<' in report
    assert 'data-count="skipped">1<' in report and 'data-count="unchanged">0<' in report
    assert "broken-address" in report and "duplicate of row 2 (same email)" in report
    assert re.search(r'<dd data-field="email">“E-Mail” \(column A\)', report)  # which column fed each field
    everyone = people(client.event)
    assert everyone["zoe@example.org"].name == "Zoë Ångström" and everyone["ada@example.org"].company == "Northwind"

    # The report downloads as CSV, UTF-8 with a BOM, every row with its outcome and reasons.
    download = client.get(done.headers["Location"] + ".csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    text = download.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["row", "outcome", "email", "name", "reasons"]
    outcomes = {r[2]: r[1] for r in rows[1:]}
    assert outcomes == {"ada@example.org": "created", "kenji@example.org": "created", "zoe@example.org": "created",
                        "broken-address": "rejected", "ADA@example.org": "skipped"}

    # A second confirm (double click, another tab) imports nothing twice and shows the report.
    again = client.post(preview_url, data={"csrf_token": token})
    assert again.status_code == 303
    assert "imported already" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert len(people(client.event)) == 4
    # the stored file is gone once imported; the report stays
    stored = db.session.execute(db.select(CsvUpload)).scalar_one()
    assert stored.data is None and stored.report["created"]
    assert "Imported a CSV file" in client.get("/e/org/organizer/audit").get_data(as_text=True)


def test_reimport_updates_instead_of_duplicating(organizer_client):
    client = organizer_client
    for data in (b"email,name,company\nada@example.org,Ada,Old\n", b"email,name,company\nAda@Example.org,Ada N,New\n"):
        preview = upload(client, data).headers["Location"]
        client.post(preview, data={"csrf_token": client.token})
    everyone = people(client.event)
    assert len(everyone) == 2 and everyone["ada@example.org"].company == "New"


def test_formula_cells_are_kept_as_names_but_neutralised_in_the_report(organizer_client):
    client = organizer_client
    data = ("email,name,company\n"
            "eve@example.org,=HYPERLINK(\"http://evil.example\";\"click\"),+cmd|' /C calc'!A0\n"
            "@bad,@SUM(1+1),x\n").encode()
    preview = upload(client, data).headers["Location"]
    html = client.get(preview).get_data(as_text=True)
    assert "=HYPERLINK(&#34;http://evil.example&#34;;&#34;click&#34;)" in html  # escaped, shown as typed
    client.post(preview, data={"csrf_token": client.token})
    assert people(client.event)["eve@example.org"].name.startswith("=HYPERLINK")
    text = client.get(preview + "/report.csv").get_data().decode("utf-8").lstrip("\ufeff")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), cells
    assert "'=HYPERLINK(\"http://evil.example\";\"click\")" in cells and "'@bad" in cells and "'@SUM(1+1)" in cells


@pytest.mark.parametrize("data,code,words", [
    ("email,name\np@example.org,Γιώργος Παπαδόπουλος\n".encode("cp1253"), "unknown_encoding", "Save it as CSV UTF-8"),
    ("email,name\np@example.org,René\n".encode() + "q@example.org,Zoë\n".encode("cp1252"), "mixed_encoding",
     "partly UTF-8 (line 2)"),
    (b"", "empty", "The file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not_text", "not text"),
    (b"PK\x03\x04\x14\x00\x06\x00", "workbook", "spreadsheet workbook (.xlsx"),
])
def test_broken_files_get_a_clear_message_and_nothing_is_stored(organizer_client, data, code, words):
    client = organizer_client
    response = upload(client, data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'data-error-code="{code}"' in html and words in html.replace("&#39;", "'")
    assert 'aria-invalid="true"' in html and 'aria-describedby="import-file-hint import-error"' in html
    assert db.session.execute(db.select(db.func.count(CsvUpload.id))).scalar_one() == 0
    assert len(people(client.event)) == 1


def test_no_file_chosen(organizer_client):
    response = organizer_client.post(BASE, data={"csrf_token": organizer_client.token}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a CSV file" in response.get_data(as_text=True)


def test_a_file_over_20_mb_is_refused_with_a_clear_message(organizer_client):
    client = organizer_client
    row = b"someone@example.org,Some One\n"
    just_over = b"email,name\n" + row * (20 * 1024 * 1024 // len(row) + 10)  # a little over 20 MB
    response = upload(client, just_over)
    assert response.status_code == 422
    assert "at most 20 MB" in response.get_data(as_text=True)
    huge = just_over + b"x" * (1024 * 1024)  # past the request limit: refused before it is read
    response = upload(client, huge)
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "That file is too large" in html and "at most 20 MB" in html
    assert db.session.execute(db.select(db.func.count(CsvUpload.id))).scalar_one() == 0


def test_other_forms_keep_the_small_limit(organizer_client):
    # The 20 MB allowance is for the upload alone: a 3 MB post elsewhere is still refused.
    response = organizer_client.post("/e/org/organizer/attendees/new",
                                     data={"csrf_token": organizer_client.token, "name": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413


def test_uploads_are_scoped_to_their_event_and_expire(organizer_client, make_event, make_attendee, login, app):
    from datetime import timedelta

    from eventnet.database import utcnow

    client = organizer_client
    preview = upload(client, b"email,name\nx@example.org,X\n").headers["Location"]
    upload_id = preview.rsplit("/", 1)[1]
    other = make_event(slug="other")
    boss = make_attendee(other, email="boss@example.org", name="Boss", role="organizer")
    outsider = app.test_client()
    login(outsider, boss)
    token = csrf_token(outsider, "/e/other/organizer/import")
    assert outsider.get(f"/e/other/organizer/import/{upload_id}").status_code == 404
    assert outsider.post(f"/e/other/organizer/import/{upload_id}", data={"csrf_token": token}).status_code == 404
    assert client.get(f"{BASE}/../../../../etc/passwd").status_code == 404
    assert client.get(f"{BASE}/{'x' * 500}").status_code == 404

    stored = db.session.get(CsvUpload, upload_id)
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.post(preview, data={"csrf_token": client.token})
    assert response.status_code == 404 and "Upload the file again" in response.get_data(as_text=True)
    assert len(people(client.event)) == 1
    upload(client, b"email,name\ny@example.org,Y\n")  # a new upload purges the expired one
    assert db.session.get(CsvUpload, upload_id) is None


def test_a_crafted_file_keeps_no_request_busy(organizer_client):
    """Issue 10, item 3: a 60 KB file made to defeat csv.Sniffer (tests/csv_files.sniffer_trap) took
    15-22 s for each of the upload, the preview and the confirm. The dialect now comes from a few KB in
    linear time, so the three together take well under two seconds."""
    import time

    from tests.csv_files import sniffer_trap

    client = organizer_client
    data = sniffer_trap()
    started = time.perf_counter()
    response = upload(client, data)
    assert response.status_code == 303
    assert client.get(response.headers["Location"]).status_code == 200
    done = client.post(response.headers["Location"], data={"csrf_token": client.token})
    elapsed = time.perf_counter() - started
    assert done.status_code == 303
    assert elapsed < 2.0, f"upload + preview + confirm took {elapsed:.1f} s"
    assert len(people(client.event)) > 600


def hidden_fields(html: str) -> dict[str, str]:
    """The confirm form's fields: the CSRF token and the mapping the preview showed."""
    form = re.search(r'<form method="post".*?</form>', html, re.S).group(0)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))


def test_columns_we_do_not_recognise_are_chosen_in_the_preview(organizer_client):
    client = organizer_client
    response = upload(client, "Kontakt;Wer;Firma\nada@example.org;Ada Nwosu;Northwind\n".encode())
    assert response.status_code == 303  # kept: the organizer chooses the columns
    preview_url = response.headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    assert "Choose the columns to import." in html and "Choose the column that holds the email addresses" in html
    assert selected(html, "email") == "— not used —" and selected(html, "company") == "C: Firma (e.g. Northwind)"
    assert 'id="map-email" name="map-email" aria-describedby="map-email-error" aria-invalid="true"' in html
    assert "Import " not in html  # no import button until an email and a name column are chosen

    chosen = client.get(preview_url, query_string={"map-email": "0", "map-name": "1", "map-company": "2"})
    html = chosen.get_data(as_text=True)
    assert chosen.status_code == 200 and 'data-count="valid">1<' in html and "Ada Nwosu" in html
    form = hidden_fields(html)
    assert (form["map-email"], form["map-name"], form["map-company"], form["map-status"]) == ("0", "1", "2", "")
    done = client.post(preview_url, data=form)
    assert done.status_code == 303
    report = client.get(done.headers["Location"]).get_data(as_text=True)
    assert re.search(r'<dd data-field="name">“Wer” \(column B\) <span class="muted small">chosen by hand', report)
    assert people(client.event)["ada@example.org"].company == "Northwind"


def test_a_changed_mapping_is_previewed_then_imported_as_shown(organizer_client):
    client = organizer_client
    data = ("email,name,company,Firma\n"
            "ada@example.org,Ada,Old Co,Northwind\n"
            "kim@example.org,Kim,Old Co,Kumo Labs\n").encode()
    preview_url = upload(client, data).headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    assert selected(html, "company") == "C: company (e.g. Old Co)"
    # htmx asks when a select changes: the preview block alone comes back, and pushes its URL.
    fragment = client.get(preview_url, query_string={**hidden_fields(html), "map-company": "3"},
                          headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text and text.lstrip().startswith("<div id=\"import-preview\"")
    assert "HX-Request" in fragment.headers["Vary"]
    assert selected(text, "company") == "D: Firma (e.g. Northwind)" and "Kumo Labs" in text
    assert 'hx-push-url="true"' in text
    done = client.post(preview_url, data=hidden_fields(text))
    assert done.status_code == 303
    assert {k: a.company for k, a in people(client.event).items() if k != "maren@example.org"} == {
        "ada@example.org": "Northwind", "kim@example.org": "Kumo Labs"}


@pytest.mark.parametrize("query,field,message", [
    ({"map-email": ""}, "email", "Choose the column that holds the email addresses"),
    ({"map-name": "0"}, "name", "“email” (column A) is chosen for both Email and Full name"),
    ({"map-company": "x"}, "company", "Choose one of the columns of the file."),
    ({"map-company": "99"}, "company", "Company: there is no column CV."),
    ({"encoding": "klingon"}, "encoding", "Choose one of the character sets in the list."),
])
def test_a_mapping_that_cannot_be_imported_says_why_on_its_select(organizer_client, query, field, message):
    client = organizer_client
    preview_url = upload(client, b"email,name,company\nada@example.org,Ada,Northwind\n").headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    response = client.get(preview_url, query_string={**{k: v for k, v in hidden_fields(html).items()
                                                       if k.startswith("map-")}, **query})
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 422
    assert "This mapping cannot be imported." in page and message in page
    assert f'id="map-{field}-error"' in page or field == "encoding"
    # The same mapping posted to the confirm: the preview again, nothing imported, nothing claimed.
    token = hidden_fields(html)["csrf_token"]
    refused = client.post(preview_url, data={"csrf_token": token, **{k: v for k, v in hidden_fields(html).items()
                                                                     if k.startswith("map-")}, **query})
    assert refused.status_code == 422 and message in refused.get_data(as_text=True).replace("&#39;", "'")
    assert people(client.event).keys() == {"maren@example.org"}
    assert client.post(preview_url, data=hidden_fields(html)).status_code == 303  # still importable
    assert "ada@example.org" in people(client.event)


def test_another_character_set_can_be_chosen_for_a_legacy_file(organizer_client):
    client = organizer_client
    data = "email,name\nsukru@example.org,Şükrü Yıldız\n".encode("cp1254")
    preview_url = upload(client, data).headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    assert "it was read as Windows-1252 (Western European)" in html and "Þükrü Yýldýz" in html
    assert "Other character sets read some letters differently" in html
    assert '<option value="cp1254">Windows-1254 (Turkish)</option>' in html
    turkish = client.get(preview_url, query_string={"encoding": "cp1254"}).get_data(as_text=True)
    assert "Şükrü Yıldız" in turkish and "Read as Windows-1254 (Turkish)," in turkish
    form = hidden_fields(turkish)
    assert form["encoding"] == "cp1254"
    client.post(preview_url, data=form)
    assert people(client.event)["sukru@example.org"].name == "Şükrü Yıldız"
    # A character set the file's bytes do not fit: said on the select, the detected one is kept.
    other = upload(client, "email,name\nx@example.org,Zoë\n".encode("cp1252")).headers["Location"]
    wrong = client.get(other, query_string={"encoding": "cp932"})
    assert wrong.status_code == 422 and "Shift JIS (Japanese) does not have" in wrong.get_data(as_text=True)


def test_the_report_says_unchanged_shortens_long_values_and_warns_of_non_ascii_addresses(organizer_client):
    client = organizer_client
    long_name = "Wolfeschlegelsteinhausenbergerdorff " * 8
    data = ("email,name\n"
            "ada@example.org,Ada\n"
            f"long@example.org,{long_name}\n"
            "anna@bücher.example,Anna Bücher\n"
            "jürgen@example.org,Jürgen\n").encode()
    for attempt in (1, 2):
        preview_url = upload(client, data).headers["Location"]
        html = client.get(preview_url).get_data(as_text=True)
        done = client.post(preview_url, data=hidden_fields(html))
        report = client.get(done.headers["Location"]).get_data(as_text=True)
    # The second import of the same file changes nothing: unchanged, not updated.
    assert 'data-count="created">0<' in report and 'data-count="updated">0<' in report
    assert 'data-count="unchanged">3<' in report and 'data-count="rejected">1<' in report
    assert f"name is longer than 120 characters ({len(long_name.strip())})" in report
    assert long_name[:59].strip() + "…" in report and long_name.strip() not in report
    assert "anna@bücher.example" in report  # an internationalised domain is kept as typed
    row = re.search(r"<tr>(?:(?!</tr>).)*jürgen@example.org(?:(?!</tr>).)*</tr>", report).group(0)
    assert ">Jürgen</td>" in row and ("the part before @ has non-ASCII letters: only mail servers that accept "
                                       "SMTPUTF8 deliver to this address") in row
    assert people(client.event)["anna@bücher.example"].email == "anna@bücher.example"
    text = client.get(done.headers["Location"] + ".csv").get_data().decode("utf-8")
    assert ",unchanged,ada@example.org,Ada," in text and long_name.strip() not in text
