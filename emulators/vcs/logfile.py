"""The engine log as the file a shell on a cluster system reads: `tail`, `cat` and `wc` of
/var/VRTSvcs/log/engine_A.log, in process: ``run_tail(lines, argv) -> (rc, stdout, stderr)``.

The file's text is the engine's log lines, each ended by a newline, encoded as UTF-8; `tail -c +N`
answers its bytes from the N-th on (1-based, as GNU and Solaris tail; +0 counts as +1), so a reader
can keep a byte cursor: after reading K bytes from +N it asks for +N+K next (`wc -c` gives where
the file ends now). Any other path is a file that does not exist, with GNU tail's, cat's and wc's
messages. A slice that starts inside a
multi-byte character shows U+FFFD for its first bytes (the log is ASCII but for agents' texts).
"""

from __future__ import annotations

from collections.abc import Sequence

ENGINE_LOG_PATH = "/var/VRTSvcs/log/engine_A.log"

Result = tuple[int, str, str]


def log_bytes(lines: Sequence[str]) -> bytes:
    """The log file's content: every line ended by a newline, UTF-8."""
    return "".join(line + "\n" for line in lines).encode("utf-8")


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _count(word: str, what: str) -> tuple[bool, int]:
    """(from the start, number) of a tail count: ``+N`` counts from the start, ``N`` or ``-N`` from the end."""
    from_start = word.startswith("+")
    digits = word.lstrip("+-")
    if not digits.isdigit():
        raise ValueError(f"tail: invalid number of {what}: '{word}'\n")
    return from_start, int(digits)


def run_tail(lines: Sequence[str], argv: Sequence[str], log_path: str | None = ENGINE_LOG_PATH) -> Result:
    """``tail [-c [+]N | -n [+]N | -N | +N] FILE``; `log_path` None: the system has no engine log."""
    unit, count, files = "lines", (False, 10), []
    args = list(argv)
    try:
        i = 0
        while i < len(args):
            a = args[i]
            if a in ("-c", "-n"):
                if i + 1 >= len(args):
                    return 1, "", f"tail: option requires an argument -- '{a[1]}'\n"
                unit = "bytes" if a == "-c" else "lines"
                count = _count(args[i + 1], unit)
                i += 2
                continue
            if a.startswith(("-c", "-n")) and len(a) > 2:
                unit = "bytes" if a[1] == "c" else "lines"
                count = _count(a[2:], unit)
            elif a == "-f" or a == "-F":
                return 1, "", "tail: following a file is not emulated (read it again from a byte offset)\n"
            elif len(a) > 1 and a[0] in "-+" and a[1:].isdigit():
                unit, count = "lines", _count(a, "lines")
            elif a.startswith("-") and a != "-":
                return 1, "", f"tail: invalid option -- '{a[1:]}'\n"
            else:
                files.append(a)
            i += 1
    except ValueError as exc:
        return 1, "", str(exc)
    if len(files) != 1:
        return 1, "", "tail: give one file (the emulated tail reads the engine log only)\n"
    if log_path is None or files[0] != log_path:
        return 1, "", f"tail: cannot open '{files[0]}' for reading: No such file or directory\n"
    from_start, n = count
    data = log_bytes(lines)
    if unit == "bytes":
        return 0, _text(data[max(n, 1) - 1:] if from_start else (data[-n:] if n else b"")), ""
    rows = data.splitlines(keepends=True)
    rows = rows[max(n, 1) - 1:] if from_start else (rows[-n:] if n else [])
    return 0, _text(b"".join(rows)), ""


def run_cat(lines: Sequence[str], argv: Sequence[str], log_path: str | None = ENGINE_LOG_PATH) -> Result:
    """``cat FILE...``: the engine log for its path, GNU cat's complaint for any other file."""
    out, err = [], []
    for name in argv:
        if log_path is not None and name == log_path:
            out.append(_text(log_bytes(lines)))
        else:
            err.append(f"cat: {name}: No such file or directory\n")
    return (1 if err else 0), "".join(out), "".join(err)


def run_wc(lines: Sequence[str], argv: Sequence[str], log_path: str | None = ENGINE_LOG_PATH) -> Result:
    """``wc [-c] [-l] FILE...`` as GNU wc prints it (``COUNT FILE``; both: lines then bytes)."""
    opts = {ch for a in argv if a.startswith("-") and len(a) > 1 for ch in a[1:]}
    bad = opts - {"c", "l"}
    if bad:
        return 1, "", f"wc: invalid option -- '{sorted(bad)[0]}'\n"
    names = [a for a in argv if not (a.startswith("-") and len(a) > 1)]
    if not names:
        return 1, "", "wc: give a file (the emulated wc reads the engine log only)\n"
    out, err = [], []
    for name in names:
        if log_path is None or name != log_path:
            err.append(f"wc: {name}: No such file or directory\n")
            continue
        data = log_bytes(lines)
        counts = {"l": data.count(b"\n"), "c": len(data)}
        shown = [counts[k] for k in "lc" if k in (opts or {"l", "c"})]
        out.append(" ".join(str(n) for n in shown) + f" {name}\n")
    return (1 if err else 0), "".join(out), "".join(err)
