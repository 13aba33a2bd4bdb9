#!/usr/bin/env python3
"""The message catalogs: extract, update, compile (pybabel underneath).

    python scripts/i18n.py extract        # the messages of eventnet/ and templates/ -> translations/messages.pot
    python scripts/i18n.py update         # merge the .pot into every translations/<lang>/LC_MESSAGES/messages.po
    python scripts/i18n.py compile        # .po -> .mo (run at install and before the tests; .mo files are not committed)
    python scripts/i18n.py init <lang>    # start a catalog for a new language (then add it to eventnet/i18n/languages.py)

Run from anywhere; paths are the repository's.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"


def pybabel(*args: str) -> None:
    # Babel's command line, run by this interpreter (the venv's): no `pybabel` on PATH needed.
    subprocess.run([sys.executable, "-c", "import sys; from babel.messages.frontend import main; sys.exit(main())",
                    *args], cwd=ROOT, check=True)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "extract":
        # _l: lazy_gettext; say/say_n: the importer's stored sentences (attendees/importer/said.py).
        pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "say", "-k", "say_n:1,2",
                "--no-location", "--sort-output",
                "--project", "eventnet", "-o", str(POT), ".")
    elif command == "update":
        pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "--no-wrap", "--ignore-obsolete")
    elif command == "compile":
        pybabel("-q", "compile", "-d", str(TRANSLATIONS))  # errors still go to stderr
    elif command == "init" and len(argv) == 2:
        pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", argv[1], "--no-wrap")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
