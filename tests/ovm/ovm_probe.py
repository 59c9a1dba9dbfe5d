"""Read the platform the way a person does: through the commands' output."""

from __future__ import annotations

import re

from emulators.clock import VirtualClock
from emulators.ovm import Platform, run_dladm, run_ldm, run_zpool

LDM_VIEWS = (["list"], ["list", "-p"], ["list", "-l"], ["list-bindings"], ["list-services"], ["list-io"])
SOLARIS_VIEWS = ((run_zpool, ["status"]), (run_zpool, ["status", "-x"]),
                 (run_zpool, ["list", "-H", "-o", "name,health"]),
                 (run_dladm, ["show-phys"]), (run_dladm, ["show-link"]))


def ok(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert code == 0, (code, out, err)
    return out


def outputs(platform: Platform) -> dict[str, tuple[int, str, str]]:
    """Everything every system prints for the read-only commands, keyed 'system: command'."""
    seen: dict[str, tuple[int, str, str]] = {}
    for system in platform.systems():
        for argv in LDM_VIEWS:
            seen[f"{system}: ldm {' '.join(argv)}"] = run_ldm(platform, system, argv)
        for run, argv in SOLARIS_VIEWS:
            seen[f"{system}: {run.__name__[4:]} {' '.join(argv)}"] = run(platform, system, argv)
    return seen


def without_uptime(views: dict[str, tuple[int, str, str]]) -> dict[str, tuple[int, str, str]]:
    """Blank the uptime fields (a domain that booted again has a new uptime, nothing else)."""
    def scrub(text: str) -> str:
        text = re.sub(r"\|uptime=\d*(?=\||$)", "|uptime=", text, flags=re.M)  # last field on LDoms 2.x
        return re.sub(r"(%  )((\d+[dhms] ?)+)$", r"\1", text, flags=re.M)
    return {k: (c, scrub(o), e) for k, (c, o, e) in views.items()}


def drive(clock: VirtualClock, result: object) -> int:
    """Run an entry point's result on the virtual clock (generators yield seconds to wait)."""
    if isinstance(result, int):
        return result
    gen = result
    try:
        delay = next(gen)  # type: ignore[call-overload]
        while True:
            clock.advance(delay)
            delay = gen.send(None)  # type: ignore[attr-defined]
    except StopIteration as stop:
        return int(stop.value)


def ldm_states(platform: Platform, system: str) -> dict[str, tuple[str, str]]:
    """name -> (state, flags) parsed from `ldm list -p`."""
    states = {}
    for line in ok(run_ldm(platform, system, ["list", "-p"])).splitlines()[1:]:
        fields = dict(f.split("=", 1) for f in line.split("|")[1:])
        states[fields["name"]] = (fields["state"], fields["flags"])
    return states
