"""Reader of the VCS configuration language (main.cf and the types files it includes).

Hand-written (a regex tokenizer and a recursive-descent parser) rather than lark: the language is
small, the parser recovers after an error to report every syntax error of a file, and it reads a
1,000-group main.cf in a fraction of a second. The grammar it accepts:

    file      := { include | cluster | system | group | typedef }
    include   := "include" STRING
    cluster   := "cluster" NAME "(" { attr } ")"
    system    := "system" NAME "(" { attr } ")"
    group     := "group" NAME "(" { attr } ")" { resource | groupdep | resdep }
    resource  := TYPE NAME "(" { attr } ")"
    groupdep  := "requires" "group" NAME ("online"|"offline") ("local"|"global"|"remote")
                 [ "soft" | "firm" | "hard" ]                      -- no rigidity means firm
    resdep    := NAME "requires" NAME                              -- parent requires child
    attr      := NAME [ "@" NAME ] "=" value                       -- "@ sys" accepted too
    value     := scalar | "{" [ item { [ "," | ";" ] item } [ "," | ";" ] ] "}"
    item      := scalar [ "=" scalar ]                             -- list item or key = value
    scalar    := WORD | STRING
    typedef   := "type" NAME "(" { attrdecl } ")"
    attrdecl  := { "static" | "temp" } ( ("str"|"int"|"boolean") NAME [ "[" "]" | "{" "}" ] | "keylist" NAME )
                 [ "=" value ]

WORD is a run of characters other than blanks, ``(){}[]=,;@"`` and ``//`` (hacf itself quotes
anything beyond letters, digits, ``_`` and ``-``, but bare paths and addresses are accepted);
STRING is double-quoted on one line with ``\\"`` and ``\\\\`` escapes; ``//`` starts a comment
anywhere. List items may be separated by ``,``, ``;`` or just blanks.

Values are typed after the whole file (and its includes) is read, by the data type and dimension
the attribute is declared with (by its type, or built into the engine, see `builtins`): in an
``int`` or ``boolean`` attribute a number becomes an ``int``; in a ``str`` attribute every value
stays a ``str``, so a bare ``1`` there is ``"1"`` (that keeps ``parse(dump(m)) == m``). An
attribute nobody declares (an error `validate` reports) gets ints for bare numbers and strs for the
rest. ``{}`` is a dict in an association, a list otherwise. In a SystemList a system written
without a priority gets the previous priority plus one (the first one 0).

A number beyond VCS's 32-bit signed integers is an error where it would become an ``int``.
Files are read as UTF-8 (a byte that is not is an error at its line and column), and only regular
files of at most `MAX_FILE_BYTES` (a FIFO or a device is refused, never waited on or read whole);
includes nest `MAX_INCLUDE_DEPTH` deep at most.

Duplicates (systems, groups, resources of one group, types, attributes) cannot be kept in the
model's dicts; the parser keeps the first and records a diagnostic that `validate` reports (see
`parse_diagnostics`). The notices of a parse (the bundled types.cf used in place of a missing one)
are in `parse_notices`.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from . import builtins
from .errors import ConfigError, Diagnostic
from .model import (
    AttrDef,
    AttrValue,
    Cluster,
    Config,
    Group,
    GroupDep,
    Loc,
    Resource,
    ResourceDep,
    System,
    TypeDef,
)

TOP_KEYWORDS = frozenset({"include", "cluster", "system", "group", "type"})
DATATYPES = {"str": "str", "int": "int", "boolean": "boolean", "i18nstr": "str"}
CATEGORIES = ("online", "offline")
LOCATIONS = ("local", "global", "remote")
RIGIDITIES = ("soft", "firm", "hard")
INT_RE = re.compile(r"-?[0-9]+\Z")
# VCS integers are 32-bit signed (Administrator's Guide, "About attribute data types")
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
# no real main.cf or types.cf comes near this; a file that does (or /dev/zero) is not read whole
MAX_FILE_BYTES = 16 * 1024 * 1024
# includes nest this deep at most (types.cf including a vendor's types: two or three levels)
MAX_INCLUDE_DEPTH = 32
# characters no UTF-8 file decodes to: bytes that are not UTF-8 (read with surrogateescape), or
# lone surrogates in text handed to `parse_text`
_UNDECODED_RE = re.compile("[\ud800-\udfff]")

# one token of a line, after the blanks before it (lines are split first, so no newlines here)
_TOKEN_RE = re.compile(
    r"""
    [ \t\r\f\v]*
    (?:(?P<word>(?:[^\s\x00-\x1f\x7f(){}\[\]=,;@"/]+|/(?!/))+)
      |(?P<punct>[(){}\[\]=,;@])
      |(?P<comment>//.*)
      |(?P<string>"(?:[^"\\]|\\.)*")
      |(?P<badstring>".*)
      |(?P<other>.)
    )
    """,
    re.X | re.S,
)
_ESCAPE_RE = re.compile(r"\\([\"\\])")


def bundled_types_path() -> Path:
    """The types.cf shipped with the emulator (used when a configuration directory has none)."""
    return Path(__file__).with_name("types.cf")


def int_range_problem(literal: str) -> str | None:
    """Why a decimal integer literal (`INT_RE`) is no VCS integer, or None. The digits are counted
    first: int() refuses strings of more than 4,300 digits."""
    if len(literal.lstrip("-").lstrip("0")) <= 10 and INT_MIN <= int(literal) <= INT_MAX:
        return None
    shown = literal if len(literal) <= 20 else f"{literal[:12]}... ({len(literal.lstrip('-'))} digits)"
    return f"integer {shown} is out of range (VCS integers are 32-bit signed)"


class UnreadableFile(Exception):
    """A configuration file that is not read: why, as the end of a diagnostic."""


def read_config_file(path: str | Path) -> str:
    """The text of a configuration file: a regular file of at most `MAX_FILE_BYTES`, decoded as
    UTF-8 with the bytes that are not UTF-8 kept as surrogates (`tokenize` reports each where it
    is). Raises `UnreadableFile`."""
    try:
        # non-blocking, so that opening a FIFO returns at once and is refused below
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except (OSError, ValueError) as e:
        raise UnreadableFile(getattr(e, "strerror", None) or str(e)) from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnreadableFile("not a regular file")
        try:
            data = f.read(MAX_FILE_BYTES + 1)
        except OSError as e:
            raise UnreadableFile(e.strerror or type(e).__name__) from None
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    return data.decode("utf-8", errors="surrogateescape")


def parse_diagnostics(config: Config) -> list[Diagnostic]:
    """Errors the parser found but could not keep in the model (duplicates); `validate` adds them."""
    return list(getattr(config, "parse_diagnostics", []))


def parse_notices(config: Config) -> list[str]:
    """Things worth telling the user that are not errors (a bundled types.cf used in place of one)."""
    return list(getattr(config, "notices", []))


# --------------------------------------------------------------------------------------------
# tokens


@dataclass(slots=True)
class Token:
    kind: str  # "word", "string", "eof", or the punctuation character itself
    text: str  # for a string: its value, escapes resolved
    line: int
    col: int
    end: int  # the column after its last character
    bol: bool  # first token on its line

    def describe(self) -> str:
        if self.kind == "eof":
            return "end of file"
        if self.kind == "word":
            return f"'{self.text}'"
        if self.kind == "string":
            return f'string "{self.text}"'
        return f"'{self.kind}'"


class _Syntax(Exception):
    def __init__(self, tok: Token, message: str):
        self.tok, self.message = tok, message


def tokenize(text: str, file: str, diags: list[Diagnostic],
             comments: list[tuple[int, int, int]] | None = None) -> list[Token]:
    """Split `text` into tokens; bad characters and unterminated strings become diagnostics.
    `comments`, when given, gets the (line, col, end col) of each comment."""
    toks: list[Token] = []
    append = toks.append
    if _UNDECODED_RE.search(text):
        text = _report_undecoded(text, file, diags)
    finditer = _TOKEN_RE.finditer
    line = 0
    lines = text.split("\n")
    for line, src in enumerate(lines, 1):
        bol = True
        for m in finditer(src):
            kind = m.lastgroup
            col, end = m.start(kind) + 1, m.end(kind) + 1
            if kind == "word":
                append(Token("word", m.group(kind), line, col, end, bol))
            elif kind == "punct":
                p = m.group(kind)
                append(Token(p, p, line, col, end, bol))
            elif kind == "comment":
                if comments is not None:
                    comments.append((line, col, end))
                break
            elif kind == "string":
                append(Token("string", _ESCAPE_RE.sub(r"\1", m.group(kind)[1:-1]), line, col, end, bol))
            elif kind == "badstring":  # reported, then read to the end of the line so parsing goes on
                diags.append(Diagnostic(file, line, col, "unterminated string"))
                append(Token("string", _ESCAPE_RE.sub(r"\1", m.group(kind)[1:]), line, col, end, bol))
            else:
                diags.append(Diagnostic(file, line, col, f"unexpected character {m.group(kind)!r}"))
            bol = False
    eof = Token("eof", "", max(line, 1), len(lines[-1]) + 1, len(lines[-1]) + 1, True)
    toks += [eof] * 4  # the parser looks at most 3 tokens ahead
    return toks


def _report_undecoded(text: str, file: str, diags: list[Diagnostic]) -> str:
    """A diagnostic for each byte that is not UTF-8; the text with U+FFFD in their place (same
    columns), so that no later message carries a character that cannot be printed."""
    for line, src in enumerate(text.split("\n"), 1):
        for m in _UNDECODED_RE.finditer(src):
            code = ord(m.group())
            what = f"byte 0x{code - 0xDC00:02X} is not UTF-8" if 0xDC80 <= code <= 0xDCFF else \
                f"unexpected character U+{code:04X}"
            diags.append(Diagnostic(file, line, m.start() + 1, what))
    return _UNDECODED_RE.sub("\ufffd", text)


def is_secret_attr(name: str) -> bool:
    """Attributes whose values are secrets: the cluster's UserNames (password hashes), and any
    attribute an agent's type names ...Password or ...Passwd."""
    return name == "UserNames" or name.lower().endswith(("password", "passwd"))


def secret_spans(text: str) -> list[tuple[int, int, int]]:
    """Where the secrets of main.cf text are written: (line, col, end col) of every value of an
    attribute that `is_secret_attr` (``Name [@ sys] = value`` or ``= { key = value ... }``) and of
    the text of each comment inside its braces (a commented-out hash is still a hash).

    Read from the parser's tokens with its grammar of values, so that a value's layout (lines,
    comments, quoting) does not matter. On text that does not parse, it errs on the side of
    hiding: inside the braces, every word or string not followed by '=' is taken for a value,
    up to the closing brace or the end of the file.
    """
    comments: list[tuple[int, int, int]] = []
    toks = tokenize(text, "main.cf", [], comments)
    spans: list[tuple[int, int, int]] = []
    i = 0
    while toks[i].kind != "eof":
        t = toks[i]
        i += 1
        if t.kind != "word" or not is_secret_attr(t.text):
            continue
        j = i + 2 if toks[i].kind == "@" else i  # Name @ sys = value
        if toks[j].kind != "=":
            continue
        opening = toks[j + 1]
        if opening.kind in ("word", "string"):
            spans.append((opening.line, opening.col, opening.end))
            i = j + 2
            continue
        if opening.kind != "{":
            continue
        j += 2
        while toks[j].kind not in ("}", "eof"):
            v = toks[j]
            if v.kind in ("word", "string") and toks[j + 1].kind != "=":
                spans.append((v.line, v.col, v.end))
            j += 1
        closing = toks[j]
        inside = [(line, col, end) for line, col, end in comments
                  if (opening.line, opening.col) < (line, col) < (closing.line, closing.col)]
        spans += [(line, col + 2, end) for line, col, end in inside if end > col + 2]  # the text after //
        i = j
    return spans


# --------------------------------------------------------------------------------------------
# raw values, typed once every type is known


@dataclass(slots=True)
class RawScalar:
    text: str
    quoted: bool
    line: int
    col: int


@dataclass(slots=True)
class RawBraces:
    items: list[tuple[RawScalar, RawScalar | None]]
    line: int
    col: int


Raw = RawScalar | RawBraces


# --------------------------------------------------------------------------------------------
# the parser


class _FileParser:
    """Parses one file's tokens into `config` (types, and for main.cf everything else)."""

    def __init__(self, toks: list[Token], file: str, config: Config, state: _ParseState, types_only: bool):
        self.toks, self.i, self.file = toks, 0, file
        self.config, self.state, self.types_only = config, state, types_only

    # token helpers
    def peek(self, k: int = 0) -> Token:
        return self.toks[self.i + k]

    def next(self) -> Token:
        t = self.toks[self.i]
        if t.kind != "eof":
            self.i += 1
        return t

    def expect(self, kind: str, what: str) -> Token:
        t = self.peek()
        if t.kind != kind:
            raise _Syntax(t, f"expected {what}, found {t.describe()}")
        return self.next()

    def word(self, what: str) -> Token:
        return self.expect("word", what)

    def loc(self, t: Token) -> Loc:
        return Loc(self.file, t.line, t.col)

    def error(self, t: Token, message: str) -> None:
        self.state.syntax.append(Diagnostic(self.file, t.line, t.col, message))

    def note(self, t: Token, message: str) -> None:
        self.state.recorded.append(Diagnostic(self.file, t.line, t.col, message))

    def sync_top(self) -> None:
        """After an error: skip to the next top-level keyword that starts a line."""
        self.next()
        while True:
            t = self.peek()
            if t.kind == "eof" or (t.kind == "word" and t.bol and t.text in TOP_KEYWORDS):
                return
            self.next()

    # file
    def parse(self) -> None:
        while self.peek().kind != "eof":
            t = self.peek()
            try:
                if t.kind == "word" and t.text == "include":
                    self.include()
                elif t.kind == "word" and t.text == "type":
                    self.typedef()
                elif t.kind == "word" and t.text in ("cluster", "system", "group") and self.types_only:
                    raise _Syntax(t, f"an included file may only define types, found '{t.text}'")
                elif t.kind == "word" and t.text == "cluster":
                    self.cluster()
                elif t.kind == "word" and t.text == "system":
                    self.system()
                elif t.kind == "word" and t.text == "group":
                    self.group()
                elif t.kind == "word" and self.peek(1).kind == "word" and self.peek(2).kind == "(":
                    raise _Syntax(t, f"resource {self.peek(1).text} is outside any group")
                else:
                    raise _Syntax(t, f"expected include, cluster, system, group or type, found {t.describe()}")
            except _Syntax as e:
                self.error(e.tok, e.message)
                self.sync_top()

    def include(self) -> None:
        kw = self.next()
        name = self.expect("string", 'a quoted file name after include (include "types.cf")')
        if not self.types_only:
            self.config.includes.append(name.text)
        self.state.include(name.text, self.file, Loc(self.file, kw.line, kw.col))

    def cluster(self) -> None:
        self.next()
        name = self.word("a cluster name")
        c = Cluster(name.text, loc=self.loc(name))
        self.attr_block(c.attributes, f"cluster {name.text}")
        if self.config.cluster is None:
            self.config.cluster = c
        else:
            self.note(name, f"second cluster {name.text}; cluster {self.config.cluster.name} is defined at {self.config.cluster.loc}")

    def system(self) -> None:
        self.next()
        name = self.word("a system name")
        s = System(name.text, loc=self.loc(name))
        self.attr_block(s.attributes, f"system {name.text}")
        first = self.config.systems.get(name.text)
        if first is None:
            self.config.systems[name.text] = s
        else:
            self.note(name, f"duplicate system {name.text}; first defined at {first.loc}")

    def group(self) -> None:
        self.next()
        name = self.word("a group name")
        g = Group(name.text, loc=self.loc(name))
        self.attr_block(g.attributes, f"group {name.text}")
        first = self.config.groups.get(name.text)
        if first is None:
            self.config.groups[name.text] = g
        else:
            self.note(name, f"duplicate group {name.text}; first defined at {first.loc}")
        # the group's body: resources and dependencies, up to the next top-level keyword
        while True:
            t = self.peek()
            if t.kind == "eof" or (t.kind == "word" and t.text in TOP_KEYWORDS):
                return
            try:
                self.group_statement(g)
            except _Syntax as e:
                self.error(e.tok, e.message)
                self.sync_statement()

    def sync_statement(self) -> None:
        """After an error in a group body: skip to the next line (or top-level keyword)."""
        self.next()
        while True:
            t = self.peek()
            if t.kind == "eof" or t.bol or (t.kind == "word" and t.text in TOP_KEYWORDS):
                return
            self.next()

    def group_statement(self, g: Group) -> None:
        t0, t1 = self.peek(), self.peek(1)
        if t0.kind != "word":
            raise _Syntax(t0, f"expected a resource, a dependency or the next group, found {t0.describe()}")
        if t0.text == "requires" and t1.kind == "word" and t1.text == "group":
            self.next()
            self.next()
            child = self.word("a group name after 'requires group'")
            cat = self.keyword(CATEGORIES, "online or offline")
            where = self.keyword(LOCATIONS, "local, global or remote")
            rigidity = "firm"
            t = self.peek()
            if t.kind == "word" and t.text in RIGIDITIES and not t.bol:
                rigidity = self.next().text
            g.group_deps.append(GroupDep(child.text, cat, where, rigidity, loc=self.loc(t0)))  # type: ignore[arg-type]
            return
        if t1.kind != "word" or t1.bol or t1.text in TOP_KEYWORDS:
            raise _Syntax(t1, f"expected a resource name or 'requires' after '{t0.text}', found {t1.describe()}")
        if t1.text == "requires":
            self.next()
            self.next()
            child = self.word(f"a resource name after '{t0.text} requires'")
            g.resource_deps.append(ResourceDep(t0.text, child.text, loc=self.loc(t0)))
            return
        if self.peek(2).kind == "(":
            self.next()
            name = self.next()
            r = Resource(name.text, t0.text, loc=self.loc(name))
            self.attr_block(r.attributes, f"resource {name.text}")
            if name.text in g.resources:
                first = g.resources[name.text]
                self.note(name, f"duplicate resource {name.text}; first defined at {first.loc}")
            else:
                g.resources[name.text] = r
            return
        raise _Syntax(self.peek(2), f"expected '(' after resource {t0.text} {t1.text}, found {self.peek(2).describe()}")

    def keyword(self, choices: tuple[str, ...], what: str) -> str:
        t = self.peek()
        if t.kind != "word" or t.text not in choices:
            raise _Syntax(t, f"expected {what}, found {t.describe()}")
        return self.next().text

    def skip_line(self, start: int) -> bool:
        """After an error in a block: skip to the next line or ')'; True when a top-level keyword
        follows (the block lacks its ')')."""
        if self.i == start:
            self.next()  # always make progress
        while True:
            t = self.peek()
            if t.kind in ("eof", ")") or t.bol:
                break
            self.next()
        return t.kind == "word" and t.text in TOP_KEYWORDS

    # attribute lists
    def attr_block(self, into: dict[str, AttrValue], owner: str) -> None:
        self.expect("(", f"'(' after {owner}")
        while True:
            t = self.peek()
            if t.kind == ")":
                self.next()
                return
            if t.kind == "eof":
                raise _Syntax(t, f"expected ')' to close {owner}, found end of file")
            start = self.i
            try:
                self.attr(into, owner)
            except _Syntax as e:
                self.error(e.tok, e.message)
                if self.skip_line(start):
                    return

    def attr(self, into: dict[str, AttrValue], owner: str) -> None:
        name = self.word(f"an attribute name or ')' in {owner}")
        system: Token | None = None
        if self.peek().kind == "@":
            self.next()
            system = self.word(f"a system name after '{name.text} @'")
        self.expect("=", f"'=' after attribute {name.text}")
        value = self.value()
        av = into.get(name.text)
        if av is None:
            av = into[name.text] = AttrValue(loc=self.loc(name))
        if system is None:
            if av.value is not None:
                self.note(name, f"duplicate attribute {name.text} in {owner}; first set at {av.loc}")
                return
            av.value = value  # type: ignore[assignment]  # raw until typed
        else:
            if system.text in av.localized:
                self.note(name, f"duplicate attribute {name.text} @{system.text} in {owner}; first set at "
                                f"{av.localized_locs[system.text]}")
                return
            av.localized[system.text] = value  # type: ignore[assignment]
            av.localized_locs[system.text] = self.loc(name)

    def scalar(self, what: str) -> RawScalar:
        t = self.peek()
        if t.kind == "word" or t.kind == "string":
            self.next()
            return RawScalar(t.text, t.kind == "string", t.line, t.col)
        raise _Syntax(t, f"expected {what}, found {t.describe()}")

    def value(self) -> Raw:
        t = self.peek()
        if t.kind != "{":
            return self.scalar("a value")
        self.next()
        items: list[tuple[RawScalar, RawScalar | None]] = []
        while True:
            if self.peek().kind == "}":
                self.next()
                return RawBraces(items, t.line, t.col)
            key = self.scalar("a value or '}'")
            val = None
            if self.peek().kind == "=":
                self.next()
                val = self.scalar(f"a value after '{key.text} ='")
            items.append((key, val))
            if self.peek().kind in (",", ";"):
                self.next()

    # type definitions
    def typedef(self) -> None:
        self.next()
        name = self.word("a type name")
        td = TypeDef(name.text, loc=self.loc(name))
        self.expect("(", f"'(' after type {name.text}")
        while True:
            t = self.peek()
            if t.kind == ")":
                self.next()
                break
            if t.kind == "eof":
                raise _Syntax(t, f"expected ')' to close type {name.text}, found end of file")
            start = self.i
            try:
                self.attrdecl(td)
            except _Syntax as e:
                self.error(e.tok, e.message)
                if self.skip_line(start):
                    break
        first = self.config.types.get(name.text)
        if first is None:
            self.config.types[name.text] = td
        else:
            self.note(name, f"duplicate type {name.text}; first defined at {first.loc}")

    def attrdecl(self, td: TypeDef) -> None:
        static = False
        t = self.peek()
        while t.kind == "word" and t.text in ("static", "temp"):
            static = static or t.text == "static"
            self.next()
            t = self.peek()
        kw = self.word("a data type (str, int, boolean or keylist) or ')'")
        if kw.text == "keylist":
            datatype, dimension = "str", "keylist"
            name = self.word("an attribute name after keylist")
        elif kw.text in DATATYPES:
            datatype, dimension = DATATYPES[kw.text], "scalar"
            name = self.word(f"an attribute name after {kw.text}")
            nxt = self.peek()
            if nxt.kind == "[":
                self.next()
                self.expect("]", f"']' after {name.text}[")
                dimension = "vector"
            elif nxt.kind == "{" and self.peek(1).kind == "}":
                self.next()
                self.next()
                dimension = "association"
        else:
            raise _Syntax(kw, f"unknown data type '{kw.text}' (expected str, int, boolean or keylist)")
        default: Raw | None = None
        if self.peek().kind == "=":
            self.next()
            default = self.value()
        ad = AttrDef(name.text, datatype, dimension, default, static, loc=self.loc(name))  # type: ignore[arg-type]
        if name.text in td.attributes:
            self.note(name, f"duplicate attribute {name.text} in type {td.name}; first declared at "
                            f"{td.attributes[name.text].loc}")
        else:
            td.attributes[name.text] = ad


# --------------------------------------------------------------------------------------------
# includes, typing, public entry points


class _ParseState:
    """What one parse accumulates over main.cf and its includes."""

    def __init__(self, config: Config, fallback_types: bool):
        self.config = config
        self.syntax: list[Diagnostic] = []
        self.recorded: list[Diagnostic] = []
        self.notices: list[str] = []
        self.fallback_types = fallback_types
        self.open_files: list[str] = []
        self.main_file = ""
        self.main_dir = Path(".")

    def include(self, name: str, including: str, where: Loc) -> None:
        base = self.main_dir if including == self.main_file else Path(including).parent
        path = base / name
        shown = str(path)
        if not _exists(path) and self.fallback_types and Path(name).name == "types.cf":
            path = bundled_types_path()
            self.notices.append(f"{shown} not found; using the bundled types.cf ({path})")
            shown = str(path)
        if shown in self.open_files:
            self.syntax.append(Diagnostic(where.file, where.line, where.col, f'include "{name}" includes itself'))
            return
        if len(self.open_files) > MAX_INCLUDE_DEPTH:
            self.syntax.append(Diagnostic(where.file, where.line, where.col, f'include "{name}": includes '
                                          f"nested more than {MAX_INCLUDE_DEPTH} deep"))
            return
        try:
            text = read_config_file(path)
        except UnreadableFile as e:
            self.syntax.append(Diagnostic(where.file, where.line, where.col,
                                          f'cannot read include "{name}": {e}'))
            return
        self.parse_file_text(text, shown, types_only=True)

    def parse_file_text(self, text: str, file: str, types_only: bool) -> None:
        self.open_files.append(file)
        toks = tokenize(text, file, self.syntax)
        _FileParser(toks, file, self.config, self, types_only).parse()
        self.open_files.pop()


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


class _Typer:
    """Turns raw values into typed ones, by each attribute's declaration."""

    def __init__(self, diags: list[Diagnostic]):
        self.diags = diags

    def as_int(self, s: RawScalar, file: str) -> int | str:
        if not INT_RE.match(s.text):
            return s.text
        why = int_range_problem(s.text)
        if why is not None:
            self.diags.append(Diagnostic(file, s.line, s.col, why))
            return s.text
        return int(s.text)

    def scalar(self, s: RawScalar, ad: AttrDef | None, file: str) -> int | str:
        if ad is None:
            return s.text if s.quoted else self.as_int(s, file)
        if ad.datatype == "str":
            return s.text
        return self.as_int(s, file)

    def value(self, raw: object, ad: AttrDef | None, attr: str, file: str) -> object:
        if isinstance(raw, RawScalar):
            return self.scalar(raw, ad, file)
        if not isinstance(raw, RawBraces):
            return raw  # already typed (a model built in code)
        if attr == "SystemList":
            out: dict[str, object] = {}
            prev = -1
            for key, val in raw.items:
                prio: object = prev + 1 if val is None else self.as_int(val, file)
                if isinstance(prio, int):
                    prev = prio
                out[key.text] = prio
            return out
        has_eq = [val is not None for _, val in raw.items]
        if any(has_eq) and not all(has_eq):
            bad = next(k for k, v in raw.items if v is None)
            self.diags.append(Diagnostic(file, bad.line, bad.col,
                                         f"attribute {attr}: '{bad.text}' has no value in an association"))
            return {}
        if (raw.items and all(has_eq)) or (not raw.items and ad is not None and ad.dimension == "association"):
            return {k.text: self.scalar(v, ad, file) for k, v in raw.items if v is not None}
        return [self.scalar(k, ad, file) for k, _ in raw.items]

    def attrs(self, attrs: dict[str, AttrValue], lookup, file_of) -> None:
        for name, av in attrs.items():
            ad = lookup(name)
            file = file_of(av)
            if av.value is not None:
                av.value = self.value(av.value, ad, name, file)  # type: ignore[assignment]
            for sysname, raw in av.localized.items():
                av.localized[sysname] = self.value(raw, ad, name, file)  # type: ignore[assignment]


def _type_config(config: Config, diags: list[Diagnostic], main_file: str) -> None:
    typer = _Typer(diags)

    def file_of(obj) -> str:
        return obj.loc.file if obj.loc is not None else main_file

    for td in config.types.values():
        for ad in td.attributes.values():
            if ad.default is not None:
                ad.default = typer.value(ad.default, ad, ad.name, file_of(ad))  # type: ignore[assignment]
    if config.cluster is not None:
        typer.attrs(config.cluster.attributes, builtins.cluster_attr_defs.get, file_of)
    for s in config.systems.values():
        typer.attrs(s.attributes, builtins.system_attr_defs.get, file_of)
    for g in config.groups.values():
        typer.attrs(g.attributes, builtins.group_attr_defs.get, file_of)
        for r in g.resources.values():
            typer.attrs(r.attributes, lambda a, t=r.type: builtins.resource_attr_def(config.types, t, a), file_of)


def _parse(text: str, filename: str, include_dir: str | Path | None, fallback_types: bool) -> Config:
    config = Config(source=filename)
    state = _ParseState(config, fallback_types)
    # includes resolve against include_dir: parse as if main.cf sat there
    state.main_file = filename
    state.main_dir = Path(include_dir) if include_dir is not None else Path(filename).parent
    state.open_files.append(str(state.main_dir / Path(filename).name))
    toks = tokenize(text, filename, state.syntax)
    parser = _FileParser(toks, filename, config, state, types_only=False)
    parser.parse()
    _type_config(config, state.syntax, filename)
    config.parse_diagnostics = state.recorded  # type: ignore[attr-defined]
    config.notices = state.notices  # type: ignore[attr-defined]
    if state.syntax:
        raise ConfigError(sorted(state.syntax + state.recorded))
    return config


def parse_text(text: str, filename: str = "main.cf", include_dir: str | Path | None = None) -> Config:
    """Parse main.cf text (syntax only: `validate` checks the meaning).

    `include "x"` resolves relative to `include_dir` (default: the directory of `filename`); an
    included ``types.cf`` that is missing there is replaced by the bundled one (see
    `parse_notices`). Raises `ConfigError` with every syntax error found.
    """
    return _parse(text, filename, include_dir, fallback_types=True)


def parse_file(path: str | Path) -> Config:
    """Parse a main.cf file and the files it includes (relative to the including file).

    A missing ``types.cf`` next to it is replaced by the bundled one, and `parse_notices(config)`
    says so. Raises `ConfigError` when the file cannot be read or has syntax errors.
    """
    p = Path(path)
    try:
        text = read_config_file(p)
    except UnreadableFile as e:
        raise ConfigError([Diagnostic(str(p), 1, 1, f"cannot read {p}: {e}")]) from None
    return _parse(text, str(p), None, fallback_types=True)
