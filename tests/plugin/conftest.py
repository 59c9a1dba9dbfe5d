"""Set-up for the tests of the altio-hil pytest plugin and of `altio-hil run` (helpers: altio_runs.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from altio_runs import ALTIO_VARS, AltioEnv


def pytest_configure(config: pytest.Config) -> None:
    # `pytest_plugins = ["pytester"]` is refused in a conftest below the rootdir once the whole
    # project is collected ("non-top-level conftest"); registering it here works in both cases.
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")


@pytest.fixture
def altio_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AltioEnv:
    env = AltioEnv(tmp_path / "altio")
    for key, value in env.environ().items():
        monkeypatch.setenv(key, value)
    for key in ALTIO_VARS:
        monkeypatch.delenv(key, raising=False)
    return env
