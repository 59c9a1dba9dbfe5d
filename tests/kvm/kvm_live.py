"""A kvm lab of a test's own: a private copy of inventories/kvm-2node.yaml under a unique lab name,
private runtime/state directories, and a teardown that leaves no VM, path server or file behind."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lab"))
from live_lab import REPO, LabCli, kill_started_daemons, lab_dirs  # noqa: E402

KVM_INVENTORY = REPO / "inventories" / "kvm-2node.yaml"


def kvm_inventory(directory: Path, name: str | None = None) -> Path:
    data = yaml.safe_load(KVM_INVENTORY.read_text())
    data["lab"] = name or f"kt{secrets.token_hex(3)}"
    data["cluster"]["main_cf"] = str((KVM_INVENTORY.parent / data["cluster"]["main_cf"]).resolve())
    path = directory / f"{data['lab']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def virsh(*args: str) -> str:
    uri = "qemu:///system" if os.geteuid() == 0 else "qemu:///session"
    return subprocess.run(["virsh", "-c", uri, *args], capture_output=True, text=True, timeout=60).stdout


def lab_vms(lab: str) -> dict[str, str]:
    """VM name -> state ("running", "shut off") of every VM of that lab libvirt knows."""
    out = {}
    for line in virsh("list", "--all").splitlines()[2:]:
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[1].startswith(f"altio-{lab}-"):
            out[parts[1]] = parts[2].strip()
    return out


def path_servers(runtime: Path) -> list[str]:
    """Command lines of the nbdkit processes serving files under `runtime`."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if cmd.startswith("nbdkit") and str(runtime) in cmd:
            found.append(cmd)
    return found


def scrub(lab: str) -> None:
    for name in lab_vms(lab):
        virsh("destroy", name)
        virsh("undefine", name)


@contextmanager
def kvm_cli(up: bool = True) -> Iterator[LabCli]:
    """A LabCli on a fresh kvm lab inventory (brought up when `up`); everything gone afterwards."""
    with lab_dirs() as (runtime, state):
        inventory = kvm_inventory(runtime.parent)
        lab = yaml.safe_load(inventory.read_text())["lab"]
        cli = LabCli(inventory, runtime, state)
        try:
            if up:
                done = cli.lab("up", timeout=240)
                assert done.returncode == 0, (done.stdout, done.stderr)
            yield cli
        finally:
            try:
                cli.lab("down", timeout=90)
            finally:
                kill_started_daemons(cli)
                scrub(lab)
