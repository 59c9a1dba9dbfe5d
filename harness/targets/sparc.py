"""The `sparc` target: a lab of SPARC hosts reached only over SSH and service-processor consoles.

Everything is a command on a system (harness.targets.commands builds the Target API from them);
faults are the catalogue's command templates (harness.faults.catalogue, overridable per inventory in
`sparc.faults`) typed on the fault's system, its control domain, its node's ILOM or its host
console. Safety on real hardware:

- the lab's lease and fault ledger live on its control domains (harness.targets.lab_ledger): a run
  from any machine sees, and heals first, what a killed run left; every change a run makes (each
  fault, and the inventory's timing applied with `hatype -modify`) is recorded there with the
  commands that undo it, before it is made;
- the monitor under test is identified on the lab (checksums of the installed AlternateIO agent's
  files per control system, `identity`), and a run asked to certify another build refuses (exit 2);
- credentials are references (key file, ssh agent, an environment variable's name); an emulated
  lab (`sparc.emulated: true`) uses the key, user and known_hosts that `altio-hil lab up` made.

The clock is the lab's: wall seconds times the inventory's `time_scale` on an emulated lab (its
engine runs that much faster), wall seconds on a real one.
"""

from __future__ import annotations

import os
import re
import shlex
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from agents.alternateio import known_monitors
from agents.contract import arglist_values
from agents.package import checksums, install_files
from harness.faults import CATALOGUE, Fault
from harness.inventory import Lab, SparcHost, SparcIlom
from harness.oracle import Topology
from harness.parsers import parse_dladm_show_phys, parse_format_disks, parse_zpool_import, parse_zpool_status
from harness.targets.base import BadLabInput, InfrastructureError
from harness.targets.commands import UNREACHABLE, CommandTarget, pool_disks
from harness.targets.lab_ledger import LabBusy, LabLedger
from harness.timing import TIMING_ATTRS
from harness.transport import (
    AuthenticationFailed,
    CommandTimeout,
    ConsoleSession,
    CredentialsError,
    HostKeyError,
    SSHSession,
    TransportError,
    quote_argv,
)

RECONNECT_BACKOFF_S = 1.0  # wall seconds before a system that refused us is tried again
_NEXT = re.compile(r"\n__ALTIO_NEXT__ (\d+)\n")  # what run_batch prints after each command


@dataclass(frozen=True)
class Endpoint:
    """Where and as whom to log in, with credential references only."""

    name: str
    host: str
    port: int
    user: str
    key_file: str | None
    password_env: str | None
    ssh_agent: bool
    lab_key: bool = False  # the key `altio-hil lab up` made for an emulated lab (absent while it is down)

    def __str__(self) -> str:
        return f"{self.user}@{self.host}:{self.port}"


