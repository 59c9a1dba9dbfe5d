"""The lab daemon: one emulated lab on the real clock, answering on a unix socket.

`altio-hil lab up` starts `python -m emulators.server SPEC.json SOCKET --lock LOCK --start-id ID
[--front FRONT.json]`; the daemon takes the lab's lock (a second daemon of the same lab refuses to
start), builds the lab (emulators.lab), runs its engine on a `RealClock` at the inventory's time
scale, starts the SSH front of an emulated sparc lab (emulators.front) when given one, and serves
newline-delimited JSON requests (at most 64 KiB), one per connection. Every request gets an
answer `{"rc", "out", "err", ...}`; a malformed one gets rc 2 and says what is wrong:

    {"op": "ping"}                                  -> start_id, pid
    {"op": "ready"}                                 -> rc 0 once the lab is steady (and its ports follow it)
    {"op": "exec", "system": S, "argv": [...]}      -> what the command printed, its exit code
    {"op": "resolve", "kind": K, "where": W}        -> where: W as the lab normalises it (nothing injected)
    {"op": "fault", "kind": K, "where": W}          -> where (normalised)
    {"op": "heal", "kind": K, "where": W} | {"op": "heal", "all": true}
    {"op": "status"}                                -> faults in force (and the endpoints of a sparc lab); what
                                                       `lab status` prints: clock, guests, systems, frozen
                                                       groups, FAULTED resources, the engine log's path
    {"op": "stop"}
    {"op": "power", "node": N[, "state": "on"|"off"]}  -> power: On|Off (the ILOM's /SYS)
    {"op": "break", "node": N}                      -> the control domain panics (ILOM dumpcore)
    {"op": "console", "system": S}                  -> state: off|ok|booting|up, panic: bool
    {"op": "boot", "system": S}                     -> `boot` at the OpenBoot prompt
    {"op": "consoles", "system": S}                 -> ports: {"5000": system, ...} of S's node (vntsd)

All lab work runs on the asyncio loop's thread, so the engine never sees two callers at once.
SIGTERM (or `stop`) stops the daemon cleanly: socket, forwarders and sshd go. A daemon killed with
SIGKILL leaves its socket behind; the lab lock tells the next `lab up` that nobody holds it.

The engine's log is the lab directory's `engine_A.log`, appended line by line as the engine logs
(emulators.vcs.engine_log_file; the SSH front of an emulated sparc lab keeps it itself), so that
`tail -f` follows it while the lab runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import json
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from agents.alternateio import known_monitors
from emulators.clock import RealClock
from emulators.front.labdir import FrontSpec, LabLayout, open_private, read_private
from emulators.kvm import KvmSetupError
from emulators.lab import LabSpec, SimLab
from emulators.ovm import FaultError
from emulators.ovm.model import PlatformError
from emulators.shim import raw_reply
from emulators.vcs import commands as vcs_commands
from emulators.vcs.engine_log_file import FLUSH_INTERVAL_S, EngineLogFile

if TYPE_CHECKING:
    from emulators.agent_host import AgentHost
    from emulators.front.service import FrontService

MAX_REQUEST = 64 * 1024
READ_TIMEOUT_S = 30.0
EXIT_REFUSED, EXIT_INFRA = 1, 3

# op -> (required fields, optional fields), each name -> type
_STR, _BOOL, _ARGV = str, bool, list
OPS: dict[str, tuple[dict[str, type], dict[str, type]]] = {
    "ping": ({}, {}),
    "ready": ({}, {}),
    "status": ({}, {}),
    "stop": ({}, {}),
    "exec": ({"system": _STR, "argv": _ARGV}, {"reply": _STR}),
    "resolve": ({"kind": _STR, "where": _STR}, {}),
    "fault": ({"kind": _STR, "where": _STR}, {}),
    "heal": ({}, {"all": _BOOL, "kind": _STR, "where": _STR}),
    "power": ({"node": _STR}, {"state": _STR}),
    "break": ({"node": _STR}, {}),
    "console": ({"system": _STR}, {}),
    "boot": ({"system": _STR}, {}),
    "consoles": ({"system": _STR}, {}),
    "observe": ({}, {"since": (int, float)}),
    "vm": ({"system": _STR}, {}),
    "probe": ({"system": _STR, "attrs": dict}, {}),
}


def _bad(text: str) -> dict:
    return {"rc": 2, "out": "", "err": f"{text}\n"}


def request_problem(request: object) -> str | None:
    """What is wrong with a decoded request, or None."""
    if not isinstance(request, dict):
        return f"a request is a JSON object, not {type(request).__name__}"
    op = request.get("op")
    if not isinstance(op, str) or op not in OPS:
        return f"unknown request op {op!r} (ops: {', '.join(OPS)})"
    required, optional = OPS[op]
    for name in required:
        if name not in request:
            return f"{op}: missing field {name!r}"
    for name, kind in {**required, **optional}.items():
        if name in request and (not isinstance(request[name], kind) or isinstance(request[name], bool) is not
                                (kind is bool)):
            what = " or ".join(k.__name__ for k in kind) if isinstance(kind, tuple) else kind.__name__
            return f"{op}: field {name!r} must be a {what}, not {json.dumps(request[name])}"
    if op == "exec" and (not request["argv"] or not all(isinstance(a, str) for a in request["argv"])):
        return "exec: argv must be a non-empty list of strings"
    if op == "exec" and request.get("reply", "json") not in ("json", "raw"):
        return "exec: reply must be json or raw"
    if op == "heal" and not request.get("all") and not ("kind" in request and "where" in request):
        return "heal: give all: true, or kind and where"
    if op == "power" and request.get("state") not in (None, "on", "off"):
        return "power: state must be on or off"
    return None


class LabServer:
    """Answers the requests of one lab's socket (see the module docstring)."""

    def __init__(self, lab: SimLab, socket_path: Path, start_id: str = "", front: FrontService | None = None,
                 stop: asyncio.Event | None = None) -> None:
        self.lab = lab
        self.socket_path = socket_path
        self.start_id = start_id
        self.front = front
        self._stop = stop or asyncio.Event()
        self._panicked: set[str] = set()  # control domains a break (dumpcore) took down
        self.engine_log: Path | None = None  # the engine log file (set by the daemon)
        self.starting = False  # listening already (entry points ask the lab while it boots), front not up yet
        self._server: asyncio.AbstractServer | None = None

    # -- requests ------------------------------------------------------------------------------------
    def handle(self, request: object) -> dict:
        problem = request_problem(request)
        if problem is not None:
            return _bad(problem)
        assert isinstance(request, dict)
        try:
            return getattr(self, f"_op_{request['op']}")(request)
        except (FaultError, PlatformError) as exc:
            return _bad(str(exc))
        except Exception as exc:  # noqa: BLE001 - an answer, never a silent close; the log has the rest
            traceback.print_exc()
            return {"rc": 1, "out": "", "err": f"internal error of the lab daemon: {exc!r}\n"}

    def _op_ping(self, _request: dict) -> dict:
        return {"rc": 0, "out": f"{self.lab.spec.name} up\n", "err": "", "start_id": self.start_id,
                "pid": os.getpid()}

    def _op_ready(self, _request: dict) -> dict:
        # steady: the engine idle, no domain still booting (it cannot be logged in to yet), the front in sync
        booting = any(d.booting for n in self.lab.platform.nodes.values() if n.powered for d in n.domains.values())
        busy = (self.starting or self.lab.engine.busy() or booting
                or (self.front is not None and not self.front.in_sync()))
        return {"rc": 1 if busy else 0, "out": "settling\n" if busy else "steady\n", "err": ""}

    async def _op_probe(self, request: dict) -> dict:
        """The AlternateIO agent's monitor run by hand on a system (SimLab.probe_monitor_on_clock):
        `code` is its exit code, `out` what it logged."""
        attrs = request["attrs"]
        if not all(isinstance(v, dict) and all(isinstance(x, str) for kv in v.items() for x in kv)
                   for v in attrs.values()):
            return _bad("attrs: {attribute: {key: value}} of strings expected")
        answer: asyncio.Future = asyncio.get_running_loop().create_future()
        self.lab.probe_monitor_on_clock(request["system"], attrs,
                                        lambda code, lines: answer.done() or answer.set_result((code, lines)))
        try:
            code, lines = await asyncio.wait_for(answer, 60.0)
        except TimeoutError:
            return {"rc": 1, "out": "", "err": "the agent's monitor did not answer within 60 s\n"}
        return {"rc": 0, "code": code, "out": "".join(f"{line}\n" for line in lines), "err": ""}

    def _op_exec(self, request: dict):
        rc, out, err = self.lab.run_command(request["system"], list(request["argv"]))
        raw = {"_raw": True} if request.get("reply") == "raw" else {}
        limit = vcs_commands.wait_limit(list(request["argv"]))
        if rc != 0 and limit is not None and vcs_commands.WAIT_TIMEOUT_UMI in err:
            return self._exec_wait(request, limit, raw)  # the real clock cannot be run: wait on it
        return {"rc": rc, "out": out, "err": err, **raw}

    async def _exec_wait(self, request: dict, limit: float, raw: dict) -> dict:
        """An ha* ``-wait`` whose condition did not hold: asked again every 0.1 s until it holds or its
        ``-time`` (lab seconds, at the clock's scale) has passed; at most 50 s of wall time, within the
        shims' 60 s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(limit / getattr(self.lab.clock, "scale", 1.0), 50.0)
        while True:
            await asyncio.sleep(0.1)
            rc, out, err = self.lab.run_command(request["system"], list(request["argv"]))
            if rc == 0 or vcs_commands.WAIT_TIMEOUT_UMI not in err or loop.time() >= deadline:
                return {"rc": rc, "out": out, "err": err, **raw}

    def _op_resolve(self, request: dict) -> dict:
        return {"rc": 0, "out": "", "err": "", "where": self.normalise(request["kind"], request["where"])}

    def normalise(self, kind: str, where: str) -> str:
        """`where` as the platform records the fault (`primary1 ` -> primary1, node1 -> primary1)."""
        from emulators.ovm.faults import _resolve

        place, node, _dom, _obj = _resolve(self.lab.platform, kind, where)
        if kind == "node_power_off" and node.control is not None:
            return node.control.hostname
        return place

    def _op_fault(self, request: dict) -> dict:
        where = self.normalise(request["kind"], request["where"])
        return {"rc": 0, "out": self.lab.inject(request["kind"], where), "err": "", "where": where}

    def _op_heal(self, request: dict) -> dict:
        if request.get("all"):
            self._panicked.clear()
            return {"rc": 0, "out": self.lab.heal_all(), "err": ""}
        where = self.normalise(request["kind"], request["where"])
        out = self.lab.heal(request["kind"], where)
        self._panicked.discard(where)
        return {"rc": 0, "out": out, "err": "", "where": where}

    def _op_status(self, _request: dict) -> dict:
        faults = self.lab.faults()
        text = "".join(f"{k} {w}\n" for k, w in faults) or "no faults in force\n"
        if self.front is not None:
            text += self.front.status_text()
        try:
            details = self._status_details()
        except Exception:  # noqa: BLE001 - the faults in force are answered whatever the rest does
            traceback.print_exc()
            details = {}
        return {"rc": 0, "out": text, "err": "", "faults": [[k, w] for k, w in faults], **details}

    def _status_details(self) -> dict:
        """What else `lab status` shows: the lab, its clock, where every guest runs, the cluster's
        systems, frozen groups and FAULTED resources, the engine log's path."""
        from emulators.vcs.engine.log import stamp

        lab, engine, config = self.lab, self.lab.engine, self.lab.config
        now = lab.clock.now()
        guests = []
        for plan in lab.guests:  # the guests the lab built (emulators.lab.plan_guests)
            name, group = plan.guest, config.groups[plan.ldom_group]
            states = {s: engine.group_state(group.name, s) for s in group.system_list}
            domains = {node.name: dom.state for node in lab.platform.nodes.values()
                       for dom in node.domains.values() if dom.role == "guest" and dom.name == name}
            guests.append({"guest": name, "group": group.name, "online": engine.online_systems(group.name),
                           "states": states, "domains": domains})
        frozen = [{"group": g, "persistent": engine.persistently_frozen(g)}
                  for g in config.groups if engine.frozen(g)]
        faulted = [[r, s] for g in config.groups.values() for r in g.resources for s in g.system_list
                   if engine.resource_faulted(r, s)]
        return {"lab": lab.spec.name, "pid": os.getpid(), "monitor": lab.spec.monitor,
                "time_scale": getattr(lab.clock, "scale", 1.0),
                "clock": {"kind": lab.clock.kind, "now": now, "stamp": stamp(engine.epoch, now)},
                "settling": bool(engine.busy()), "engine_log": str(self.engine_log) if self.engine_log else None,
                "systems": {s: engine.system_state(s) for s in engine.systems()},
                "guests": guests, "frozen": frozen, "faulted": faulted}

    def _op_stop(self, _request: dict) -> dict:
        self._stop.set()
        return {"rc": 0, "out": "", "err": ""}

    # -- what an ILOM and a console do -----------------------------------------------------------------
    def _op_power(self, request: dict) -> dict:
        node = self.lab.platform.node(request["node"])
        want = request.get("state")
        if want == "off":
            if not node.powered:
                return {"rc": 1, "out": "", "err": "already stopped\n", "power": "Off"}
            self.lab.inject("node_power_off", node.name)
        elif want == "on":
            if node.powered:
                return {"rc": 1, "out": "", "err": "already started\n", "power": "On"}
            try:
                self.lab.heal("node_power_off", node.name)
            except FaultError:  # off, but not by a fault in force: power it on all the same
                node.power_on()
        if want is not None and node.control is not None:
            self._panicked.discard(node.control.hostname)
        return {"rc": 0, "out": "", "err": "", "power": "On" if node.powered else "Off"}

    def _op_break(self, request: dict) -> dict:
        node = self.lab.platform.node(request["node"])
        control = node.control
        if not node.powered or control is None or control.state != "active":
            return {"rc": 1, "out": "", "err": "the host is not running\n"}
        self.lab.inject("domain_kill", control.hostname)
        self._panicked.add(control.hostname)
        return {"rc": 0, "out": "", "err": ""}

    def _op_console(self, request: dict) -> dict:
        system = request["system"]
        node, dom = self.lab.platform.system(system)
        if not node.powered:
            state = "off"
        elif dom.state != "active":
            state = "ok"
        elif dom.booting:
            state = "booting"
        else:
            state = "up"
        return {"rc": 0, "out": "", "err": "", "state": state,
                "panic": state == "ok" and system in self._panicked}

    def _op_boot(self, request: dict) -> dict:
        system = request["system"]
        node, dom = self.lab.platform.system(system)
        if not node.powered or dom.state == "active":
            return {"rc": 1, "out": "", "err": f"{system} is not at the ok prompt\n"}
        if any(f.kind == "domain_kill" and f.where == system for f in self.lab.platform.faults()):
            self.lab.heal("domain_kill", system)
        else:
            dom.start()
        self._panicked.discard(system)
        return {"rc": 0, "out": "", "err": ""}

    def _op_consoles(self, request: dict) -> dict:
        node, dom = self.lab.platform.system(request["system"])
        ports = {}
        if dom.role == "control" and dom.up:
            ports = {str(d.cons_port): d.hostname for d in node.domains.values() if d.cons_port is not None}
        return {"rc": 0, "out": "", "err": "", "ports": ports}

    # -- a kvm lab's real side -------------------------------------------------------------------------
    def _kvm(self):
        if not hasattr(self.lab, "observe"):
            raise FaultError(f"lab {self.lab.spec.name} has no VMs (not a kvm lab)")
        return self.lab

    def _op_observe(self, request: dict) -> dict:
        """Probe samples and libvirt/process events since `since` (time.monotonic() of this host)."""
        return {"rc": 0, "out": "", "err": "", **self._kvm().observe(float(request.get("since", 0.0)))}

    def _op_vm(self, request: dict) -> dict:
        try:
            info = self._kvm().vm_of(request["system"])
        except KeyError:
            return _bad(f"vm: no VM is system {request['system']!r}")
        return {"rc": 0, "out": "", "err": "", **info}

    # -- the socket ----------------------------------------------------------------------------------
    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            reply = await self._read_request(reader)
            writer.write(raw_reply(reply) if reply.pop("_raw", False) else json.dumps(reply).encode() + b"\n")
            await writer.drain()
        except OSError:
            pass  # the client went away
        finally:
            writer.close()

    async def _read_request(self, reader: asyncio.StreamReader) -> dict:
        try:
            line = await asyncio.wait_for(reader.readuntil(b"\n"), READ_TIMEOUT_S)
        except asyncio.LimitOverrunError:
            await _discard_line(reader)
            return _bad(f"request too large (over {MAX_REQUEST} bytes)")
        except asyncio.IncompleteReadError as exc:
            line = exc.partial  # the client closed its side without a newline
        except TimeoutError:
            return _bad(f"no request within {READ_TIMEOUT_S:.0f}s")
        if len(line) > MAX_REQUEST + 1:
            return _bad(f"request too large (over {MAX_REQUEST} bytes)")
        if not line.strip():
            return _bad("empty request")
        try:
            request = json.loads(line)
        except ValueError as exc:
            return _bad(f"malformed request (not JSON: {exc})")
        reply = self.handle(request)
        if asyncio.iscoroutine(reply):  # an op that waits on the lab (probe)
            try:
                reply = await reply
            except (FaultError, PlatformError) as exc:
                reply = _bad(str(exc))
            except Exception as exc:  # noqa: BLE001 - an answer, never a silent close
                traceback.print_exc()
                reply = {"rc": 1, "out": "", "err": f"internal error of the lab daemon: {exc!r}\n"}
        return reply

    async def open(self) -> None:
        """Listen on the socket (before the lab boots: its script agent's commands come here)."""
        if os.path.lexists(self.socket_path):
            os.unlink(self.socket_path)
        self._server = await asyncio.start_unix_server(self._serve_one, path=str(self.socket_path),
                                                       limit=MAX_REQUEST)

    async def serve(self) -> None:
        if self._server is None:
            await self.open()
        server = self._server
        try:
            async with server:
                await self._stop.wait()
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.socket_path)


