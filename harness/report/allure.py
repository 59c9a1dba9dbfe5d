"""The Allure 3 HTML report.

`generate_html` renders it with the npm package pinned in package.json, as one self-contained
`index.html` (Awesome plugin, single-file mode, so it opens from disk without a web server), with the
summary page beside it as `summary.html`, reachable two ways: as a global attachment of the report,
and through a link banner injected into `index.html`. The Awesome template's analytics tag (a Google
Tag Manager script) is stripped so that opening a report never reaches the network."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.processes import die_with_parent, pid_alive
from harness.report.errors import ReportError

REPO_ROOT = Path(__file__).resolve().parents[2]



def _properties_escape(text: str, is_key: bool) -> str:
    out = []
    for i, ch in enumerate(str(text)):
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\f":
            out.append("\\f")
        elif ch in "=:#!" and (is_key or i == 0):
            out.append("\\" + ch)
        elif ch == " " and (is_key or i == 0):
            out.append("\\ ")
        elif ord(ch) < 0x20 or ord(ch) > 0x7E:
            out.extend(f"\\u{unit:04x}" for unit in _utf16_units(ch))
        else:
            out.append(ch)
    return "".join(out)


def _utf16_units(ch: str) -> list[int]:
    data = ch.encode("utf-16-be")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def write_allure_environment(allure_dir: str | os.PathLike[str], mapping: Mapping[str, object]) -> Path:
    """Write environment.properties (Java properties syntax) that Allure shows as the run's environment."""
    directory = Path(allure_dir)
    directory.mkdir(parents=True, exist_ok=True)
    lines = [f"{_properties_escape(k, True)}={_properties_escape(v, False)}" for k, v in mapping.items()]
    path = directory / "environment.properties"
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path


SUMMARY_LINK_MARK = "<!-- altio-hil:summary-link -->"
_ANALYTICS = re.compile(
    r"\s*<script[^>]*googletagmanager\.com[^>]*>\s*</script>\s*<script>(?:(?!</script>).)*?gtag\(.*?</script>",
    re.DOTALL,
)


def _summary_banner(title: str) -> str:
    return (
        f"{SUMMARY_LINK_MARK}\n"
        '<a id="altio-hil-summary-link" href="summary.html" title="Failover matrix and scenario timelines" '
        'style="position:fixed;right:16px;bottom:16px;z-index:2147483647;padding:8px 14px;border-radius:18px;'
        "background:#1a73e8;color:#fff;font:600 13px/1.2 Arial,Helvetica,sans-serif;text-decoration:none;"
        f'box-shadow:0 2px 6px rgba(0,0,0,.3)">{html.escape(title, quote=True)}: failover matrix &rarr;</a>\n'
    )


def allure_command() -> list[str]:
    """The command that runs the pinned Allure 3 CLI; ReportError when node or the package is missing."""
    node = shutil.which("node")
    cli = REPO_ROOT / "node_modules" / "allure" / "cli.js"
    if node is None:
        raise ReportError("node (Node.js) is not installed, so the HTML report cannot be rendered: run `make bootstrap`")
    if not cli.is_file():
        raise ReportError(f"the Allure 3 npm package is not installed ({cli} is missing): run `make bootstrap`")
    return [node, str(cli)]


_WORK_PREFIX = ".allure-"  # + the pid of the run that renders: a killed run's folder is recognised


def _remove_dead_work_dirs(parent: Path) -> None:
    """The work folders of renders whose run is gone (killed mid-render)."""
    for entry in parent.glob(f"{_WORK_PREFIX}*-*"):
        pid = entry.name[len(_WORK_PREFIX):].split("-", 1)[0]
        if entry.is_dir() and not entry.is_symlink() and pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


def generate_html(
    allure_results_dir: str | os.PathLike[str],
    html_dir: str | os.PathLike[str],
    summary_html: str | None,
    title: str,
    timeout_s: float = 300.0,
) -> Path:
    """Render the Allure 3 report into html_dir/index.html (single self-contained file) and return its path.

    With `summary_html`, the page is written to html_dir/summary.html, attached to the report as a
    global attachment ("summary.html"), and linked from a fixed banner injected into index.html.
    The files Allure writes replace those of a previous report; anything else in html_dir (such as
    the timeline SVGs the summary links to) is kept. Nothing in html_dir changes when Allure fails.
    """
    results = Path(allure_results_dir)
    out_dir = Path(html_dir)
    if not results.is_dir():
        raise ReportError(f"Allure results directory {results} does not exist")
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportError(f"{out_dir} exists and is not a directory")
    command = allure_command()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_dead_work_dirs(out_dir.parent)
    with tempfile.TemporaryDirectory(prefix=f"{_WORK_PREFIX}{os.getpid()}-", dir=out_dir.parent) as tmp:
        work = Path(tmp)
        staged = work / "html"
        config: dict[str, Any] = {
            "name": title,
            "output": str(staged),
            "plugins": {"awesome": {"options": {"singleFile": True, "reportName": title, "reportLanguage": "en"}}},
        }
        if summary_html is not None:
            attach_dir = work / "attach"
            attach_dir.mkdir()
            (attach_dir / "summary.html").write_text(summary_html, encoding="utf-8")
            config["globalAttachments"] = [str(attach_dir / "summary.html")]
        (work / "allurerc.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
        env = dict(os.environ, ALLURE_NO_ANALYTICS="true", NO_UPDATE_NOTIFIER="1")
        try:
            proc = subprocess.run(
                [*command, "generate", str(results.resolve()), "--config", str(work / "allurerc.json"),
                 "--output", str(staged)],
                cwd=work, env=env, capture_output=True, text=True, timeout=timeout_s, check=False,
                preexec_fn=die_with_parent,
            )
        except subprocess.TimeoutExpired:
            raise ReportError(f"allure generate did not finish within {timeout_s:.0f} s") from None
        index = staged / "index.html"
        if proc.returncode != 0 or not index.is_file():
            tail = "\n".join((proc.stderr or proc.stdout or "").strip().splitlines()[-15:])
            raise ReportError(f"allure generate failed (exit {proc.returncode}) for {results}:\n{tail}")
        page = _ANALYTICS.sub("", index.read_text(encoding="utf-8"), count=1)
        if summary_html is not None:
            (staged / "summary.html").write_text(summary_html, encoding="utf-8")
            banner = _summary_banner(title)
            at = page.rfind("</body>")
            page = page[:at] + banner + page[at:] if at >= 0 else page + banner
        index.write_text(page, encoding="utf-8")
        out_dir.mkdir(parents=True, exist_ok=True)
        if summary_html is None:
            (out_dir / "summary.html").unlink(missing_ok=True)  # never leave a stale summary behind
        for entry in staged.iterdir():  # replace what Allure writes, keep the rest (e.g. timelines/)
            target = out_dir / entry.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
            entry.rename(target)
    return out_dir / "index.html"
