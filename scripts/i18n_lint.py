#!/usr/bin/env python3
"""Find text a person reads that is outside a translation call, and catalogs that are not done.

    python scripts/i18n_lint.py              # every template, module and script of the app
    python scripts/i18n_lint.py FILE...      # just these files (.html, .txt, .py, .js)

Prints `file:line: kind: "the text"` for each finding and exits 1 when there is any; the test
suite runs it (tests/test_i18n_lint.py). What it reads:

- Templates (templates/**/*.html, .txt): Jinja2's own lexer splits each one; the text outside
  `{{ }}`, `{% %}` and `{% trans %}…{% endtrans %}` goes through Python's HTML parser, and every
  text node and user-facing attribute (title, placeholder, alt, aria-label…, the value of a
  submit button, a meta description, data-confirm) that still holds a letter is a finding. The
  string constants inside `{{ }}` and `{% %}` (a label passed to a macro, a `{% set %}`) are
  read from Jinja2's parse tree: outside `_()`/`gettext`/`ngettext` and looking like words, they
  are findings too.
- Python (eventnet/**/*.py): string literals (and f-strings, `"…" % x`, `"…".format()`) given to
  flash(), abort()'s description, a DomainError (or subclass) message or title, FormInvalid's
  messages, WTForms' ValidationError, a field's label/description/choices/placeholder, a
  validator's message, click.echo/secho/confirm/prompt and click's exceptions, and the error
  tables {code: (status, message)} – unless wrapped in _(), _l(), N_(), ngettext(). Also
  `_(f"…")` and `_("…" % x)`: formatted before translating, so never found in the catalog.
- JavaScript (static/*.js, static/js/*.js; not static/vendor): a small tokenizer finds every
  string literal; one that is assigned to textContent/innerText/innerHTML/title/placeholder/
  ariaLabel, given to alert/confirm/prompt or setAttribute("aria-label"|"title"|…), or that reads
  like words anywhere else (not a selector, class name, event name, object key or comparison,
  nor a console/Error message for developers) is a finding. Strings the page hands to the script
  (rendered by the template with _()) are never literals in the .js file, so they pass.

ALLOWED below is the small list of words that stay as they are in every language. A string for
developers rather than people (an API's contract error) is marked on its own line with
`i18n-lint: ignore (why)` in a comment; never a whole file.
"""
from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent

# Words that are the same in every language; removed before looking for letters. Keep it short,
# and say why for each: a whole file or a whole sentence never goes here.
ALLOWED = [
    "eventnet",  # the product's name
    "LinkedIn",  # a brand's name
    "vCard", ".vcf", "CSV", "JSON", "QR", "PDF", "iCalendar", ".ics",  # names of formats
    "Outlook", "Google",  # products the export is made for ("Outlook CSV")
    "HX-Request", "Accept-Language",  # HTTP header names
    "From:", "To:", "Cc:", "Subject:", "Date:", "Reply-To", "List-Unsubscribe", "Message-ID",  # e-mail headers
    "Europe/Berlin", "America/New_York",  # IANA time-zone names, examples of what to type
    "UTC",  # the time standard's abbreviation
    "@",
]
_ALLOWED_RE = re.compile("|".join(r"(?<![\w.])" + re.escape(word) + r"(?![\w])"
                                  for word in sorted(ALLOWED, key=len, reverse=True)))
LETTER = re.compile(r"[^\W\d_]")
SENTINEL = "\ue000"  # stands for a {{ }} or a {% trans %} block in a template's skeleton
# An address path shown as typed ("/e/pycon/"), not one after a word ("and/or" is words), and a
# colour written as CSS writes it ("#0b57d0"): the same in every language.
PATH = re.compile(r"(?<![\w/])/[\w\-./%s]*|#[0-9a-fA-F]{3,8}\b" % SENTINEL)
# Put on the line of a string that is for developers, not people, with the reason:
# `raise ScannerError("bad_field", "note must be a string.")  # i18n-lint: ignore (API contract)`.
IGNORE = "i18n-lint: ignore"
TRANSLATE = {"_", "gettext", "ngettext", "pgettext", "npgettext", "_l", "lazy_gettext", "lazy_ngettext", "N_"}


class Finding(NamedTuple):
    path: str
    line: int
    kind: str
    text: str

    def __str__(self) -> str:
        return f'{self.path}:{self.line}: {self.kind}: "{self.text}"'