async def _discard_line(reader: asyncio.StreamReader, cap: int = 64 * 1024 * 1024) -> None:
    """Read the rest of an over-size request, so that the answer is not lost to a reset."""
    total = 0
    with contextlib.suppress(TimeoutError, OSError):
        while total < cap:
            chunk = await asyncio.wait_for(reader.read(1 << 16), 10)
            if not chunk or b"\n" in chunk:
                return
            total += len(chunk)


def _take_lock(path: Path, start_id: str) -> int | None:
    """Hold the lab's daemon lock for the life of this process; None when another daemon holds it."""
    fd = open_private(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 200).decode(errors="replace").split()
        os.close(fd)
        print(f"emulators.server: another daemon of this lab holds {path} (pid {holder[0] if holder else '?'}); "
              "refusing to start", file=sys.stderr, flush=True)
        return None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()} {start_id}\n".encode(), 0)
    return fd


async def _run(spec: LabSpec, socket_path: Path, start_id: str, front_spec: FrontSpec | None) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    clock = RealClock(loop, scale=spec.time_scale)
    layout = LabLayout(socket_path.parent)
    if front_spec is not None:
        from emulators.front.service import FrontService

        FrontService.prepare(layout, front_spec, spec.monitor)
    agent_host = _agent_host(spec, socket_path, front_spec)
    if spec.kvm is not None:
        from emulators.kvm.lab import KvmLab

        lab: SimLab = KvmLab(spec, clock, socket_path.parent, loop=loop,
                             log=lambda text: print(text, file=sys.stderr, flush=True), agent_host=agent_host)
    else:
        lab = SimLab(spec, clock, agent_host=agent_host)
    front: FrontService | None = None
    server = LabServer(lab, socket_path, start_id, None, stop)
    server.engine_log = layout.engine_log
    log_file: EngineLogFile | None = None
    log_task: asyncio.Task | None = None
    try:
        if front_spec is None:  # an emulated sparc lab's front writes the log itself
            log_file = EngineLogFile(lab.engine, layout.engine_log)
            log_task = asyncio.create_task(_keep_flushing(log_file))
        server.starting = True
        await server.open()
        lab.boot()
        if front_spec is not None:
            front = server.front = FrontService(lab, layout, front_spec)
            await front.start()
        server.starting = False
        await server.serve()
    finally:
        if log_task is not None:
            log_task.cancel()
        if log_file is not None:
            log_file.close()
        if front is not None:
            await front.stop()
        if hasattr(lab, "close"):
            lab.close()  # a kvm lab's VMs, path servers and disks go with it
        if agent_host is not None:
            agent_host.close()  # entry points still running