class SparcTarget(CommandTarget):
    kind = "sparc"
    clock_kind = "real"

    def __init__(self, lab: Lab, monitor: str, seed: int) -> None:
        self.lab = lab
        sparc = lab.inventory.sparc
        if sparc is None:
            raise BadLabInput(f"{lab.path}: a sparc lab needs a `sparc:` section")
        self.settings = sparc
        self.scale = float(lab.inventory.timing.time_scale) if sparc.emulated else 1.0
        self._t0 = time.monotonic()
        defaults = self._emulated_defaults(lab) if sparc.emulated else None
        self.known_hosts = sparc.known_hosts or (str(defaults.known_hosts) if defaults else None)
        self.endpoints = {name: self._endpoint(name, host, defaults)
                          for name, host in {**sparc.systems, **sparc.guests}.items()}
        self.iloms = {node: self._endpoint(node, ilom, defaults) for node, ilom in sparc.ilom.items()}
        ledger = LabLedger(self.run, self._reachable_controls, sparc.state_dir, lab.name)
        super().__init__(lab, monitor, seed, ledger)
        self.engine_log_path = sparc.engine_log
        self.capabilities = frozenset({"guest_io"}) if sparc.guests else frozenset()
        self.poll_s = 2.0
        self._sessions: dict[str, SSHSession] = {}
        self._consoles: dict[str, ConsoleSession] = {}
        self._down_until: dict[str, float] = {}
        self._heals: dict[Fault, list[dict]] = {}
        self.identity: dict[str, dict[str, str | None]] = {}
        self.installed_monitor = "?"
        self.healed_leftovers: list[Fault] = []
        self._timing_changed = False
        self._transcripts_closed: list[tuple[str, str]] = []
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="altio-ssh")

    # -- opening ----------------------------------------------------------------------------------------
    @classmethod
    def open(cls, lab: Lab, monitor: str, seed: int, apply_timing: bool = True, check_monitor: bool = True,
             heal_leftovers: bool = True, **_: object) -> SparcTarget:
        """Connect, take the lab's lease, heal what a killed run left, check the installed agent,
        apply the inventory's timing. BadLabInput / InfrastructureError say why not."""
        target = cls(lab, monitor, seed)
        try:
            target.connect()
            try:
                target.ledger.acquire()
            except LabBusy as exc:
                raise InfrastructureError(str(exc)) from None
            if heal_leftovers:
                target.healed_leftovers = target.heal_recorded()
            target.identify_agent()
            if check_monitor and target.installed_monitor != monitor:
                installed = target.installed_monitor
                what = {"custom": "a build that is none of the built-in monitors",
                        "mixed": "different builds on its control domains"}.get(installed, f"the build '{installed}'")
                certify = ("--monitor DIR, the agent directory it was installed from"
                           if installed in ("custom", "mixed") else f"--monitor {installed}")
                raise BadLabInput(
                    f"lab {lab.name} runs {what} of the AlternateIO agent, not '{monitor}' "
                    f"(install it with `altio-hil agent install --lab {lab.path} --monitor {monitor}`, "
                    f"or certify what is installed with {certify})")
            if apply_timing:
                target.apply_timing()
            target.poll_s = max(1.0, min(10.0, target.timing().get("AlternateIO", "MonitorInterval") / 4))
        except BaseException:
            target.release()
            raise
        return target

    @staticmethod
    def _emulated_defaults(lab: Lab):
        from harness.lab_daemon import emulated_access

        return emulated_access(lab)

    def _endpoint(self, name: str, host: SparcHost | SparcIlom, defaults) -> Endpoint:
        user = host.user or (defaults.user if defaults else "root")
        key = host.key_file or (str(defaults.key_file) if defaults and not host.password_env else None)
        if not (key or host.password_env or host.ssh_agent):
            raise BadLabInput(f"{self.lab.path}: sparc: no credential for {name} ({user}@{host.host}:{host.port}): "
                              "name key_file, password_env or ssh_agent")
        return Endpoint(name, host.host, host.port, user, key, host.password_env, host.ssh_agent,
                        lab_key=bool(key) and not host.key_file)

    def _ssh(self, ep: Endpoint) -> SSHSession:
        try:
            return SSHSession(ep.host, ep.port, ep.user, key_file=ep.key_file, password_env=ep.password_env,
                              ssh_agent=ep.ssh_agent, known_hosts=self.known_hosts,
                              strict_host_key=self.settings.strict_host_keys,
                              connect_timeout=int(self.settings.connect_timeout), name=ep.name)
        except CredentialsError as exc:
            raise BadLabInput(f"{self.lab.path}: {ep.name}: {exc}") from None

    def connect(self) -> None:
        """Log in to every control domain (they must be up to start a run): a bad credential or host
        key is bad input (exit 2), a host that cannot be reached an infrastructure error (exit 3)."""
        for ep in self.endpoints.values():
            if ep.key_file and not os.path.isfile(os.path.expanduser(ep.key_file)):
                if ep.lab_key:
                    raise InfrastructureError(f"the emulated lab {self.lab.name} is not up (start it with "
                                              f"`altio-hil lab up --lab {self.lab.path}`)")
                raise BadLabInput(f"{self.lab.path}: key file {ep.key_file} for {ep} does not exist")
        for node in self.lab.nodes:
            self._session(node.control, strict=True)

    def _session(self, system: str, strict: bool = False) -> SSHSession | None:
        session = self._sessions.get(system)
        if session is not None:
            return session
        if not strict and time.monotonic() < self._down_until.get(system, 0.0):
            return None
        ep = self.endpoints.get(system)
        if ep is None:
            raise BadLabInput(f"{self.lab.path}: sparc.systems has no entry for {system}")
        session = self._ssh(ep)
        try:
            session.run(["true"], timeout=self.settings.connect_timeout + 20)
        except (AuthenticationFailed, HostKeyError, CredentialsError) as exc:
            session.close()
            raise BadLabInput(f"{system} ({ep}): {exc}") from None
        except TransportError as exc:
            session.close()
            if strict:
                raise InfrastructureError(f"{system} ({ep}) cannot be reached: {exc}") from None
            self._down_until[system] = time.monotonic() + RECONNECT_BACKOFF_S
            return None
        self._sessions[system] = session
        return session

    # -- clock ------------------------------------------------------------------------------------------
    def now(self) -> float:
        return (time.monotonic() - self._t0) * self.scale

    def _advance(self, seconds: float) -> None:
        time.sleep(seconds / self.scale)
        self.ledger.renew()

    # -- commands -----------------------------------------------------------------------------------------
    def run(self, system: str, argv: list[str] | str, timeout: float = 120.0) -> tuple[int, str, str]:
        """A command on a system; exit 255 (as ssh) when it cannot be reached."""
        session = self._session(system)
        if session is None:
            return UNREACHABLE, "", f"{system}: cannot be reached\n"
        try:
            return session.run(argv, timeout=timeout)
        except CommandTimeout as exc:
            return 124, "", f"{system}: {exc}\n"
        except TransportError as exc:
            self._drop_session(system)
            self._down_until[system] = time.monotonic() + RECONNECT_BACKOFF_S
            return UNREACHABLE, "", f"{system}: {exc}\n"

    def run_batch(self, system: str, commands: list[list[str]]) -> list[tuple[int, str]]:
        """Several commands in one round trip: one line, each command's status printed after it."""
        line = "; ".join(f"{quote_argv(argv)} 2>/dev/null; printf '\\n%s%s %s\\n' __ALTIO _NEXT__ $?"
                         for argv in commands)
        rc, out, err = self.run(system, line)
        if rc == UNREACHABLE:
            return [(UNREACHABLE, "")] * len(commands)
        parts = _NEXT.split(out)  # [out1, rc1, out2, rc2, ..., tail]
        answers = [(int(parts[i + 1]), parts[i]) for i in range(0, len(parts) - 1, 2)]
        if len(answers) != len(commands):
            return [self.run(system, argv)[:2] for argv in commands]  # a command swallowed the marker
        return answers

    def _fan_out(self, plan: dict[str, list[list[str]]]) -> dict[str, list[tuple[int, str]]]:
        """One thread per system: each session is used by one thread at a time."""
        if len(plan) == 1:
            return super()._fan_out(plan)
        futures = {system: self._pool.submit(self.run_batch, system, commands) for system, commands in plan.items()}
        return {system: f.result() for system, f in futures.items()}

    def _drop_session(self, system: str) -> None:
        session = self._sessions.pop(system, None)
        if session is not None:
            self._transcripts_closed.append((f"ssh {system}", session.transcript()))
            session.close()

    def _reachable_controls(self) -> list[str]:
        return [n.control for n in self.lab.nodes if self._session(n.control) is not None]

    def ilom(self, node: str) -> ConsoleSession:
        console = self._consoles.get(node)
        if console is None:
            ep = self.iloms.get(node)
            if ep is None:
                raise BadLabInput(f"{self.lab.path}: sparc.ilom has no entry for node {node} "
                                  "(a fault template needs its service processor)")
            try:
                console = ConsoleSession(ep.host, ep.port, ep.user, key_file=ep.key_file,
                                         password_env=ep.password_env, ssh_agent=ep.ssh_agent,
                                         known_hosts=self.known_hosts, strict_host_key=self.settings.strict_host_keys,
                                         connect_timeout=int(self.settings.connect_timeout), name=f"ILOM {node}")
            except CredentialsError as exc:
                raise BadLabInput(f"{self.lab.path}: ILOM of {node}: {exc}") from None
            self._consoles[node] = console
        return console

    def guest_host(self, guest: str) -> str | None:
        return guest if guest in self.settings.guests else None

    # -- templates ------------------------------------------------------------------------------------------
    def role(self, system: str) -> str:
        node = self.lab.node_of(system)
        if node is None:
            return "guest"
        return "control" if node.control == system else "alternate"

    def steps(self, fault: Fault, phase: str, resolve_disks: bool = True) -> list[dict]:
        """The commands of a fault's inject or heal, resolved for this lab: [{on, host, run, expect, timeout}]."""
        override = self.settings.faults.get(fault.kind)
        if override is not None:
            raw = [s.model_dump() for s in getattr(override, phase)]
        else:
            raw = CATALOGUE[fault.kind].template(self.role(fault.system))[phase]
        node = self.lab.node_of(fault.system) or self._guest_node()
        values = {"system": fault.system, "object": fault.object or "", "node": node.name, "control": node.control,
                  "domain": self._domain_name(fault.system)}
        out = []
        for step in raw:
            if "{disks}" in step["run"]:
                values["disks"] = (" ".join(self._pool_disks(fault.system, fault.object or ""))
                                   if resolve_disks else f"$(disks of {fault.object})")
            text = step["run"].format(**values)
            on = step["on"]
            host = {"system": fault.system, "control": node.control}.get(on, node.name)
            out.append({"on": "system" if on in ("system", "control") else on, "host": host, "run": text,
                        "expect": step.get("expect"), "timeout": float(step.get("timeout") or 600.0)})
        return out

    def _guest_node(self):
        snap = self._last
        for node in self.lab.nodes:
            if snap is not None and any(d == "active" for (n, _), d in snap.domains.items() if n == node.name):
                return node
        return self.lab.nodes[0]

    def _domain_name(self, system: str) -> str:
        host = self.settings.systems.get(system) or self.settings.guests.get(system)
        if host is not None and host.domain:
            return host.domain
        return "primary" if self.role(system) == "control" else system

    def _pools_of(self, system: str) -> tuple[int, dict[str, list[str]]]:
        """Every pool of a system with its leaf disks: the imported ones (`zpool status`) and the
        exported ones (`zpool import`, e.g. a storage group offline on this node); the first rc."""
        rc, out, _ = self.run(system, ["zpool", "status"])
        pools = {p.name: pool_disks(p) for p in parse_zpool_status(out)} if rc == 0 else {}
        rc2, listed, _ = self.run(system, ["zpool", "import"])
        if rc2 == 0:
            pools.update(parse_zpool_import(listed))
        return rc, pools

    def _pool_disks(self, system: str, pool: str) -> list[str]:
        rc, pools = self._pools_of(system)
        if not pools.get(pool):
            raise InfrastructureError(f"pool {pool} on {system} shows no disks in `zpool status` or `zpool import`"
                                      + (" (the system cannot be reached)" if rc == UNREACHABLE else ""))
        return pools[pool]

    def check_place(self, fault: Fault) -> None:
        """Refuse (BadLabInput) a fault whose --where names nothing on the lab, before touching it."""
        known = set(self.endpoints)
        if fault.system not in known:
            raise BadLabInput(f"{fault}: no system '{fault.system}' on lab {self.lab.name} "
                              f"(systems: {', '.join(sorted(known))})")
        breaks = fault.spec.breaks
        if breaks is None:
            return
        if breaks == "nic":
            # Solaris 10 has no `dladm show-phys`: its `dladm show-dev` names the same devices
            view = ["dladm", "show-dev"] if getattr(self.lab.inventory, "solaris", None) == 10 else ["dladm", "show-phys"]
            rc, out, _ = self.run(fault.system, view)
            names = [n for p in parse_dladm_show_phys(out) for n in (p.link, p.device)] if rc == 0 else []
        else:
            rc, pools = self._pools_of(fault.system)
            names = list(pools) if breaks == "pool" else [d for disks in pools.values() for d in disks]
            if breaks == "disk" and rc == 0:  # and the disks in no pool, e.g. a LUN exported whole
                rc_f, menu, _ = self.run(fault.system, "format </dev/null")
                names += parse_format_disks(menu) if rc_f == 0 else []
        if rc == UNREACHABLE:
            raise InfrastructureError(f"{fault}: {fault.system} cannot be reached to check its {breaks}s")
        if fault.object not in names:
            raise BadLabInput(f"{fault}: {fault.system} has no {fault.spec.object_label} '{fault.object}' "
                              f"(it has: {', '.join(sorted(set(names))) or 'none'})")

    def execute(self, step: dict) -> str:
        """Run one resolved step; InfrastructureError when the lab refuses it."""
        on, host, text = step["on"], step["host"], step["run"]
        wall_timeout = max(30.0, step.get("timeout", 600.0) / self.scale)
        if on == "system":
            deadline = time.monotonic() + wall_timeout
            rc, out, err = self.run(host, text, timeout=wall_timeout)
            while rc == UNREACHABLE and time.monotonic() < deadline:  # e.g. a control domain still booting
                time.sleep(RECONNECT_BACKOFF_S)
                rc, out, err = self.run(host, text, timeout=wall_timeout)
            if rc != 0 and not step.get("tolerate"):
                raise InfrastructureError(f"`{text}` on {host} failed (exit {rc}): {(err or out).strip()[:300]}")
            return out
        console = self.ilom(host)
        try:
            if on == "ilom":
                rc, out, _ = console.run(text, timeout=wall_timeout)
                if rc != 0:
                    raise InfrastructureError(f"`{text}` on the ILOM of {host} failed: {out.strip()[:300]}")
                return out
            # on the host console: wait for the OpenBoot prompt, type the command, await `expect`
            console.attach_console()
            try:
                console.send_console("")
                console.expect_console([r"\{\d+\} ok ?"], timeout=wall_timeout)
                console.send_console(text)
                if step.get("expect"):
                    console.expect_console([step["expect"]], timeout=wall_timeout)
            finally:
                console.detach_console()
            return ""
        except TransportError as exc:
            raise InfrastructureError(f"`{text}` on the {'console' if on == 'console' else 'ILOM'} of {host}: "
                                      f"{exc}") from None

    # -- faults -------------------------------------------------------------------------------------------------
    def _heal_recipe(self, fault: Fault) -> list[dict]:
        self.check_place(fault)
        steps = self.steps(fault, "heal")
        self._heals[fault] = steps
        return steps

    def _inject(self, fault: Fault) -> None:
        for step in self.steps(fault, "inject"):
            self.execute(step)

    def _heal(self, fault: Fault) -> None:
        for step in self._heals.pop(fault, None) or self.steps(fault, "heal"):
            self.execute(step)

    def heal_recorded(self, only: Fault | None = None) -> list[Fault]:
        """Run the recorded heals of everything the lab's ledger lists (a killed run's leftovers, a
        `lab fault`), newest first, or of `only`. A change whose injection never finished may not be
        in force: its heal may fail harmlessly, and it is dropped either way."""
        healed = []
        errors = []
        records = self.ledger.load()
        if only is not None:
            records = [r for r in records if (r["kind"], r["where"]) == (only.kind, only.where)]
            if not records:
                raise BadLabInput(f"{only} is not in force on lab {self.lab.name} (its ledger does not list it)")
        for record in reversed(records):
            try:
                for step in record.get("heal", []):
                    self.execute(step)
            except InfrastructureError as exc:
                if record.get("state") != "injecting":
                    errors.append(f"{record['kind']} {record['where']}: {exc}")
                    continue
            self.ledger.drop(kind=record["kind"], where=record["where"])
            if record["kind"] in CATALOGUE:
                healed.append(Fault(record["kind"], record["where"]))
        if errors:
            raise InfrastructureError("could not heal what an earlier run left on the lab: " + "; ".join(errors))
        return healed

    # -- timing ---------------------------------------------------------------------------------------------------
    def apply_timing(self) -> None:
        """Put the inventory's timing on the cluster (recorded in the lab's ledger with its undo)."""
        overrides = self.lab.inventory.timing.type_overrides()
        if not overrides:
            return
        current = self.timing()
        changes = [(t, a, current.get(t, a), int(v)) for t in sorted(current.types) for a, v in overrides.items()
                   if a in TIMING_ATTRS and current.get(t, a) != int(v)]
        if not changes:
            return
        system = self._reporter or self.any_running_system()

        def steps(pairs) -> list[dict]:
            body = [{"on": "system", "host": system, "run": "haconf -makerw", "tolerate": True, "timeout": 60.0}]
            body += [{"on": "system", "host": system, "run": f"hatype -modify {t} {a} {v}", "timeout": 60.0}
                     for t, a, v in pairs]
            body.append({"on": "system", "host": system, "run": "haconf -dump -makero", "timeout": 60.0})
            return body

        self.ledger.record_change("timing", "cluster", steps([(t, a, old) for t, a, old, _ in changes]))
        for step in steps([(t, a, new) for t, a, _, new in changes]):
            self.execute(step)
        self.ledger.confirm(kind="timing", where="cluster")
        self._timing_changed = True
        self.forget_timing()
        self.timeline.add(self.now(), "note", "timing applied",
                          detail=", ".join(f"{t}.{a} {old}->{new}" for t, a, old, new in changes))

    def restore_timing(self) -> None:
        for record in reversed(self.ledger.records()):
            if record["kind"] == "timing" and record["holder"] == self.ledger.holder:
                for step in record["heal"]:
                    self.execute(step)
                self.ledger.drop(kind="timing", where="cluster")
        self._timing_changed = False
        self.forget_timing()

    # -- the monitor under test ---------------------------------------------------------------------------------
    def probe_monitor(self, system: str, attrs: dict[str, dict[str, str]]) -> tuple[int, str]:
        """`monitor RESOURCE StorageSG n ... NetworkSG n ...` in the installed agent's directory, over
        SSH, as the agent's README says to check it by hand (the V50 argument form)."""
        resource = Topology(self.lab.config, self.lab.nodes).alternateio_resource
        args = [resource, *arglist_values(attrs, ("StorageSG", "NetworkSG"))]
        rc, out, err = self.run(system, f"cd {self.settings.agent_dir} && ./monitor "
                                + " ".join(shlex.quote(a) for a in args), timeout=120.0)
        if rc in (UNREACHABLE, 124):
            raise InfrastructureError(f"the agent's monitor could not be run on {system}: {err.strip()}")
        return rc, out + err

    def identify_agent(self) -> None:
        """Checksums of the installed AlternateIO agent's files on every control system, and which
        build they are: a built-in monitor, the agent directory this run certifies, or "custom"."""
        builds = {m: checksums(install_files(m)) for m in known_monitors()}
        if self.monitor not in builds:  # --monitor DIR: its files are what must be there
            builds = {self.monitor: checksums(install_files(self.monitor)), **builds}
        names = sorted({n for ref in builds.values() for n in ref})
        found = set()
        for node in self.lab.nodes:
            rc, out, _ = self.run(node.control, f"cd {self.settings.agent_dir} 2>/dev/null && "
                                  f"for f in {' '.join(map(shlex.quote, names))}; do if [ -f \"$f\" ]; then "
                                  "(sha256sum \"$f\" 2>/dev/null || digest -a sha256 -v \"$f\") | tail -1; "
                                  "else echo \"missing $f\"; fi; done")
            sums = parse_checksums(out) if rc == 0 else {}
            have = {n: sums.get(n) for n in names}
            match = [m for m, ref in builds.items() if all(have.get(n) == h for n, h in ref.items())]
            self.identity[node.control] = {n: h for n, h in have.items()
                                           if h is not None or n in builds.get(match[0] if match else "", {})
                                           or n in builds.get("alternateio", {})}
            found.add(match[0] if match else "custom")
        self.installed_monitor = found.pop() if len(found) == 1 else "mixed"

    # -- transcripts ---------------------------------------------------------------------------------------------
    def _all_sessions(self) -> dict[str, object]:
        return {**{f"ssh {s}": v for s, v in self._sessions.items()},
                **{f"ilom {n}": v for n, v in self._consoles.items()}}

    transcript_title = "session transcripts (secrets redacted)"

    def transcript_mark(self) -> dict[str, int]:
        mark = {name: len(s.transcript()) for name, s in self._all_sessions().items()}
        mark["(closed)"] = len(self._transcripts_closed)
        return mark

    def transcript_since(self, mark: dict[str, int]) -> str:
        """What every session sent and received since `mark` (secrets were redacted when stored),
        sessions dropped meanwhile included."""
        parts = [f"===== {name} (connection lost) =====\n{text}"
                 for name, text in self._transcripts_closed[mark.get("(closed)", 0):]]
        for name, s in self._all_sessions().items():
            text = s.transcript()[mark.get(name, 0):]
            if text.strip():
                parts.append(f"===== {name} =====\n{text}")
        return "\n".join(parts)

    # -- closing --------------------------------------------------------------------------------------------------
    def close(self) -> None:
        """Heal what is broken, put the timing back, release the lease, log out."""
        try:
            self.heal_all()
        finally:
            try:
                if self._timing_changed:
                    self.restore_timing()
            finally:
                self.release()

    def release(self) -> None:
        try:
            self.ledger.release()
        except Exception:  # noqa: BLE001 - the lease expires by itself
            pass
        for s in list(self._sessions.values()) + list(self._consoles.values()):
            try:
                s.close()
            except Exception:  # noqa: BLE001
                pass
        self._sessions.clear()
        self._consoles.clear()
        self._pool.shutdown(wait=False)


_SHA256SUM = re.compile(r"^([0-9a-f]{64})\s+\*?(\S+)$")
_DIGEST = re.compile(r"^sha256\s+\((\S+)\)\s+=\s+([0-9a-f]{64})$")


def parse_checksums(text: str) -> dict[str, str]:
    """`sha256sum` (GNU: `HASH  file`) or Solaris `digest -a sha256 -v` (`sha256 (file) = HASH`) lines."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if m := _SHA256SUM.match(line):
            out[m.group(2)] = m.group(1)
        elif m := _DIGEST.match(line):
            out[m.group(1)] = m.group(2)
    return out