def has_words(text: str) -> bool:
    """Whether `text` holds a letter once the placeholders and the allowed words are taken out."""
    return bool(LETTER.search(_ALLOWED_RE.sub(" ", PATH.sub(" ", text).replace(SENTINEL, " "))))


def looks_like_words(text: str) -> bool:
    """Whether a string constant reads like text for a person rather than a code or class name.

    "Save note", "Name", "e.g. Dr." and "stay in touch" do; "coffee", "datetime-local",
    "muted small" and "#profile-form .field" do not. Used where a constant may be either.
    """
    text = _ALLOWED_RE.sub(" ", text.replace(SENTINEL, " ")).strip()
    if not LETTER.search(text) or re.fullmatch(r"[#.\[][^ ]*( [#.\[>:~+*][^ ]*)*", text) \
            or re.match(r"[\w-]+:[^\s:]", text) or " --" in text or text.startswith("flask "):
        return False  # no letters, a CSS selector or declaration, a command line
    if re.search(r"[^\x00-\x7f]", text) and LETTER.search(re.sub(r"[\x00-\x7f]", "", text)):
        return True  # letters of another script: nobody writes code like that
    if re.search(r"[A-Z][a-z]", text) or (" " in text and re.search(r"[a-z][.!?…:]$", text)):
        return True  # a capitalised word, or the end of a sentence ("scanner." is an endpoint's prefix)
    words = re.findall(r"[^\W\d_]+", text)
    return len(text.split()) >= 3 and len(words) >= 3  # "stay in touch", not "muted small"


def _clip(text: str) -> str:
    text = re.sub(r"\s+", " ", text.replace(SENTINEL, "{{…}}")).strip()
    return text if len(text) <= 100 else text[:97] + "..."


# ----------------------------------------------------------------------------- templates

# Attributes a person reads (or hears, from a screen reader).
TEXT_ATTRIBUTES = {"title", "placeholder", "alt", "label", "aria-label", "aria-description",
                   "aria-roledescription", "aria-placeholder", "aria-valuetext", "hx-confirm", "hx-prompt",
                   "data-confirm"}  # data-confirm: app.js asks it before a form posts
