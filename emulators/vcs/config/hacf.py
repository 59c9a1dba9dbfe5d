"""`hacf -verify DIR`: check the configuration in DIR as VCS's hacf does.

Reads DIR/main.cf and the files it includes (relative to the including file); when DIR has no
types.cf the bundled one stands in, and a line on stderr says so. Exit status: 0 valid, 1 invalid
(every error on stderr as ``file:line:col: message``), 2 bad usage or no DIR/main.cf.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .errors import ConfigError
from .parser import parse_file, parse_notices
from .validate import validate

USAGE = "usage: hacf -verify config_directory"


def verify(directory: str, err: TextIO | None = None) -> int:
    err = err or sys.stderr
    main_cf = Path(directory) / "main.cf"
    if not main_cf.exists():  # one that is not a regular file is the parser's error
        print(f"hacf: {main_cf}: no such file", file=err)
        return 2
    try:
        config = parse_file(main_cf)
    except ConfigError as e:
        for d in e.diagnostics:
            print(d, file=err)
        return 1
    for notice in parse_notices(config):
        print(f"hacf: {notice}", file=err)
    diags = validate(config)
    for d in diags:
        print(d, file=err)
    return 1 if diags else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2 or args[0] != "-verify":
        print(USAGE, file=sys.stderr)
        return 2
    try:
        return verify(args[1])
    except Exception as e:  # the last guard of "no traceback for any input"
        print(f"hacf: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
