#!/usr/bin/env python
"""Write the gzip files WhiteNoise serves next to the text static files (CSS, JS, SVG).

    python scripts/compress_static.py          # (re)write every .gz that is missing or stale
    python scripts/compress_static.py --check  # exit 1 naming each missing or stale one (CI)

Run it after changing a file under static/ and commit the .gz files with it: WhiteNoise serves
a file's .gz as it is on disk (eventnet/static_files.py). Files under 1 KB gain nothing and
are left alone; the decoder under vendor/barcode-detector/ ships its own .gz and .br; the
service worker's source is served by its own route (/sw.js), filled in, uncompressed.
"""
from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

from whitenoise.compress import Compressor

STATIC = Path(__file__).resolve().parent.parent / "static"
SUFFIXES = {".css", ".js", ".svg"}
MIN_SIZE = 1024
SKIP = ("vendor/barcode-detector/", "sw.js")


def compressible(root: Path = STATIC) -> list[Path]:
    """The static files that are served gzipped."""
    return sorted(path for path in root.rglob("*") if path.is_file() and path.suffix in SUFFIXES
                  and path.stat().st_size >= MIN_SIZE
                  and not path.relative_to(root).as_posix().startswith(SKIP))


def stale(root: Path = STATIC) -> list[str]:
    """Each compressible file whose .gz is missing or not its content, and each .gz left without one."""
    wanted = compressible(root)
    problems = []
    for path in wanted:
        gz = path.with_name(path.name + ".gz")
        if not gz.is_file() or gzip.decompress(gz.read_bytes()) != path.read_bytes():
            problems.append(f"{path.relative_to(root)}: .gz missing or stale")
    kept = {path.with_name(path.name + ".gz") for path in wanted}
    for gz in root.rglob("*.gz"):
        if gz not in kept and not gz.relative_to(root).as_posix().startswith(SKIP):
            problems.append(f"{gz.relative_to(root)}: no longer wanted")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report missing or stale .gz files")
    args = parser.parse_args(argv)
    if args.check:
        problems = stale()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("run: python scripts/compress_static.py", file=sys.stderr)
        return 1 if problems else 0
    # WhiteNoise's own compressor (gzip level 9, no timestamp: the same bytes on every machine).
    compressor = Compressor(use_brotli=False, quiet=True)
    for path in compressible():
        gz = path.with_name(path.name + ".gz")
        if not gz.is_file() or gzip.decompress(gz.read_bytes()) != path.read_bytes():
            gz.unlink(missing_ok=True)
            written = compressor.compress(str(path))
            print(f"{path.relative_to(STATIC)}: {'compressed' if written else 'not worth compressing'}")
    for problem in stale():
        if problem.endswith("no longer wanted"):
            (STATIC / problem.split(":")[0]).unlink()
            print(f"removed {problem.split(':')[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
