"""The command shims' fast path (emulators/shim.py): a request written without `json`, the daemon's
raw reply, and the JSON refusal it falls back to. Unit level: a socket server stands in for the lab."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from emulators.shim import LabUnreachable, _exec_raw, _json_text, raw_reply


@pytest.mark.parametrize("text", ['a"b\\c', "x\ny\x01\x7f", "é€ ok", "\udcff", "", "hagrp -state"])
def test_request_strings_are_json_strings(text):
    assert json.loads(_json_text(text)) == text


def _serve_once(path: str, answer) -> threading.Thread:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)

    def run() -> None:
        conn, _ = server.accept()
        with conn, server:
            data = b""
            while not data.endswith(b"\n"):
                data += conn.recv(65536)
            conn.sendall(answer(json.loads(data)))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_raw_reply_round_trip_keeps_bytes_and_exit_code(tmp_path):
    path = str(tmp_path / "s")
    seen = {}

    def answer(request):
        seen.update(request)
        return raw_reply({"rc": 7, "out": "line 1\nünïcode \udcff\n", "err": "VCS WARNING V-16-1-40131 x\n"})

    thread = _serve_once(path, answer)
    rc, out, err = _exec_raw(path, "primary1", ["hagrp", "-state", 'g "1"'])
    thread.join(5)
    assert seen == {"op": "exec", "reply": "raw", "system": "primary1", "argv": ["hagrp", "-state", 'g "1"']}
    assert (rc, out, err) == (7, "line 1\nünïcode ".encode() + b"\xff\n", b"VCS WARNING V-16-1-40131 x\n")


def test_a_json_refusal_is_passed_on_and_silence_is_unreachable(tmp_path):
    path = str(tmp_path / "s")
    thread = _serve_once(path, lambda _r: json.dumps({"rc": 2, "out": "", "err": "exec: bad\n"}).encode())
    assert _exec_raw(path, "primary1", ["hagrp"]) == (2, b"", b"exec: bad\n")
    thread.join(5)
    thread = _serve_once(path + "2", lambda _r: b"")
    with pytest.raises(LabUnreachable):
        _exec_raw(path + "2", "primary1", ["hagrp"])
    thread.join(5)
    with pytest.raises(LabUnreachable):
        _exec_raw(str(tmp_path / "nobody"), "primary1", ["hagrp"])
