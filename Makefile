# altio-hil: set-up, main job and tests. Everything installs into the repository (.venv/, node_modules/).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# faketime: a script agent's entry points share the sim lab's pace (emulators/vcs/agents/script.py)
APT_PACKAGES := libvirt-dev pkg-config faketime
# what the tests need beyond the demo: a real OpenSSH server for the sparc-sim lab (tests start their own),
# and headless Chromium with its driver, in which a test opens the HTML report as a reader does
TEST_APT_PACKAGES := openssh-server openssh-client chromium chromium-driver
# the kvm tier: QEMU, libvirt, the disk path servers, and what the guest image is built from
KVM_APT_PACKAGES := qemu-system-x86 libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients nbdkit \
	busybox-static cpio kmod dmsetup
STAMP := $(VENV)/.bootstrapped

.PHONY: bootstrap test-deps kvm-deps kvm-image demo test lint bench clean

# Idempotent: apt packages (root only, skipped when present), venv, editable install, npm ci.
bootstrap: $(STAMP)

$(STAMP): pyproject.toml package.json package-lock.json
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "apt: installing$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "bootstrap: missing Debian packages:$$missing (run as root or install them)" >&2; exit 2; fi; \
	fi
	@[ -x $(BIN)/python ] || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,kvm]'
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(STAMP)

# The main job: a certification run on the embedded sim lab, with an HTML report.
demo: bootstrap
	$(BIN)/altio-hil run --report reports/demo

# Idempotent: installs only what is missing (root), else says what to install.
test-deps:
	@missing=""; for p in $(TEST_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "apt: installing$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "test-deps: missing Debian packages:$$missing (run as root or install them)" >&2; exit 2; fi; \
	fi

# The kvm tier: Debian packages (root), /dev/kvm as Debian's udev rule leaves it (group kvm, 0660;
# libvirt re-probes QEMU forever when it is root-only), then the guest image (build/kvm/).
kvm-deps: bootstrap
	@missing=""; for p in $(KVM_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "apt: installing$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "kvm-deps: missing Debian packages:$$missing (run as root or install them)" >&2; exit 2; fi; \
	fi
	@if [ -c /dev/kvm ] && [ "$$(id -u)" = 0 ] && [ "$$(stat -c %a /dev/kvm)" = 600 ]; then \
	  getent group kvm >/dev/null || groupadd -r kvm; chgrp kvm /dev/kvm && chmod 660 /dev/kvm && echo "kvm-deps: /dev/kvm is now group kvm, mode 0660"; fi
	$(MAKE) --no-print-directory kvm-image

kvm-image: bootstrap
	$(BIN)/python -m emulators.kvm.image

test: bootstrap test-deps kvm-deps
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

lint: bootstrap
	$(BIN)/ruff check .

bench: bootstrap
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) node_modules reports/*/ .pytest_cache
