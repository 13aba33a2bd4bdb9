"""pybabel's extractor for the command modules: their messages, and their commands' docstrings.

A command's docstring is its --help (CONVENTIONS.md): it stays where a reader of the code looks
for it, in English, and each of its paragraphs is a catalog entry, translated when the help is
shown (eventnet.i18n.cli). babel.cfg maps `eventnet/**/cli.py` and `organizer/admin.py` here.
"""
from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator

from babel.messages.extract import extract_python


def help_paragraphs(text: str) -> list[tuple[bool, str]]:
    """(verbatim, msgid) for each paragraph of a help text: a paragraph Click must not rewrap
    (it starts with "\\b") keeps its line breaks; any other is one line, as Click rewraps it."""
    paragraphs = []
    for paragraph in inspect.cleandoc(text).split("\n\n"):
        if paragraph.startswith("\b\n"):
            paragraphs.append((True, paragraph[2:]))
        elif paragraph.strip():
            paragraphs.append((False, " ".join(paragraph.split())))
    return paragraphs


def _is_command(function: ast.FunctionDef) -> bool:
    for decorator in function.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(call, ast.Attribute) and call.attr in ("command", "group"):
            return True
    return False


def extract_commands(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Babel extraction method: what extract_python finds, plus every command docstring's paragraphs."""
    source = fileobj.read()
    fileobj.seek(0)
    yield from extract_python(fileobj, keywords, comment_tags, options)
    tree = ast.parse(source.decode(options.get("encoding", "utf-8")) if isinstance(source, bytes) else source)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and _is_command(node):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                for _verbatim, msgid in help_paragraphs(docstring):
                    yield node.lineno, None, msgid, ["The help of a command (flask ... --help)."]
