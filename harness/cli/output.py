"""How the `altio-hil` commands print: lines of at most 80 columns (WIDTH) with words and paths never
cut, paths relative to the working directory, messages on stderr."""

from __future__ import annotations

import os
import sys
from pathlib import Path

WIDTH = 80  # what every command prints fits a terminal of 80 columns


def show_path(path: str | os.PathLike[str]) -> str:
    """A path as a reader wants it: relative to the working directory when it is below it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve())) if p.is_absolute() else str(p)
    except (ValueError, OSError):
        return str(p)


def wrap(text: str, width: int = WIDTH, indent: str = "  ") -> str:
    """`text` on lines of at most `width` columns, the rest indented; words (paths) are not cut."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width, subsequent_indent=indent, break_long_words=False,
                                   break_on_hyphens=False)) or text


def said(text: str) -> str:
    """A message that main() prints after "altio-hil: ", wrapped to fit 80 columns there."""
    return wrap("altio-hil: " + text).removeprefix("altio-hil: ")


def elide(line: str, width: int = WIDTH) -> str:
    return line if len(line) <= width else line[:width - 3] + "..."


def err(text: str) -> None:
    print(text, file=sys.stderr)
