"""The VCS configuration language: read, check and write main.cf / types.cf.

    parse_text(text, filename="main.cf", include_dir=None) -> Config   # syntax only
    parse_file(path) -> Config                                         # + includes, bundled types.cf fallback
    validate(config) -> list[Diagnostic]                               # hacf -verify rules
    secret_spans(text) -> [(line, col, end col)]                       # where UserNames hashes are written
    load(path) -> Config                                               # parse_file + validate, raises ConfigError
    dump(config) -> str / dump_types(types) -> str                     # hacf's layout
"""

from .errors import ConfigError, Diagnostic
from .parser import (
    bundled_types_path,
    parse_diagnostics,
    parse_file,
    parse_notices,
    parse_text,
    secret_spans,
)
from .validate import load, validate
from .writer import dump, dump_types, format_value

__all__ = [
    "ConfigError",
    "Diagnostic",
    "bundled_types_path",
    "dump",
    "dump_types",
    "format_value",
    "load",
    "parse_diagnostics",
    "parse_file",
    "parse_notices",
    "parse_text",
    "secret_spans",
    "validate",
]
