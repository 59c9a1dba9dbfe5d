"""The image every VM of a kvm lab boots: Debian's cloud kernel and a busybox initramfs.

Built locally from Debian packages (no download outside the distribution's archive), once, into
`build/kvm/` (or $ALTIO_KVM_IMAGE_DIR): `python -m emulators.kvm.image` or `make kvm-image`.

- the kernel: `linux-image-*-cloud-amd64`, fetched with `apt-get download` and unpacked (nothing is
  installed on the host);
- the initramfs: busybox-static, `dmsetup` with the libraries it links, the modules the VMs need
  (virtio PCI/blk/net, dm-multipath, bonding) with their dependencies and a modules.dep, and
  `guest/init` as /init. The kernel command line tells /init which role the VM plays.

`image.json` beside them records the kernel version and the inputs' checksums; `ensure()` rebuilds
only when /init or the module list changed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from emulators.kvm import KvmSetupError

ROOT = Path(__file__).resolve().parents[2]
INIT = Path(__file__).with_name("guest") / "init"
MODULES = ("virtio_pci", "virtio_blk", "virtio_net", "dm-multipath", "dm-round-robin", "bonding")
PROGRAMS = ("/usr/sbin/dmsetup",)


class ImageError(KvmSetupError):
    """The image cannot be built here (a package or a tool is missing); the message says which."""


@dataclass(frozen=True)
class Image:
    kernel: Path
    initrd: Path
    version: str


def image_dir() -> Path:
    return Path(os.environ.get("ALTIO_KVM_IMAGE_DIR") or ROOT / "build" / "kvm")


def _run(argv: list[str], cwd: Path | None = None) -> str:
    try:
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise ImageError(f"{argv[0]} is not installed (make bootstrap installs it)") from exc
    if proc.returncode != 0:
        raise ImageError(f"{' '.join(argv)} failed: {proc.stderr.strip()[-400:]}")
    return proc.stdout


def kernel_package() -> str:
    """The versioned package the cloud kernel meta-package depends on (linux-image-6.1.0-N-cloud-amd64)."""
    out = _run(["apt-cache", "depends", "linux-image-cloud-amd64"])
    for line in out.splitlines():
        if not line.strip().startswith("Depends:"):
            continue
        dep = line.strip().removeprefix("Depends:").strip()
        if dep.startswith("linux-image-") and dep.endswith("-cloud-amd64"):
            return dep
    raise ImageError("apt-cache knows no linux-image-cloud-amd64 (run apt-get update)")


def _inputs_digest() -> str:
    h = hashlib.sha256(INIT.read_bytes() + Path(__file__).read_bytes())
    h.update(repr((MODULES, PROGRAMS)).encode())
    return h.hexdigest()[:16]


def _module_closure(moddir: Path, names: tuple[str, ...]) -> list[Path]:
    """The module files of `names` and of everything they depend on (built-ins need no file)."""
    files: dict[str, Path] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        out = subprocess.run(["modinfo", "-b", str(moddir.parents[2]), "-k", moddir.name, "-F", "filename", name],
                             capture_output=True, text=True, check=False).stdout.split()
        if not out or out[0] == "(builtin)" or not out[0].startswith("/"):
            continue
        path = Path(out[0])
        if path.name in files:
            continue
        files[path.name] = path
        deps = _run(["modinfo", "-F", "depends", str(path)]).strip()
        todo.extend(d for d in deps.split(",") if d)
    return list(files.values())


def _libraries(program: str) -> list[Path]:
    libs = []
    for line in _run(["ldd", program]).splitlines():
        parts = line.split()
        for p in parts:
            if p.startswith("/"):
                libs.append(Path(p))
                break
    return libs


def build(dest: Path | None = None, log=print) -> Image:
    """Build the kernel and initramfs into `dest` (default `image_dir()`); returns where they are."""
    dest = dest or image_dir()
    dest.mkdir(parents=True, exist_ok=True)
    if not Path("/bin/busybox").exists():
        raise ImageError("busybox is not installed (Debian package busybox-static; make bootstrap installs it)")
    package = kernel_package()
    with tempfile.TemporaryDirectory(prefix="altio-image-") as tmp:
        work = Path(tmp)
        log(f"image: fetching {package} (apt-get download)")
        _run(["apt-get", "download", "-q", package], cwd=work)
        deb = next(work.glob("linux-image-*.deb"))
        unpacked = work / "deb"
        _run(["dpkg-deb", "-x", str(deb), str(unpacked)])
        version = package.removeprefix("linux-image-")
        kernel = next((unpacked / "boot").glob("vmlinuz-*"))
        moddir = unpacked / "lib" / "modules" / version
        _run(["depmod", "-b", str(unpacked), version])  # the package ships no modules.dep
        rootfs = work / "root"
        for d in ("bin", "sbin", "proc", "sys", "dev", "tmp", "etc", "lib64", f"lib/modules/{version}"):
            (rootfs / d).mkdir(parents=True, exist_ok=True)
        shutil.copy2("/bin/busybox", rootfs / "bin" / "busybox")
        for applet in _run(["/bin/busybox", "--list"]).split():
            link = rootfs / "bin" / applet
            if not link.exists():
                link.symlink_to("busybox")
        for program in PROGRAMS:
            if not Path(program).exists():
                raise ImageError(f"{program} is not installed (Debian package dmsetup; make bootstrap installs it)")
            shutil.copy2(program, rootfs / "sbin" / Path(program).name)
            for lib in _libraries(program):
                target = rootfs / lib.relative_to("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(lib, target)
        for mod in _module_closure(moddir, MODULES):
            target = rootfs / mod.relative_to(unpacked)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(mod, target)
        for meta in ("modules.order", "modules.builtin", "modules.builtin.modinfo"):
            if (moddir / meta).exists():
                shutil.copy2(moddir / meta, rootfs / "lib" / "modules" / version / meta)
        _run(["depmod", "-b", str(rootfs), version])
        shutil.copy2(INIT, rootfs / "init")
        os.chmod(rootfs / "init", 0o755)
        files = subprocess.run(["find", "."], cwd=rootfs, capture_output=True, text=True, check=True).stdout
        cpio = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=rootfs, input=files.encode(),
                              capture_output=True, check=False)
        if cpio.returncode != 0:
            raise ImageError(f"cpio failed: {cpio.stderr.decode()[-300:]}")
        (dest / "initrd.img.tmp").write_bytes(gzip.compress(cpio.stdout, compresslevel=6))
        shutil.copy2(kernel, dest / "vmlinuz.tmp")
    os.replace(dest / "initrd.img.tmp", dest / "initrd.img")
    os.replace(dest / "vmlinuz.tmp", dest / "vmlinuz")
    (dest / "image.json").write_text(json.dumps({"kernel": version, "inputs": _inputs_digest()}) + "\n")
    log(f"image: {dest}/vmlinuz ({version}) and initrd.img ready")
    return Image(dest / "vmlinuz", dest / "initrd.img", version)


def ensure(dest: Path | None = None, log=print) -> Image:
    """The image, built first when missing or when its inputs changed."""
    dest = dest or image_dir()
    try:
        meta = json.loads((dest / "image.json").read_text())
    except (OSError, ValueError):
        meta = {}
    if meta.get("inputs") == _inputs_digest() and (dest / "vmlinuz").exists() and (dest / "initrd.img").exists():
        return Image(dest / "vmlinuz", dest / "initrd.img", meta.get("kernel", "?"))
    return build(dest, log=log)


def main() -> int:
    try:
        image = ensure()
    except ImageError as exc:
        print(f"altio-hil: kvm image: {exc}", file=sys.stderr)
        return 2
    print(f"{image.kernel}\n{image.initrd}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
