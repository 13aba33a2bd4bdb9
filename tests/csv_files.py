"""CSV files made for the import tests: hostile ones, and ones shaped like real exports."""
from __future__ import annotations


def sniffer_trap(size: int = 60_000) -> bytes:
    """A valid attendee CSV of about `size` bytes that kept csv.Sniffer busy for seconds.

    Every name cell is `Ann "b "c ... "z`: a quote after a space, never followed by the space
    that would close it. csv.Sniffer's first quote pattern (`(delim) ?(quote).*?(quote)(delim)`,
    DOTALL) therefore scans from each of those ~15,000 quotes to the end of its 64 KB sample:
    quadratic. 60 KB took 15.5 s per parse on the 2-core test machine (22 s in issue 10), and the
    upload, the preview and the confirm each parsed it. For csv.reader the quotes are ordinary
    characters (they are not at the start of a cell), so every row is valid.
    """
    lines = ["email,name"]
    while sum(len(line) + 1 for line in lines) < size:
        lines.append(f"p{len(lines)}@example.org,Ann " + " ".join(f'"{c}' for c in "bcdefghijklmnopqrstuvwxyz"))
    return ("\n".join(lines) + "\n").encode()