# Elements whose content is not prose to translate: code, and what the browser never shows as text.
SKIPPED_ELEMENTS = {"script", "style", "code", "kbd", "samp", "pre"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _jinja_env():
    from jinja2 import Environment

    env = Environment(extensions=["jinja2.ext.i18n"])
    env.policies["ext.i18n.trimmed"] = True  # as the app (eventnet.i18n.hooks)
    return env


def template_skeleton(source: str, name: str = "template") -> str:
    """The template's own text, every `{{ }}` and `{% trans %}` block replaced by SENTINEL and every
    other tag and comment removed, line breaks kept so that line numbers still match."""
    env = _jinja_env()
    tokens = list(env.lexer.tokeniter(source, name))
    out: list[str] = []
    line, in_trans, blocks = 1, False, []
    for i, (lineno, kind, value) in enumerate(tokens):
        if lineno > line:
            out.append("\n" * (lineno - line))
            line = lineno
        if kind == "block_begin":
            tag, name = ([v for _, k, v in tokens[i + 1:i + 5] if k == "name"] + ["", ""])[:2]
            if tag == "block":
                blocks.append(name)
            elif tag == "endblock" and blocks:
                blocks.pop()
            if tag == "trans":
                in_trans = True
                out.append(SENTINEL)
            elif tag == "endtrans":
                in_trans = False
        elif kind == "variable_begin" and not in_trans:
            out.append(SENTINEL)
        elif kind == "data" and not in_trans:
            # {% block body_class %}console{% endblock %} fills an attribute: class names, not text.
            out.append(re.sub(r"\S", "", value) if blocks and "class" in blocks[-1] else value)
            line += value.count("\n")
    return "".join(out)


class _HTMLText(HTMLParser):
    def __init__(self, path: str):
        super().__init__(convert_charrefs=True)
        self.path, self.findings, self.skipping = path, [], []

    def _line(self, text: str = "") -> int:
        leading = text[:len(text) - len(text.lstrip())]
        return self.getpos()[0] + leading.count("\n")

    def _attributes(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if not value:
                continue
            shown = ((name in TEXT_ATTRIBUTES and (name != "data-confirm" or tag in {"form", "button", "a"}))
                     or (name == "value" and tag == "input" and (values.get("type") or "").lower() in {"submit", "button", "reset"})
                     or (name == "content" and tag == "meta" and ((values.get("name") or "").lower() in {"description", "application-name"}
                                                                 or (values.get("property") or "").startswith("og:"))))
            if shown and has_words(value):
                self.findings.append(Finding(self.path, self._line(), f"<{tag} {name}>", _clip(value)))

    def handle_starttag(self, tag, attrs):
        self._attributes(tag, attrs)
        if tag in SKIPPED_ELEMENTS:
            self.skipping.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._attributes(tag, attrs)

    def handle_endtag(self, tag):
        if tag in self.skipping:
            while self.skipping and self.skipping.pop() != tag:
                pass

    def handle_data(self, data):
        # A macro or block that writes attributes or class names ("aria-invalid="true" autofocus",
        # "page-my-qr") is not text, though the HTML parser sees it outside a tag.
        words = data.replace(SENTINEL, "x").split()
        if words and ('="' in data or "-" in data) and all(re.fullmatch(r'[a-z][\w-]*(="[^"]*")?', w) for w in words):
            return
        if not self.skipping and has_words(data):
            self.findings.append(Finding(self.path, self._line(data), "text", _clip(data)))


def _template_constants(source: str, path: str) -> Iterator[Finding]:
    """String constants in `{{ }}`/`{% %}` that look like words and are not translated."""
    from jinja2 import nodes

    tree = _jinja_env().parse(source)
    technical_calls = {"url_for", "csrf_token", "get_flashed_messages", "range", "dict"}
    technical_keywords = {"type", "prefix", "autocomplete", "inputmode", "id", "class", "class_", "name", "filename",
                          "slug", "kind", "method", "pattern", "accept", "variant", "icon", "category", "format"}

    def walk(node) -> Iterator[Finding]:
        if isinstance(node, nodes.Call):
            callee = node.node
            name = callee.name if isinstance(callee, nodes.Name) else callee.attr if isinstance(callee, nodes.Getattr) else None
            if name in TRANSLATE or name in technical_calls:
                return
        if isinstance(node, (nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport, nodes.Compare, nodes.Test)):
            return  # template names; values compared with, not shown
        if isinstance(node, nodes.Getitem):
            yield from walk(node.node)
            return
        if isinstance(node, nodes.Keyword) and node.key in technical_keywords:
            return
        if isinstance(node, nodes.Pair):  # a key is looked up, never shown
            yield from walk(node.value)
            return
        if isinstance(node, nodes.Const) and isinstance(node.value, str) and looks_like_words(node.value):
            yield Finding(path, node.lineno, "constant", _clip(node.value))
        for child in node.iter_child_nodes():
            yield from walk(child)

    yield from walk(tree)


def lint_template(path: Path | str, source: str | None = None) -> list[Finding]:
    """The findings of one Jinja2 template (.html: through the HTML parser; .txt: every line)."""
    path = Path(path)
    source = path.read_text(encoding="utf-8") if source is None else source
    shown = _display(path)
    skeleton = template_skeleton(source, str(path))
    if path.suffix == ".html":
        parser = _HTMLText(shown)
        parser.feed(skeleton)
        parser.close()
        findings = parser.findings
    else:  # a plain-text email: every line is text
        findings = [Finding(shown, n, "text", _clip(line))
                    for n, line in enumerate(skeleton.split("\n"), 1) if has_words(line)]
    return findings + list(_template_constants(source, shown))


# ----------------------------------------------------------------------------- Python

VALIDATORS = {"DataRequired": 0, "InputRequired": 0, "Email": 0, "Length": 2, "NumberRange": 2, "EqualTo": 1,
              "Regexp": 2, "URL": 2, "AnyOf": 1, "NoneOf": 1, "Optional": None}
CLICK_TEXT = {"echo", "secho", "confirm", "prompt", "ClickException", "UsageError", "BadParameter", "Abort"}


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _literal_text(node: ast.AST | None, constants: dict[str, ast.expr] | None = None,
                  ) -> Iterator[tuple[int, str]]:
    """The literal strings that reach the person through `node` without a translation call
    (`constants`: the module's NAME = "…" assignments, followed when a name is passed)."""
    if node is None:
        return
    if isinstance(node, ast.Name) and constants and node.id in constants:
        yield from _literal_text(constants[node.id])
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.lineno, node.value
    elif isinstance(node, ast.JoinedStr):
        yield node.lineno, "".join(v.value if isinstance(v, ast.Constant) else SENTINEL for v in node.values)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield from _literal_text(node.left)
        yield from _literal_text(node.right)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        yield from _literal_text(node.left)
    elif isinstance(node, ast.IfExp):
        yield from _literal_text(node.body)
        yield from _literal_text(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _literal_text(value)
    elif isinstance(node, ast.Call):
        name = _name(node.func)
        if name == "format" and isinstance(node.func, ast.Attribute):
            yield from _literal_text(node.func.value)
        elif name in {"Markup", "escape", "str"} and node.args:
            yield from _literal_text(node.args[0])


def _arg(call: ast.Call, index: int | None, keyword: str | None = None) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    if index is not None and len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    return None


def _domain_errors(trees: Iterable[ast.AST]) -> tuple[set[str], set[str]]:
    """The names of DomainError and its subclasses, and of FormInvalid and its, across the modules."""
    errors, forms = {"DomainError", "FormInvalid"}, {"FormInvalid"}
    classes = [(node.name, {_name(base) for base in node.bases})
               for tree in trees for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    changed = True
    while changed:
        changed = False
        for name, bases in classes:
            if name not in errors and bases & errors:
                errors.add(name)
                changed = True
            if name not in forms and bases & forms:
                forms.add(name)
                changed = True
    return errors, forms


def _is_status(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and 100 <= node.value <= 599


def lint_python(path: Path | str, source: str | None = None, *, errors: set[str] | None = None,
                form_errors: set[str] | None = None) -> list[Finding]:
    """The findings of one module (`errors`: the DomainError class names, found across the app)."""
    path = Path(path)
    source = path.read_text(encoding="utf-8") if source is None else source
    tree = ast.parse(source, str(path))
    if errors is None:
        errors, form_errors = _domain_errors([tree])
    form_errors = form_errors or {"FormInvalid"}
    shown = _display(path)
    findings: list[Finding] = []

    constants = {target.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                 for target in node.targets if isinstance(target, ast.Name)}

    def check(node: ast.AST | None, kind: str) -> None:
        for line, text in _literal_text(node, constants):
            if has_words(text):
                findings.append(Finding(shown, line, kind, _clip(text)))

    # A module's constant that is a sentence ("We cannot reach our database just now"), given to a
    # page from wherever it is imported: flagged where it is written.
    for name, value in constants.items():
        for line, text in _literal_text(value):
            if re.match(r"[A-Z][a-z]+ ", text) and len(text.split()) >= 4:
                findings.append(Finding(shown, line, "sentence constant", _clip(text)))

    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            # An error table: {code: (status, message)} or {status: (title, message)}.
            for key, value in zip(node.keys, node.values):
                if isinstance(value, ast.Tuple) and value.elts and (_is_status(value.elts[0]) or _is_status(key)):
                    for element in value.elts:
                        check(element, "error table")
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in TRANSLATE and node.args and (
                isinstance(node.args[0], ast.JoinedStr)
                or (isinstance(node.args[0], ast.BinOp) and any(True for _ in _literal_text(node.args[0])))):
            findings.append(Finding(shown, node.lineno, f"{name}() of a formatted string",
                                    _clip(next(t for _, t in _literal_text(node.args[0])))))
        if (limit_message := _arg(node, None, "error_message")) is not None:
            check(limit_message, "error_message=")  # Flask-Limiter's answer to a refused request
        if name == "flash":
            check(_arg(node, 0, "message"), "flash()")
        elif name == "abort":
            check(_arg(node, 1, "description"), "abort()")
        elif name in form_errors:
            errors_arg = _arg(node, 0, "errors")
            if isinstance(errors_arg, ast.Dict):
                for value in errors_arg.values:
                    check(value, f"{name}()")
        elif name in errors:
            check(_arg(node, 1, "message"), f"{name}()")
            check(_arg(node, None, "title"), f"{name}()")
        elif name in {"ValidationError", "StopValidation"}:
            check(_arg(node, 0, "message"), f"{name}()")
        elif name in CLICK_TEXT and (isinstance(node.func, ast.Name) or _name(getattr(node.func, "value", None)) == "click"):
            check(_arg(node, 0, "message" if name != "prompt" else "text"), f"click.{name}()")
        elif name.endswith("Field") and name[:1].isupper():
            check(_arg(node, 0, "label"), f"{name} label")
            check(_arg(node, None, "description"), f"{name} description")
            choices = _arg(node, None, "choices")
            if isinstance(choices, (ast.List, ast.Tuple)):
                for choice in choices.elts:
                    if isinstance(choice, ast.Tuple) and len(choice.elts) == 2:
                        check(choice.elts[1], f"{name} choice")
            render_kw = _arg(node, None, "render_kw")
            if isinstance(render_kw, ast.Dict):
                for key, value in zip(render_kw.keys, render_kw.values):
                    if isinstance(key, ast.Constant) and key.value in TEXT_ATTRIBUTES:
                        check(value, f"{name} {key.value}")
        elif name in VALIDATORS:
            check(_arg(node, VALIDATORS[name], "message"), f"{name}() message")
    return findings


# ----------------------------------------------------------------------------- JavaScript

_JS_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<template>`)
  | (?P<name>[A-Za-z_$][\w$]*)
  | (?P<number>\d[\w.]*|\.\d[\w]*)
  | (?P<punct>===|!==|==|!=|<=|>=|=>|&&|\|\||\?\?|\?\.|\+\+|--|[+\-*%&|^!~<>]=?|\.\.\.|[.,;:?(){}\[\]=/])
""", re.X | re.S)
_REGEX_BEFORE = set("(,=:[!&|?{};+-*%<>~^") | {"return", "typeof", "case", "do", "else", "in", "of", "new",
                                              "delete", "void", "throw", "=>", "&&", "||", "??", "===", "!==",
                                              "==", "!=", "<=", ">="}


class _JSToken(NamedTuple):
    kind: str  # name, number, punct, string
    value: str  # a string's text, unquoted
    line: int


def js_tokens(source: str) -> list[_JSToken]:
    """A JavaScript tokenizer good enough to find string literals: comments, regular expressions
    and template literals (their ${} parts stand as SENTINEL) are told apart from strings."""
    tokens: list[_JSToken] = []
    i, line = 0, 1
    while i < len(source):
        if source[i] == "/" and not source.startswith(("//", "/*"), i) and (
                not tokens or tokens[-1].value in _REGEX_BEFORE and tokens[-1].kind != "string"):
            match = re.compile(r"/(?:[^/\\\[\n]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/[a-z]*").match(source, i)
            if match:
                tokens.append(_JSToken("regex", match.group(), line))
                i = match.end()
                continue
        match = _JS_TOKEN.match(source, i)
        if not match:
            i += 1
            continue
        kind, text = match.lastgroup, match.group()
        if kind == "template":
            j, depth, parts, start = i + 1, 0, [], line
            while j < len(source) and not (source[j] == "`" and depth == 0):
                c = source[j]
                if c == "\\":
                    parts.append(source[j:j + 2]) if depth == 0 else None
                    j += 2
                    continue
                if depth == 0 and source.startswith("${", j):
                    parts.append(SENTINEL)
                    depth, j = 1, j + 2
                    continue
                if depth:
                    depth += {"{": 1, "}": -1}.get(c, 0)
                elif True:
                    parts.append(c)
                j += 1
            text = source[i:j + 1]
            tokens.append(_JSToken("string", "".join(parts), start))
            line += text.count("\n")
            i = j + 1
            continue
        if kind == "string":
            tokens.append(_JSToken("string", text[1:-1], line))
        elif kind not in ("space", "comment"):
            tokens.append(_JSToken(kind, text, line))
        line += text.count("\n")
        i = match.end()
    return tokens


JS_TEXT_PROPERTIES = {"textContent", "innerText", "innerHTML", "outerHTML", "title", "placeholder", "ariaLabel",
                      "alt", "label", "ariaDescription", "ariaValueText"}
JS_TEXT_CALLS = {"alert", "confirm", "prompt"}
# Calls whose string arguments are for the program or the developer, not for people.
JS_TECHNICAL_CALLS = {"querySelector", "querySelectorAll", "getElementById", "getElementsByClassName", "closest",
                      "matches", "addEventListener", "removeEventListener", "dispatchEvent", "CustomEvent", "Event",
                      "createElement", "createElementNS", "getAttribute", "hasAttribute", "removeAttribute",
                      "toggleAttribute", "fetch", "Request", "Error", "TypeError", "RangeError", "log", "error",
                      "warn", "info", "debug", "add", "remove", "toggle", "contains", "replace", "open", "get",
                      "put", "delete", "objectStore", "transaction", "createObjectStore", "createIndex", "index",
                      "getItem", "setItem", "removeItem", "register", "importScripts", "postMessage", "set", "has",
                      "append", "request", "split", "indexOf", "startsWith", "endsWith", "includes", "RegExp",
                      "match", "test", "Blob", "URL", "URLSearchParams", "keys", "caches", "BarcodeDetector",
                      "getUserMedia", "then", "catch", "toLocaleTimeString", "toLocaleDateString", "Intl",
                      "DateTimeFormat", "NumberFormat", "Headers", "decodeURIComponent", "encodeURIComponent"}
JS_TECHNICAL_PROPERTIES = {"className", "type", "id", "src", "href", "name", "rel", "method", "action", "mode",
                           "autocomplete", "inputMode", "role", "hidden", "lang", "dir", "statusText", "cache",
                           "credentials", "redirect", "scope", "kind", "state", "code", "status"}
JS_TEXT_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "aria-description", "aria-valuetext", "label"}


def _js_context(tokens: list[_JSToken], i: int) -> tuple[str, str]:
    """What the string at tokens[i] is given to: ("call", callee), ("assign", property),
    ("compare", op), ("key", ""), ("attribute", attribute name) or ("", "")."""
    after = tokens[i + 1] if i + 1 < len(tokens) else None
    before = tokens[i - 1] if i else None
    if before and before.value in {"===", "!==", "==", "!=", "case", "in"}:
        return "compare", before.value
    if after and after.value in {"===", "!==", "==", "!="}:
        return "compare", after.value
    if after and after.value == ":" and before and before.value in {"{", ","}:
        return "key", ""
    if after and after.value == "in":
        return "compare", "in"
    depth = 0
    for j in range(i - 1, -1, -1):
        token = tokens[j]
        if token.kind == "punct" and token.value in {")", "]", "}"}:
            depth += 1
        elif token.kind == "punct" and token.value in {"(", "[", "{"}:
            if depth:
                depth -= 1
                continue
            if token.value == "(" and j and tokens[j - 1].kind == "name":
                callee = tokens[j - 1].value
                if callee == "setAttribute" and j + 1 < len(tokens) and tokens[j + 1].kind == "string" and j + 1 != i:
                    return "attribute", tokens[j + 1].value
                if callee in {"if", "while", "switch", "for", "function"}:
                    return "", ""
                return "call", callee
            if token.value == "(":
                continue  # a parenthesised expression: look further out
            return "", ""
        elif depth == 0 and token.kind == "punct" and token.value in {";", ","}:
            return "", ""
        elif depth == 0 and token.value == ":" and j >= 2 and tokens[j - 1].kind in {"name", "string"} \
                and tokens[j - 2].value in {"{", ","}:
            return "assign", tokens[j - 1].value  # { statusText: "…" }
        elif depth == 0 and token.kind == "punct" and token.value == "=":
            target = tokens[j - 1] if j else None
            return ("assign", target.value) if target and target.kind == "name" else ("", "")
        elif depth == 0 and token.kind == "name" and token.value in {"return", "var", "let", "const"}:
            return "", ""
    return "", ""


def lint_js(path: Path | str, source: str | None = None) -> list[Finding]:
    """The findings of one script: string literals a person would read."""
    path = Path(path)
    source = path.read_text(encoding="utf-8") if source is None else source
    shown = _display(path)
    tokens = js_tokens(source)
    findings = []
    for i, token in enumerate(tokens):
        # A string of HTML (the service worker's offline page): its text, not its tags.
        text = re.sub(r"<[^>]*(>|$)", " ", token.value) if "<" in token.value else token.value
        if token.kind != "string" or not has_words(text) or token.value == "use strict":
            continue
        kind, what = _js_context(tokens, i)
        if kind in {"compare", "key"} or (kind == "call" and what in JS_TECHNICAL_CALLS) \
                or (kind == "assign" and what in JS_TECHNICAL_PROPERTIES) \
                or (kind == "attribute" and what not in JS_TEXT_ATTRIBUTES):
            continue
        sure = (kind == "assign" and what in JS_TEXT_PROPERTIES) or (kind == "call" and what in JS_TEXT_CALLS) \
            or kind == "attribute"
        if sure or looks_like_words(text):
            label = {"assign": f".{what} =", "call": f"{what}()", "attribute": f'setAttribute("{what}")'}.get(kind, "literal")
            findings.append(Finding(shown, token.line, f"js {label}", _clip(token.value)))
    return findings


# ----------------------------------------------------------------------------- catalogs

def catalog_problems(po_path: Path | str, template_ids: set[str] | None = None) -> list[str]:
    """What keeps a language's catalog from being shipped: entries missing (against the .pot's ids)
    or extra, untranslated, fuzzy, a plural form left empty, a placeholder the English does not
    have, or a Plural-Forms header that disagrees with the language's CLDR rule."""
    from babel.core import Locale
    from babel.messages.plurals import get_plural
    from babel.messages.pofile import read_po

    with open(po_path, "rb") as f:
        catalog = read_po(f)
    problems = []
    if catalog.locale is not None:
        expected = get_plural(Locale.parse(catalog.locale)).num_plurals
        if catalog.num_plurals != expected:
            problems.append(f"Plural-Forms says {catalog.num_plurals} forms, the language has {expected}")
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    if template_ids is not None and ids != template_ids:
        problems += [f"missing (run scripts/i18n.py update): {i!r}" for i in sorted(template_ids - ids)]
        problems += [f"not in the template (run scripts/i18n.py update): {i!r}" for i in sorted(ids - template_ids)]
    for message in catalog:
        if not message.id:
            continue
        shown_id = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
        if message.fuzzy:
            problems.append(f"fuzzy: {shown_id!r}")
        elif not all(strings):
            empty = [n for n, s in enumerate(strings) if not s]
            problems.append(f"untranslated{' plural form ' + str(empty) if message.pluralizable else ''}: {shown_id!r}")
    for message, errors in catalog.check():
        if message.id and not message.fuzzy:
            shown_id = message.id if isinstance(message.id, str) else message.id[0]
            problems += [f"{error}: {shown_id!r}" for error in errors]
    return problems


# ----------------------------------------------------------------------------- the whole app

def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def app_files(root: Path = ROOT) -> list[Path]:
    """The files the lint reads: templates, the package's modules, the app's own scripts."""
    return sorted([*root.glob("templates/**/*.html"), *root.glob("templates/**/*.txt"), *root.glob("eventnet/**/*.py"),
                   *root.glob("static/*.js"), *root.glob("static/js/*.js")])


def lint(paths: Iterable[Path | str]) -> list[Finding]:
    """Every finding in `paths`; Python modules share one table of DomainError classes."""
    paths = [Path(p) for p in paths]
    python = {p: p.read_text(encoding="utf-8") for p in paths if p.suffix == ".py"}
    package = [ast.parse(p.read_text(encoding="utf-8")) for p in ROOT.glob("eventnet/**/*.py")]
    errors, forms = _domain_errors([*package, *(ast.parse(s) for s in python.values())])
    findings: list[Finding] = []
    for path in paths:
        before = len(findings)
        if path.suffix in {".html", ".txt"}:
            findings += lint_template(path)
        elif path.suffix == ".py":
            findings += lint_python(path, python[path], errors=errors, form_errors=forms)
        elif path.suffix == ".js":
            findings += lint_js(path)
        lines = path.read_text(encoding="utf-8").splitlines()
        findings[before:] = [f for f in findings[before:] if not (0 < f.line <= len(lines) and IGNORE in lines[f.line - 1])]
    # One finding per string: a module constant given to three calls (and a sentence itself) is one.
    return list({(f.path, f.line, f.text): f for f in reversed(findings)}.values())[::-1]


def main(argv: list[str]) -> int:
    findings = lint(argv or app_files())
    for finding in findings:
        print(finding)
    if findings:
        files = {f.path for f in findings}
        print(f"{len(findings)} untranslated strings in {len(files)} files", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
