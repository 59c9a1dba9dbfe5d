"""``haconf``: making the configuration writable (``-makerw``) and dumping it (``-dump [-makero]``)."""

from __future__ import annotations

from .cli import Cli, UsageError
from .editing import require_writable


def command(cli: Cli, args: list[str]) -> str:
    engine = cli.engine
    if args == ["-makerw"]:
        engine.make_rw()
        return ""
    if args in (["-dump", "-makero"], ["-dump"]):
        if "-makero" in args:
            engine.dump_makero()
        else:
            require_writable(engine)
        return ""
    raise UsageError("haconf -makerw | -dump [-makero]")
