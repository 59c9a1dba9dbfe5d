"""The libvirt side of a kvm lab: one connection with keepalive, its event loop, and the VMs.

- URI: `auto` is qemu:///system for root (the daemons are started here when no service manager
  runs them: `virtlogd` and `libvirtd --timeout`), qemu:///session for everyone else (libvirt
  starts the session daemon itself).
- Acceleration: `auto` boots a VM under KVM once per machine and keeps KVM only if the VM reaches
  its init within a few seconds (nested KVM on some hosts hangs in early boot); else TCG. The
  verdict is cached beside the image (`accel.json`).
- Events: lifecycle, I/O errors and device changes arrive on libvirt's event thread and are handed
  to `on_event` (the lab daemon posts them to its loop). A lost connection (libvirtd gone) calls
  `on_lost`: the lab cannot be trusted any more (an infrastructure error, exit 3).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from emulators.kvm import KvmSetupError

try:
    import libvirt
except ImportError:  # pragma: no cover - the kvm extra is part of `make bootstrap`
    libvirt = None  # type: ignore[assignment]


class HypervisorError(KvmSetupError):
    """libvirt cannot be used here; the message says why and what to do."""


_LOOP_STARTED = False
_LOOP_LOCK = threading.Lock()


def _start_event_loop() -> None:
    global _LOOP_STARTED
    with _LOOP_LOCK:
        if _LOOP_STARTED:
            return
        libvirt.virEventRegisterDefaultImpl()

        def run() -> None:
            while True:
                libvirt.virEventRunDefaultImpl()

        threading.Thread(target=run, name="libvirt-events", daemon=True).start()
        _LOOP_STARTED = True


def resolve_uri(uri: str) -> str:
    if uri != "auto":
        return uri
    return "qemu:///system" if os.geteuid() == 0 else "qemu:///session"


def ensure_services(uri: str) -> None:
    """As root with no service manager, start virtlogd and libvirtd (idle timeout) when missing.

    libvirt re-probes QEMU forever when /dev/kvm is root-only while its QEMU user is not root (the
    probe sees KVM, the check does not): the fix is Debian's udev rule (group kvm, mode 0660), which
    `make bootstrap` applies where no udev runs."""
    if uri != "qemu:///system" or os.geteuid() != 0:
        return
    kvm = Path("/dev/kvm")
    if kvm.exists() and stat.S_IMODE(kvm.stat().st_mode) & 0o060 != 0o060:
        raise HypervisorError("/dev/kvm is not group read-write (libvirt would re-probe QEMU forever); "
                              "run `make bootstrap` as root, or: chgrp kvm /dev/kvm && chmod 660 /dev/kvm")
    for daemon, sock, args in (("virtlogd", "/run/libvirt/virtlogd-sock", ["--daemon"]),
                               ("libvirtd", "/run/libvirt/libvirt-sock", ["--daemon", "--timeout", "300"])):
        if Path(sock).exists() and _listening(sock):
            continue
        if shutil.which(daemon) is None:
            raise HypervisorError(f"{daemon} is not installed (make bootstrap installs libvirt-daemon-system)")
        with contextlib.suppress(FileNotFoundError):
            Path(sock).unlink()
        subprocess.run([daemon, *args], check=False, capture_output=True, timeout=30)
        deadline = time.monotonic() + 15
        while not _listening(sock):
            if time.monotonic() > deadline:
                raise HypervisorError(f"{daemon} did not start (no {sock})")
            time.sleep(0.1)


def _listening(path: str) -> bool:
    import socket

    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(2)
        try:
            s.connect(path)
        except OSError:
            return False
    return True


class Hypervisor:
    """One libvirt connection for the life of a lab."""

    def __init__(self, uri: str = "auto", on_event: Callable[[str, str, dict], None] | None = None,
                 on_lost: Callable[[str], None] | None = None) -> None:
        if libvirt is None:
            raise HypervisorError("libvirt-python is not installed (make bootstrap installs the kvm extra)")
        self.uri = resolve_uri(uri)
        ensure_services(self.uri)
        _start_event_loop()
        try:
            self.conn = libvirt.open(self.uri)
        except libvirt.libvirtError as exc:
            raise HypervisorError(f"cannot connect to {self.uri}: {exc}") from None
        self.conn.setKeepAlive(5, 3)
        self.on_event = on_event or (lambda *_: None)
        self.on_lost = on_lost or (lambda *_: None)
        self.lost: str | None = None
        self._callbacks = [
            self.conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, self._lifecycle, None),
            self.conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON, self._io_error,
                                             None),
        ]
        self.conn.registerCloseCallback(self._closed, None)

    # -- events (libvirt's thread) ------------------------------------------------------------------
    _LIFECYCLE = {0: "defined", 1: "undefined", 2: "started", 3: "suspended", 4: "resumed", 5: "stopped",
                  6: "shutdown", 7: "pmsuspended", 8: "crashed"}

    def _lifecycle(self, _conn, dom, event, detail, _opaque) -> None:
        self.on_event(dom.name(), "lifecycle", {"event": self._LIFECYCLE.get(event, str(event)), "detail": detail})

    def _io_error(self, _conn, dom, src, dev_alias, action, reason, _opaque) -> None:
        self.on_event(dom.name(), "io_error", {"device": dev_alias, "source": src, "reason": reason})

    def _closed(self, _conn, reason, _opaque) -> None:
        self.lost = f"the connection to {self.uri} was lost (reason {reason}): is libvirtd running?"
        self.on_lost(self.lost)

    # -- VMs -----------------------------------------------------------------------------------------
    def lookup(self, name: str):
        try:
            return self.conn.lookupByName(name)
        except libvirt.libvirtError:
            return None

    def define(self, xml: str):
        return self.conn.defineXML(xml)

    def start(self, name: str) -> None:
        dom = self.lookup(name)
        if dom is not None and not dom.isActive():
            dom.create()

    def destroy(self, name: str) -> None:
        dom = self.lookup(name)
        if dom is not None and dom.isActive():
            with contextlib.suppress(libvirt.libvirtError):  # it may have died on its own meanwhile
                dom.destroy()

    def running(self, name: str) -> bool:
        dom = self.lookup(name)
        try:
            return bool(dom is not None and dom.isActive())
        except libvirt.libvirtError:
            return False

    def qemu_pid(self, name: str) -> int | None:
        """The QEMU process of a running VM (libvirt's pidfile), for a pidfd to watch."""
        base = "/run/libvirt/qemu" if self.uri == "qemu:///system" else \
            os.path.join(os.environ.get("XDG_RUNTIME_DIR", f"/run/user/{os.getuid()}"), "libvirt", "qemu", "run")
        try:
            return int(Path(base, f"{name}.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def set_link(self, name: str, device_xml: str) -> None:
        """Change a NIC's link state in the definition and, when it runs, live (updateDeviceFlags)."""
        dom = self.lookup(name)
        if dom is None:
            return
        flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG
        if dom.isActive():
            flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
        dom.updateDeviceFlags(device_xml, flags)

    def link_up(self, name: str, nic_alias: str) -> bool | None:
        """A NIC's link state as libvirt has it (live XML when running), None when there is no such NIC."""
        import xml.etree.ElementTree as ET

        dom = self.lookup(name)
        if dom is None:
            return None
        flags = 0 if dom.isActive() else libvirt.VIR_DOMAIN_XML_INACTIVE
        root = ET.fromstring(dom.XMLDesc(flags))
        for iface in root.iter("interface"):
            a = iface.find("alias")
            mac = iface.find("mac")
            if (a is not None and a.get("name") == nic_alias) or (mac is not None and mac.get("address") == nic_alias):
                link = iface.find("link")
                return link is None or link.get("state") != "down"
        return None

    def undefine_prefix(self, prefix: str) -> list[str]:
        """Destroy and undefine every VM whose name starts with `prefix` (leftovers of a killed lab)."""
        gone = []
        for dom in self.conn.listAllDomains():
            if dom.name().startswith(prefix):
                with contextlib.suppress(libvirt.libvirtError):
                    if dom.isActive():
                        dom.destroy()
                with contextlib.suppress(libvirt.libvirtError):
                    dom.undefine()
                gone.append(dom.name())
        return gone

    def close(self) -> None:
        with contextlib.suppress(Exception):
            for cb in self._callbacks:
                self.conn.domainEventDeregisterAny(cb)
            self.conn.unregisterCloseCallback()
            self.conn.close()


def choose_accel(accel: str, kernel: Path, initrd: Path, cache: Path) -> str:
    """"kvm" or "qemu" (TCG) for libvirt's domain type. `auto` tries KVM once per machine."""
    if accel == "tcg":
        return "qemu"
    if accel == "kvm":
        return "kvm"
    key = f"{os.uname().release} {Path('/dev/kvm').exists()}"
    with contextlib.suppress(OSError, ValueError):
        known = json.loads(cache.read_text())
        if known.get("key") == key:
            return known["type"]
    kind = "qemu"
    if os.access("/dev/kvm", os.R_OK | os.W_OK) and shutil.which("qemu-system-x86_64"):
        argv = ["qemu-system-x86_64", "-machine", "q35,accel=kvm", "-m", "96", "-nodefaults", "-nographic",
                "-no-reboot", "-kernel", str(kernel), "-initrd", str(initrd),
                "-append", "console=ttyS0 quiet panic=-1 altio.role=iodomain altio.name=accel-probe",
                "-serial", "stdio", "-monitor", "none"]
        try:
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError:
            proc = None
        if proc is not None:
            deadline = time.monotonic() + 8
            out = b""
            os.set_blocking(proc.stdout.fileno(), False)
            while time.monotonic() < deadline and b"altio ready" not in out:
                time.sleep(0.1)
                with contextlib.suppress(BlockingIOError, TypeError):
                    out += proc.stdout.read() or b""
            proc.kill()
            proc.wait()
            if b"altio ready" in out:
                kind = "kvm"
    with contextlib.suppress(OSError):
        cache.write_text(json.dumps({"key": key, "type": kind}) + "\n")
    return kind
