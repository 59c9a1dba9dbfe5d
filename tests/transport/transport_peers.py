"""Where the fake peers live and the secrets they expect (shared by the transport tests)."""

from __future__ import annotations

import sys
from pathlib import Path

PEERS = Path(__file__).parent / "peers"
FAKE_SSH = (sys.executable, str(PEERS / "fake_ssh.py"))
CONSOLE_PASSWORD = "console-Secret-42"  # the fake vntsd's root password (see the fakebin fixture)
