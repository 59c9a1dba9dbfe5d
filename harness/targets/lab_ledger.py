"""The lock and the fault ledger of a lab reached by commands, kept on the lab itself.

A real lab is shared by runners on many machines, so its lock and its ledger cannot live on any one
of them: both are files in `sparc.state_dir` on every reachable control domain.

- The lease (`lease`) names its holder (run id, host, pid) and when it expires; it is created with
  the shell's noclobber (`set -C`: an exclusive create) and renewed while the run goes on. A lease
  that expired, or whose holder is a dead process of this very host, is stale and taken over.
- The ledger (`ledger.json`) lists what is in force, each entry with the commands that heal it
  (resolved when it was injected), and a sequence number: a control domain that was down while the
  ledger changed comes back with an older copy, and the newest copy wins.

Writes are chunked so that no command line exceeds what a terminal's line discipline takes (4 KiB).
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import time
import uuid
from collections.abc import Callable

from harness.faults import CATALOGUE, Fault

LEASE_S = 120.0  # wall seconds a lease lasts without renewal
_CHUNK = 1500


class LabBusy(Exception):
    """Another run holds the lab's lease."""


def write_file(path: str, text: str, mode: str | None = None) -> list[str]:
    """The command lines that write `text` to `path` on a lab with nothing but a POSIX shell: in
    chunks (a terminal takes lines of 4 KiB at most) into `path.new`, then renamed into place.
    `path` is a plain path (a leading ~/ is expanded by the lab's shell): it is not quoted."""
    chunks = [text[i:i + _CHUNK] for i in range(0, len(text), _CHUNK)] or [""]
    parent = path.rsplit("/", 1)[0]
    lines = [f"mkdir -p {parent} && printf '%s' {shlex.quote(chunks[0])} > {path}.new"]
    lines += [f"printf '%s' {shlex.quote(chunk)} >> {path}.new" for chunk in chunks[1:]]
    lines.append((f"chmod {mode} {path}.new && " if mode else "") + f"mv {path}.new {path}")
    return lines


class LabLedger:
    """`run(system, command_line) -> (rc, out, err)` reaches the control domains (`controls()` says
    which are reachable now); `state_dir` is where the files live there."""

    def __init__(self, run: Callable[[str, str], tuple[int, str, str]], controls: Callable[[], list[str]],
                 state_dir: str, lab: str) -> None:
        self._run, self._controls, self.state_dir, self.lab = run, controls, state_dir, lab
        self.holder = {"run": uuid.uuid4().hex[:12], "host": socket.gethostname(), "pid": os.getpid()}
        self._records: list[dict] = []
        self._seq = 0
        self._renewed = 0.0

    # -- lease -----------------------------------------------------------------------------------------
    def _lease_text(self) -> str:
        return json.dumps({**self.holder, "lab": self.lab, "expires": time.time() + LEASE_S}, sort_keys=True)

    def _stale(self, text: str) -> bool:
        try:
            lease = json.loads(text)
        except ValueError:
            return True  # a torn write: nobody holds it in a readable way
        if lease.get("run") == self.holder["run"]:
            return True
        if float(lease.get("expires", 0)) < time.time():
            return True
        if lease.get("host") == self.holder["host"]:
            try:
                os.kill(int(lease.get("pid", 0)), 0)
            except ProcessLookupError:
                return True
            except (PermissionError, ValueError):
                return False
        return False

    def acquire(self) -> None:
        """Take the lease on every reachable control domain, or raise LabBusy naming the holder."""
        taken = []
        for system in self._controls():
            for _attempt in range(2):
                rc, _, _ = self._run(system, f"mkdir -p {self.state_dir} && (set -C; echo {shlex.quote(self._lease_text())}"
                                             f" > {self.state_dir}/lease) 2>/dev/null")
                if rc == 0:
                    taken.append(system)
                    break
                rc, text, _ = self._run(system, f"cat {self.state_dir}/lease")
                if rc == 0 and not self._stale(text.strip()):
                    for s in taken:
                        self._run(s, f"rm -f {self.state_dir}/lease")
                    try:
                        who = json.loads(text)
                        desc = f"run {who.get('run')} of pid {who.get('pid')} on {who.get('host')}, " \
                               f"until {time.strftime('%H:%M:%S', time.localtime(float(who.get('expires', 0))))}"
                    except ValueError:
                        desc = text.strip()[:200]
                    raise LabBusy(f"lab {self.lab} is in use by another run ({desc}; lease on {system}); "
                                  "a shared lab takes one run at a time")
                self._run(system, f"rm -f {self.state_dir}/lease")
        self._renewed = time.monotonic()
        self.load()

    def renew(self, force: bool = False) -> None:
        if not force and time.monotonic() - self._renewed < LEASE_S / 4:
            return
        text = shlex.quote(self._lease_text())
        for system in self._controls():
            self._run(system, f"mkdir -p {self.state_dir} && echo {text} > {self.state_dir}/lease.tmp "
                              f"&& mv {self.state_dir}/lease.tmp {self.state_dir}/lease")
        self._renewed = time.monotonic()

    def release(self) -> None:
        mine = self.holder["run"]
        for system in self._controls():
            self._run(system, f"grep -q '\"run\": \"{mine}\"' {self.state_dir}/lease 2>/dev/null "
                              f"&& rm -f {self.state_dir}/lease")

    # -- ledger ----------------------------------------------------------------------------------------
    def load(self) -> list[dict]:
        """The newest copy among the reachable control domains."""
        best: dict = {"seq": 0, "records": []}
        for system in self._controls():
            rc, text, _ = self._run(system, f"cat {self.state_dir}/ledger.json 2>/dev/null")
            if rc != 0 or not text.strip():
                continue
            try:
                data = json.loads(text)
            except ValueError:
                continue
            if isinstance(data, dict) and int(data.get("seq", 0)) > best["seq"]:
                best = data
        self._seq = int(best["seq"])
        self._records = list(best.get("records", []))
        return list(self._records)

    def _save(self) -> None:
        self._seq += 1
        body = json.dumps({"seq": self._seq, "lab": self.lab, "records": self._records}, sort_keys=True)
        commands = write_file(f"{self.state_dir}/ledger.json", body)
        for system in self._controls():
            all(self._run(system, line)[0] == 0 for line in commands)  # stops at the first that fails

    def records(self) -> list[dict]:
        return list(self._records)

    def record(self, fault: Fault, heal: list[dict] | None = None) -> None:
        self.record_change(fault.kind, fault.where, heal or [])

    def record_change(self, kind: str, where: str, heal: list[dict]) -> None:
        """Any change the run makes to the lab (a fault, its timing) with the commands that undo it."""
        self._records.append({"kind": kind, "where": where, "heal": heal, "state": "injecting",
                              "holder": self.holder, "since": time.time()})
        self._save()

    def confirm(self, fault: Fault | None = None, kind: str | None = None, where: str | None = None) -> None:
        kind, where = (fault.kind, fault.where) if fault else (kind, where)
        for r in self._records:
            if r["kind"] == kind and r["where"] == where:
                r["state"] = "in force"
        self._save()

    def drop(self, fault: Fault | None = None, pid: int | None = None, kind: str | None = None,
             where: str | None = None) -> None:
        kind, where = (fault.kind, fault.where) if fault else (kind, where)
        for i, r in enumerate(self._records):
            if r["kind"] == kind and r["where"] == where:
                del self._records[i]
                break
        self._save()

    def entries(self) -> list[Fault]:
        return [Fault(r["kind"], r["where"]) for r in self._records if r["kind"] in CATALOGUE]
