"""`gabconfig -a` and `lltstat -n[vv]` on a cluster system, from the engine's membership:
``run_gabconfig(engine, platform, system, argv) -> (rc, stdout, stderr)``, the same for `run_lltstat`.

The emulated cluster has no GAB or LLT of its own; what they would say follows from two facts:

- a cluster system's kernel (GAB port a, LLT) runs while its domain is up (booted): a killed or
  stopped control domain, or a node powered off, drops out of port a and LLT sees it CONNWAIT;
- HAD (GAB port h) runs where the engine has the system RUNNING (or LEAVING, still stopping).

Choices, kept simple and stated here:

- node ids are the engine's order of its systems, i.e. the order of main.cf's `system` lines (what
  /etc/llthosts numbers, and the "System S (Node 'n')" of the engine log);
- every node has two private LLT links, `net1` and `net2` (Solaris 11 generic link names), both UP
  while the node is up, with a made-up MAC address of the Oracle/Sun OUI 00:14:4F:
  00:14:4F:A0:<node id>:<link number>;
- a port's generation number (`gen`) is a hex number made from the cluster name, counting up with
  every change of a system's state in the engine log (each membership change is one), so it changes
  whenever a membership does;
- a command typed on a system whose domain is down answers as every command of the lab does there:
  the system is not reachable (exit 255).

Formats, from Veritas's documentation:

- ``gabconfig -a``: ``GAB Port Memberships``, a line of 63 ``=``, then ``Port a gen GEN membership MAP``
  and ``Port h gen GEN membership MAP`` (InfoScale article 100034056 "What do the port letters mean
  when running gabconfig -a"; VCS 5.0 Installation Guide "Checking Group Membership and Atomic
  Broadcast operation": with GAB not operational only the header is printed). MAP has one character
  per node id from 0 to the highest member's: the id's last digit for a member, ``;`` for a node
  that is not one ("The semi-colon is used as a placeholder for a node that has left the cluster ...
  node 0 has left the cluster: ``Port a gen 7e6e7e04 membership ;1``", SF Oracle RAC 6.0.1
  Administrator's Guide, "Examining GAB seed membership"). A port nobody is a member of is not listed.
- ``lltstat -n``: ``LLT node information:``, then ``Node State Links`` with a row per configured node,
  ``*`` marking the node the command runs on; ``lltstat -nvv``: ``Node State Link Status Address``,
  one row per node and under it one row per link, for all 32 node slots (the ones not configured
  CONNWAIT, links DOWN), ``lltstat -nvv configured`` the configured nodes only (VCS 5.0.1
  Installation Guide, "Verifying LLT": "the output lists 32 nodes ... plus non-existent nodes").
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence

Result = tuple[int, str, str]

LINKS = ("net1", "net2")
LLT_SLOTS = 32
GAB_RULE = "=" * 63
_GAB_USAGE = ("usage: gabconfig [-abBcCejJklRsuUvWx] [-f iofence] [-n count] [-t stable] [-V version] "
              "[-S param:value]\n")
_LLT_USAGE = "usage: lltstat [-n[vv] [configured|active]]\n"
_STATE_CHANGE_UMI = "V-16-1-10322"  # System S (Node 'n') changed state from A to B (emulators/vcs/engine/log.py)


def node_ids(engine) -> dict[str, int]:
    """System -> LLT node id: the engine's order of systems (main.cf's `system` lines)."""
    return {s: i for i, s in enumerate(engine.systems())}


def _up_predicate(platform) -> Callable[[str], bool]:
    if platform is None:
        return lambda _system: True
    from emulators.ovm.model import PlatformError

    def up(system: str) -> bool:
        try:
            return bool(platform.system_up(system))
        except PlatformError:
            return False
    return up


def _gate(platform, system: str, command: str) -> Result | None:
    """What the lab answers for any command on a system that is down; None if it is up."""
    if platform is None:
        return None
    from emulators.ovm.ldm import shell_gate

    gate = shell_gate(platform, system, command)
    return gate if isinstance(gate[0], int) else None  # type: ignore[return-value]


def gab_members(engine, platform=None) -> dict[str, list[int]]:
    """{"a": node ids up (GAB runs), "h": node ids where HAD runs} (see the module docstring)."""
    up = _up_predicate(platform)
    ids = node_ids(engine)
    port_a = [i for s, i in ids.items() if up(s)]
    port_h = [i for s, i in ids.items() if up(s) and engine.system_state(s) in ("RUNNING", "LEAVING")]
    return {"a": port_a, "h": port_h}


def membership_map(members: Sequence[int]) -> str:
    """``01``, ``;1``, ``0;2``: the last digit of each member's id at its place, ``;`` for the others."""
    if not members:
        return ""
    present = set(members)
    return "".join(str(i % 10) if i in present else ";" for i in range(max(present) + 1))