async def _keep_flushing(log_file: EngineLogFile) -> None:
    """The engine log file's safety net (emulators.vcs.engine_log_file)."""
    while True:
        await asyncio.sleep(FLUSH_INTERVAL_S)
        log_file.flush()


def _agent_host(spec: LabSpec, socket_path: Path, front_spec: FrontSpec | None) -> AgentHost | None:
    """Who runs the AlternateIO agent: a sparc-sim lab runs the build installed in its control domains'
    homes (what `agent install` put there over SSH), as processes; a lab of `--monitor DIR` runs DIR;
    other labs run the built-in monitor in the daemon."""
    from emulators.agent_host import AgentHost

    if front_spec is not None:
        return AgentHost.for_daemon(spec, socket_path, installed=True)
    if spec.monitor not in known_monitors():
        return AgentHost.for_daemon(spec, socket_path, installed=False)
    return None


def main(argv: list[str] | None = None) -> int:
    from emulators.front.sshd import FrontError

    parser = argparse.ArgumentParser(prog="python -m emulators.server", description="an emulated lab's daemon")
    parser.add_argument("spec", type=Path)
    parser.add_argument("socket", type=Path)
    parser.add_argument("--lock", type=Path, help="the lab's daemon lock, held for the daemon's life")
    parser.add_argument("--start-id", default="", help="identifies this daemon instance (fault ledger)")
    parser.add_argument("--front", type=Path, help="front.json: serve the lab over SSH (emulated sparc)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    os.umask(0o077)
    if args.lock is not None and _take_lock(args.lock, args.start_id) is None:
        return EXIT_REFUSED
    spec = LabSpec.from_json(read_private(args.spec))
    front_spec = FrontSpec.from_json(read_private(args.front)) if args.front else None
    try:
        asyncio.run(_run(spec, args.socket, args.start_id, front_spec))
    except FrontError as exc:
        print(f"altio-hil lab {spec.name}: {exc}", file=sys.stderr, flush=True)
        return EXIT_INFRA
    except KvmSetupError as exc:  # libvirt, the image or a path server is not usable here: say why
        print(f"altio-hil lab {spec.name}: {exc}", file=sys.stderr, flush=True)
        return EXIT_INFRA
    return 0


if __name__ == "__main__":
    sys.exit(main())
