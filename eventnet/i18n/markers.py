"""N_(): marks an English string for the catalog without translating it where it is defined.

For constants that are data as well as text (INTENTS is exported to CSV and stored in digests,
SORTS and DIRECTIONS are compared in tests): the value stays English, the page translates it
where it shows it (`{{ _(label) }}`). pybabel knows N_ as a keyword.
"""
from __future__ import annotations


def N_(message: str) -> str:
    return message
