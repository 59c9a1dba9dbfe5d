"""Writer of the VCS configuration language, in the layout `hacf` (haconf -dump) writes.

main.cf: the include lines, the cluster, the systems, then each group: its attributes, its
resources, its dependency lines (group dependencies first), and the generated
``// resource dependency tree`` comment. Blocks are tab-indented as hacf writes them (the copies
in the reference captures show the tabs expanded to spaces). Types that the includes do not provide
(defined in main.cf itself, or built in code) are written as `type` blocks after the includes.

Strings are written bare when they read back as the same string (letters, digits, ``_`` and
``-``, not a number), otherwise quoted with ``\\`` and ``"`` escaped: so ``parse(dump(m)) == m``.
"""

from __future__ import annotations

import re

from .model import AttrDef, AttrValue, Config, Group, TypeDef, Value

_BARE_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_\-]*\Z")
_INT_RE = re.compile(r"-?[0-9]+\Z")


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_scalar(v: object, declared_str: bool = False) -> str:
    """A scalar as main.cf writes it. A number-like string is quoted, so that it reads back as a string,
    unless its attribute is declared `str` (then it reads back as one anyway, and hacf writes it bare:
    the seed's `StorageSG @primary1 = { primary1-strsg = 1 }` of a `str StorageSG{}`)."""
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, int):
        return str(v)
    s = str(v)
    if _BARE_RE.match(s) and (declared_str or not _INT_RE.match(s)):
        return s
    return _quote(s)


def format_value(v: Value, declared_str: bool = False) -> str:
    """One attribute value as main.cf writes it: `x`, `"a b"`, `{ a, b }`, `{ k = v }`, `{}`."""
    if isinstance(v, dict):
        if not v:
            return "{}"
        return "{ " + ", ".join(f"{format_scalar(k)} = {format_scalar(x, declared_str)}"
                                for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        if not v:
            return "{}"
        return "{ " + ", ".join(format_scalar(x, declared_str) for x in v) + " }"
    return format_scalar(v, declared_str)


def _attr_lines(attrs: dict[str, AttrValue], indent: str, typedef: TypeDef | None = None) -> list[str]:
    out: list[str] = []
    for name, av in attrs.items():
        ad = typedef.attributes.get(name) if typedef is not None else None
        declared_str = ad is not None and ad.datatype == "str"
        if av.value is not None:
            out.append(f"{indent}{name} = {format_value(av.value, declared_str)}")
        for system, v in av.localized.items():
            out.append(f"{indent}{name} @{system} = {format_value(v, declared_str)}")
    return out


def _block(head: str, attrs: dict[str, AttrValue], indent: str, typedef: TypeDef | None = None) -> list[str]:
    return [f"{indent}{head} (", *_attr_lines(attrs, indent + "\t", typedef), f"{indent}\t)"]


def _attrdef_line(ad: AttrDef) -> str:
    words = ["static"] if ad.static else []
    if ad.dimension == "keylist":
        words += ["keylist", ad.name]
    else:
        suffix = {"vector": "[]", "association": "{}"}.get(ad.dimension, "")
        words += [ad.datatype, ad.name + suffix]
    line = " ".join(words)
    if ad.default is not None:
        line += " = " + format_value(ad.default)
    return line


def dump_types(types: dict[str, TypeDef]) -> str:
    """types.cf text for `types`: one `type Name ( ... )` block each, separated by a blank line."""
    blocks = []
    for td in types.values():
        lines = [f"type {td.name} ("]
        lines += ["\t" + _attrdef_line(ad) for ad in td.attributes.values()]
        lines.append(")")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _dependency_tree(g: Group) -> list[str]:
    """The comment hacf generates: each resource nobody requires, with what it requires nested."""
    children: dict[str, list[str]] = {}
    required: set[str] = set()
    for d in g.resource_deps:
        children.setdefault(d.parent, []).append(d.child)
        required.add(d.child)
    lines = ["\t// resource dependency tree", "\t//", f"\t//\tgroup {g.name}", "\t//\t{"]

    def label(name: str) -> str:
        r = g.resources.get(name)
        return f"{r.type} {name}" if r is not None else name

    # depth first with a stack of its own (a chain may be thousands of resources deep): an entry
    # is a resource to write with its indent and path, or a closing brace line
    todo: list[tuple[str, str, tuple[str, ...]] | str] = [
        (name, "", (name,)) for name in reversed(g.resources) if name not in required]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            lines.append(item)
            continue
        name, pad, path = item
        lines.append(f"\t//\t{pad}{label(name)}")
        kids = [c for c in children.get(name, []) if c not in path]  # a cycle is an error, not a hang
        if kids:
            lines.append(f"\t//\t{pad}    {{")
            todo.append(f"\t//\t{pad}    }}")
            todo.extend((c, pad + "    ", (*path, c)) for c in reversed(kids))
    lines.append("\t//\t}")
    return lines


def _group_lines(g: Group, types: dict[str, TypeDef] | None = None) -> list[str]:
    lines = _block(f"group {g.name}", g.attributes, "")
    lines.append("")
    for r in g.resources.values():
        lines += _block(f"{r.type} {r.name}", r.attributes, "\t", (types or {}).get(r.type))
        lines.append("")
    for d in g.group_deps:
        lines.append(f"\trequires group {d.child} {d.category} {d.location} {d.rigidity}")
    for d in g.resource_deps:
        lines.append(f"\t{d.parent} requires {d.child}")
    lines += ["", ""]
    lines += _dependency_tree(g)
    lines += ["", ""]
    return lines


def dump(config: Config) -> str:
    """main.cf text for `config` in hacf's layout; `parse_text(dump(c)) == c`."""
    lines: list[str] = []
    for inc in config.includes:
        lines.append(f"include {_quote(inc)}")
    if config.includes:
        lines.append("")
    own = {n: t for n, t in config.types.items() if t.loc is None or t.loc.file == config.source}
    if own:
        lines.append(dump_types(own))
    if config.cluster is not None:
        lines += _block(f"cluster {config.cluster.name}", config.cluster.attributes, "")
        lines.append("")
    for s in config.systems.values():
        lines += _block(f"system {s.name}", s.attributes, "")
        lines.append("")
    for g in config.groups.values():
        lines += _group_lines(g, config.types)
    return "\n".join(lines).rstrip("\n") + "\n"