def _generation(engine, port: str) -> str:
    name = engine.config.cluster.name if getattr(engine.config, "cluster", None) else "cluster"
    base = (zlib.crc32(name.encode()) & 0xFFFFFF) << 8
    changes = sum(1 for line in engine.log_lines if _STATE_CHANGE_UMI in line)
    return f"{(base + {'a': 1, 'h': 3}[port] + 4 * changes) & 0xFFFFFFFF:08x}"


def run_gabconfig(engine, platform, system: str, argv: Sequence[str]) -> Result:
    """``gabconfig -a``: the GAB port memberships as seen from `system`."""
    refusal = _gate(platform, system, "gabconfig")
    if refusal is not None:
        return refusal
    flags = "".join(a[1:] for a in argv if a.startswith("-") and len(a) > 1)
    if not argv or any(not a.startswith("-") for a in argv) or set(flags) - {"a"}:
        return 1, "", _GAB_USAGE
    members = gab_members(engine, platform)
    out = ["GAB Port Memberships", GAB_RULE]
    if node_ids(engine).get(system) in members["a"]:  # a node outside port a sees no membership at all
        for port in ("a", "h"):
            if members[port]:
                out.append(f"Port {port} gen {_generation(engine, port)} membership {membership_map(members[port])}")
    return 0, "".join(f"{line}\n" for line in out), ""


def mac_address(node_id: int, link: int) -> str:
    """The made-up MAC address of a node's LLT link (link counts from 1)."""
    return f"00:14:4F:A0:{node_id:02X}:{link:02X}"


def run_lltstat(engine, platform, system: str, argv: Sequence[str]) -> Result:
    """``lltstat -n`` / ``lltstat -nvv [configured|active]``: LLT's view of the nodes from `system`."""
    refusal = _gate(platform, system, "lltstat")
    if refusal is not None:
        return refusal
    opts = [a for a in argv if a.startswith("-")]
    words = [a for a in argv if not a.startswith("-")]
    flags = "".join(a[1:] for a in opts)
    if "n" not in flags or set(flags) - {"n", "v"} or len(words) > 1 or (words and words[0] not in
                                                                          ("configured", "active")):
        return 1, "", _LLT_USAGE
    verbose = "v" in flags  # -nv and -nvv: the table of links (the second v adds nothing here)
    up = _up_predicate(platform)
    ids = node_ids(engine)
    names = {i: s for s, i in ids.items()}
    local = ids.get(system)
    rows = ["LLT node information:"]
    if not verbose:
        rows.append(f"    {'Node':<21}{'State':<10}Links")
        for i, s in names.items():
            state, links = ("OPEN", len(LINKS)) if up(s) else ("CONNWAIT", 0)
            rows.append(f"   {'*' if i == local else ' '}{i:>2} {s:<18}{state:<10}{links}")
        return 0, "".join(f"{r}\n" for r in rows), ""
    rows.append(f"    {'Node':<21}{'State':<10}{'Link':<6}{'Status':<8}Address")
    slots = range(max(LLT_SLOTS, len(names))) if not words else sorted(names)
    for i in slots:
        s = names.get(i)
        is_up = s is not None and up(s)
        if words and words[0] == "active" and not is_up:
            continue
        rows.append(f"   {'*' if i == local else ' '}{i:>2} {s or '':<18}{'OPEN' if is_up else 'CONNWAIT'}")
        for n, link in enumerate(LINKS, start=1):
            rows.append(f"{'':<35}{link:<6}{'UP' if is_up else 'DOWN':<8}{mac_address(i, n) if is_up else ''}".rstrip())
    return 0, "".join(f"{r}\n" for r in rows), ""
