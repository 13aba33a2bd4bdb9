"""No text for people outside a translation call (scripts/i18n_lint.py), and what the lint sees.

The first test is the one CI relies on: the templates, the package's modules and the scripts
hold no untranslated text. The others plant small files and catalogs in a temporary directory
and show that each kind of leak, and each kind of unfinished catalog, is found (and that the
translated forms are not).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the lint is a dev tool under scripts/, not part of the package

from scripts import i18n_lint  # noqa: E402
from scripts.i18n_lint import catalog_problems, lint  # noqa: E402


def test_the_app_has_no_text_outside_a_translation_call():
    """Wrap what a finding names: _() or {% trans %} in templates, _()/_l()/ngettext in Python, the
    page's i18n strings in JavaScript; a word that is the same in every language goes to ALLOWED."""
    findings = lint(i18n_lint.app_files())
    if findings:
        files = len({f.path for f in findings})
        pytest.fail(f"{len(findings)} untranslated strings in {files} files:\n" + "\n".join(map(str, findings)),
                    pytrace=False)


def _plant(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _found(findings) -> set[tuple[int, str]]:
    return {(f.line, f.text) for f in findings}


def test_a_planted_english_string_in_a_template_is_found(tmp_path):
    page = _plant(tmp_path, "templates/demo/page.html", """{% extends "base.html" %}
{% block content %}
<h1>{{ _("Your contacts") }}</h1>
<p class="card">{% trans name=me.name %}Hello, {{ name }}{% endtrans %}</p>
<p>Planted English sentence</p>
<input type="search" placeholder="Search people" aria-label="{{ _('Search') }}">
<img src="/x.png" alt="A planted picture">
<input type="submit" value="Send it"> <button type="submit" name="do" value="send">{{ _("Send") }}</button>
<p>{{ count }} planted contacts</p>
<span class="brand">eventnet</span> &middot; <a href="{{ url_for('contacts.export_vcf', slug=event.slug) }}">vCard</a>
{{ field("digest_at", "Planted label", values, errors, type="datetime-local", hint=_("Translated hint")) }}
{% if kind == "coffee" %}<b class="{{ 'muted small' }}">{{ _(label) }}</b>{% endif %}
<script type="application/json" id="i18n-js">{"scanning": "{{ _('Scanning') }}"}</script>
<code>flask events create</code>
{# A comment in English is for the developer #}
<p>/e/{{ event.slug }}/login</p> <p>#0b57d0, {{ ratio }}:1</p>
{% endblock %}
{% block body_class %}console{% endblock %}
""")
    findings = i18n_lint.lint_template(page)
    assert _found(findings) == {
        (5, "Planted English sentence"), (6, "Search people"), (7, "A planted picture"), (8, "Send it"),
        (9, "{{…}} planted contacts"), (11, "Planted label"),
    }
    text = {f.line: f for f in findings}
    assert text[6].kind == "<input placeholder>" and text[5].kind == "text" and text[11].kind == "constant"
    # file:line: kind: "text", the form the lint prints.
    assert str(text[5]).endswith('page.html:5: text: "Planted English sentence"')


def test_a_plain_text_email_template_is_read_line_by_line(tmp_path):
    mail = _plant(tmp_path, "templates/mail/planted.txt", """{{ _("Hello %(name)s,", name=attendee.name) }}

{% trans %}A translated
paragraph.{% endtrans %}

Planted line of English
{{ url }}
--
eventnet
""")
    assert _found(i18n_lint.lint_template(mail)) == {(6, "Planted line of English")}


def test_a_planted_english_flash_and_its_neighbours_in_python_are_found(tmp_path):
    module = _plant(tmp_path, "eventnet/planted/views.py", '''
import click
from flask import abort, flash
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from eventnet.errors import DomainError

LIMITED = "Planted limit message"
TITLE = "We planted this page title"
CODE = "Not_a sentence"


class PlantedError(DomainError):
    MESSAGES = {"gone": (410, "Planted table message"), "ok": (400, _l("A translated table message"))}


class PlantedForm:
    name = StringField("Planted label", validators=[DataRequired(message="Planted required"), Length(max=9)])
    kind = SelectField(_l("Kind"), choices=[("coffee", "Planted choice"), ("call", _l("A call"))])
    tag = StringField(_l("Tag"), render_kw={"placeholder": "Planted placeholder", "class": "wide tag"})

    def validate_name(self, field):
        raise ValidationError(f"Planted {field.data} error")


@limiter.limit("5/minute", error_message=LIMITED)
def view(n):
    flash("Planted flash message", "ok")
    flash(_("A translated flash"), "ok")
    flash(ngettext("%(num)d contact", "%(num)d contacts", n), "ok")
    flash(_("Saved.") if n else "Planted otherwise", "ok")
    flash(_(f"Planted {n} formatted first"))
    if n > 3:
        raise PlantedError("gone", "Planted domain message")
    if n > 4:
        raise PlantedError("gone")  # the table's message
    abort(404, "Planted abort description")
    click.echo(f"queued {n} digests")
    click.echo(_("Translated output"))
    click.secho("", fg="green")
    raise PlantedError("bad_field", "note must be a string.")  # i18n-lint: ignore (the API's contract)
''')
    findings = lint([module])
    assert _found(findings) == {
        (10, "Planted limit message"), (11, "We planted this page title"), (16, "Planted table message"),
        (20, "Planted label"), (20, "Planted required"), (21, "Planted choice"), (22, "Planted placeholder"),
        (25, "Planted {{…}} error"), (30, "Planted flash message"), (33, "Planted otherwise"),
        (34, "Planted {{…}} formatted first"), (36, "Planted domain message"), (39, "Planted abort description"),
        (40, "queued {{…}} digests"),
    }
    kinds = {f.line: f.kind for f in findings}
    assert kinds[30] == "flash()" and kinds[36] == "PlantedError()" and kinds[34] == "_() of a formatted string"
    assert kinds[10] == "error_message=" and kinds[11] == "sentence constant"


def test_javascript_text_is_found_unless_the_page_gives_it(tmp_path):
    script = _plant(tmp_path, "static/js/planted.js", r'''(function () {
  "use strict";
  var strings = JSON.parse(document.getElementById("i18n-js").textContent);
  var statusEl = document.querySelector("#status .line, [data-status]");
  function setStatus(text) { statusEl.textContent = text; }
  setStatus(strings.scanning);
  statusEl.textContent = "Planted status";
  statusEl.className = "muted small";
  if (record.state === "synced" || kind == "Not a state") { return; }
  window.alert("Planted alert");
  button.setAttribute("aria-label", "Planted label");
  button.setAttribute("data-kind", "coffee");
  var message = ok ? strings.saved : "Planted fallback sentence.";
  var re = /"not a string" /g;
  var shown = `Planted ${count} template`;
  console.error("sync failed badly here", error);
  throw new Error("a message for developers only");
  var opts = { statusText: "Offline", hour: "2-digit" };
})();
''')
    findings = i18n_lint.lint_js(script)
    assert _found(findings) == {
        (7, "Planted status"), (10, "Planted alert"), (11, "Planted label"), (13, "Planted fallback sentence."),
        (15, "Planted {{…}} template"),
    }


def _po(tmp_path: Path, language: str, header_plurals: str, body: str) -> Path:
    return _plant(tmp_path, f"{language}/messages.po", f'''msgid ""
msgstr ""
"Language: {language}\\n"
"Plural-Forms: {header_plurals}\\n"
"Content-Type: text/plain; charset=utf-8\\n"

{body}''')


AR_PLURALS = ("nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);")
DE_PLURALS = "nplurals=2; plural=(n != 1);"


def test_a_catalog_with_a_fuzzy_entry_is_not_done(tmp_path):
    po = _po(tmp_path, "de", DE_PLURALS, '''#, fuzzy
msgid "Save note"
msgstr "Notiz speichern"

msgid "Your profile"
msgstr "Ihr Profil"
''')
    assert catalog_problems(po, {"Save note", "Your profile"}) == ["fuzzy: 'Save note'"]


def test_a_plural_entry_missing_a_form_is_not_done(tmp_path):
    complete = "\n".join(f'msgstr[{n}] "{n} جهات"' for n in range(6))
    po = _po(tmp_path, "ar", AR_PLURALS, f'''msgid "%(num)d contact"
msgid_plural "%(num)d contacts"
msgstr[0] "لا جهات"
msgstr[1] "جهة واحدة"

msgid "%(num)d promise"
msgid_plural "%(num)d promises"
{complete}
''')
    assert catalog_problems(po, {"%(num)d contact", "%(num)d promise"}) == [
        "untranslated plural form [2, 3, 4, 5]: '%(num)d contact'"]


def test_a_catalog_missing_entries_or_with_a_wrong_placeholder_or_header_is_not_done(tmp_path):
    po = _po(tmp_path, "ar", DE_PLURALS, '''msgid "Hello, %(name)s"
msgstr "مرحبًا، %(nom)s"

msgid "Empty"
msgstr ""
''')
    problems = catalog_problems(po, {"Hello, %(name)s", "Empty", "New"})
    assert problems == ["Plural-Forms says 2 forms, the language has 6", "missing (run scripts/i18n.py update): 'New'",
                        "untranslated: 'Empty'", "unknown named placeholder 'nom': 'Hello, %(name)s'"]


def test_the_command_prints_file_line_and_text_and_fails(tmp_path):
    planted = _plant(tmp_path, "page.html", "<p>{{ _('Fine') }}</p>\n<p>Not fine</p>\n")
    clean = _plant(tmp_path, "clean.html", "<p>{{ _('Fine') }}</p>\n")
    run = [sys.executable, str(ROOT / "scripts" / "i18n_lint.py")]
    result = subprocess.run([*run, str(planted)], capture_output=True, text=True)
    assert result.returncode == 1 and result.stdout == f'{planted}:2: text: "Not fine"\n'
    assert subprocess.run([*run, str(clean)], capture_output=True, text=True).returncode == 0


@pytest.mark.parametrize("text,words", [
    ("Save note", True), ("Name", True), ("e.g. Dr., Prof.", True), ("stay in touch", True), ("Ärger", True),
    ("coffee", False), ("datetime-local", False), ("muted small", False), ("#profile-form .field", False),
    ("scanner.", False), ("padding:0 12px;border-left", False), ("eventnet", False), ("vCard", False),
])
def test_what_reads_like_words(text, words):
    assert i18n_lint.looks_like_words(text) is words
