"""The Allure 3 HTML report.

`generate_html` renders it with the npm package pinned in package.json, as one self-contained
`index.html` (Awesome plugin, single-file mode, so it opens from disk without a web server), with the
summary page beside it as `summary.html`, reachable two ways: as a global attachment of the report,
and through a link placed in the report's header bar. With a history file (the report directory's
history.jsonl) every test shows how it did in the reports rendered before into the same place, and the
report its trend. The Awesome template's analytics tag (a Google Tag Manager script) is stripped so
that opening a report never reaches the network.

`scenario_test_ids` names the test of each scenario in the report (its page: `index.html#/<id>`)."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.processes import die_with_parent, pid_alive
from harness.report.errors import ReportError

REPO_ROOT = Path(__file__).resolve().parents[2]
HISTORY_LIMIT = 100  # reports kept in a report directory's history (Allure's historyLimit)
SCENARIO_LABEL = "scenario"  # the Allure label whose value is the scenario's id in results.json



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


def read_allure_environment(allure_dir: str | os.PathLike[str]) -> dict[str, str]:
    """The environment.properties of an Allure results directory ({} when there is none), as
    `write_allure_environment` writes it: one `key=value` a line, Java properties escapes undone."""
    path = Path(allure_dir) / "environment.properties"
    try:
        text = path.read_text(encoding="latin-1")
    except OSError:
        return {}
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith(("#", "!")):
            continue
        parts: list[list[str]] = [[]]
        i = 0
        while i < len(line):
            ch = line[i]
            if ch == "\\" and i + 1 < len(line):
                nxt = line[i + 1]
                if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", line[i + 2:i + 6]):
                    parts[-1].append(chr(int(line[i + 2:i + 6], 16)))
                    i += 6
                    continue
                parts[-1].append({"n": "\n", "r": "\r", "t": "\t", "f": "\f"}.get(nxt, nxt))
                i += 2
                continue
            if ch in "=:" and len(parts) == 1:
                parts.append([])
            else:
                parts[-1].append(ch)
            i += 1
        key = "".join(parts[0]).strip()
        value = "".join(parts[1]) if len(parts) > 1 else ""
        out[key] = value.encode("utf-16", "surrogatepass").decode("utf-16")  # pairs written as two escapes
    return out


def scenario_test_ids(allure_results_dir: str | os.PathLike[str]) -> dict[str, str]:
    """Scenario id (results.json) -> the id of its test in the Allure 3 report, the route of its page in
    the awesome report being `index.html#/<id>`.

    Allure 3 names a test result md5(its uuid) (@allurereport/core, store/convert.js); the scenario is
    the result's `scenario` label, else the parameter id of a parametrized pytest test (`test_x[<id>]`).
    A scenario of several results (retries, the same scenario in several merged runs) gets the latest,
    the one the report shows (the others are listed as its retries)."""
    latest: dict[str, tuple[int, str]] = {}
    for path in sorted(Path(allure_results_dir).rglob("*-result.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(doc, dict) or not doc.get("uuid"):
            continue
        labels = [lb for lb in doc.get("labels") or [] if isinstance(lb, dict)]
        sid = next((str(lb.get("value")) for lb in labels if lb.get("name") == SCENARIO_LABEL), None)
        if sid is None:
            match = re.search(r"\[(.+)\]$", str(doc.get("name") or ""))
            sid = match.group(1) if match else None
        if not sid:
            continue
        when = int(doc.get("stop") or doc.get("start") or 0)
        if sid not in latest or when >= latest[sid][0]:
            latest[sid] = (when, hashlib.md5(str(doc["uuid"]).encode()).hexdigest())
    return {sid: tid for sid, (_, tid) in latest.items()}


SUMMARY_LINK_MARK = "<!-- altio-hil:summary-link -->"
_ANALYTICS = re.compile(
    r"\s*<script[^>]*googletagmanager\.com[^>]*>\s*</script>\s*<script>(?:(?!</script>).)*?gtag\(.*?</script>",
    re.DOTALL,
)


# The link to the summary page: in the report's header bar, left of its layout and theme buttons
# (moved there once Allure has drawn the header, and again whenever Allure draws it anew), so that it
# never covers the footer, the pagination or a test; where no header is found it floats small at the
# bottom right, above the footer. Allure's awesome report sizes an HTML attachment's frame to its
# content by reading the frame's document, which a report opened from disk (file://) may not do: the
# frame then keeps the browser's default 150 px. Such frames get most of the window's height instead.
_BANNER_CSS = (
    "#altio-hil-summary-link{position:fixed;right:16px;bottom:56px;z-index:2147483647;padding:2px 12px;"
    "border-radius:12px;background:#1a73e8;color:#fff;font:600 13px/20px Arial,Helvetica,sans-serif;"
    "text-decoration:none;white-space:nowrap;box-shadow:0 1px 4px rgba(0,0,0,.3)}"
    "#altio-hil-summary-link.altio-hil-in-header{position:static;box-shadow:none;margin:0 12px 0 0;"
    "align-self:center}"
    "#altio-hil-summary-link:hover{background:#1558b0}"
    '[data-testid="html-attachment-preview"] iframe:not([height]){height:75vh;min-height:420px}'
)
_BANNER_JS = """(function(){
var link=document.getElementById("altio-hil-summary-link");
function place(){
  var toggle=document.querySelector('[data-testid="toggle-layout-button"]');
  var bar=toggle&&toggle.parentElement;
  if(bar){if(link.parentElement!==bar||bar.firstChild!==link){bar.insertBefore(link,bar.firstChild);}
          link.className="altio-hil-in-header";}
  else if(link.parentElement!==document.body){document.body.appendChild(link);link.className="";}
}
place();
new MutationObserver(place).observe(document.body,{childList:true,subtree:true});
})();"""


def _summary_banner(title: str) -> str:
    return (
        f"{SUMMARY_LINK_MARK}\n"
        f"<style>{_BANNER_CSS}</style>\n"
        f'<a id="altio-hil-summary-link" href="summary.html" '
        f'title="{html.escape(title, quote=True)}: failures, failover matrix, times and timelines">'
        "Failover matrix &rarr;</a>\n"
        f"<script>{_BANNER_JS}</script>\n"
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
    *,
    attachment_html: str | None = None,
    extra_attachments: Sequence[tuple[str, str | bytes]] = (),
    history_path: str | os.PathLike[str] | None = None,
    history_limit: int = HISTORY_LIMIT,
) -> Path:
    """Render the Allure 3 report into html_dir/index.html (single self-contained file) and return its path.

    With `summary_html`, the page is written to html_dir/summary.html, attached to the report as a
    global attachment ("summary.html"; `attachment_html` if given: the page as the report shows it, in
    a frame that cannot follow links out of it), and linked from the report's header bar.
    `extra_attachments`: more global attachments, (file name, content). `history_path`: the report's
    history (JSON lines, Allure 3's `historyPath`): read for the history and trend of every test and
    appended with this report, so that reports rendered one after the other into the same place show
    how each test did before (the last `history_limit` reports).
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
        attach_dir = work / "attach"
        attach_dir.mkdir()
        attachments: list[tuple[str, str | bytes]] = []
        if summary_html is not None:
            attachments.append(("summary.html", attachment_html if attachment_html is not None else summary_html))
        attachments += list(extra_attachments)
        for name, content in attachments:
            if Path(name).name != name or name in ("", ".", ".."):
                raise ReportError(f"global attachment name {name!r} is not a plain file name")
            target = attach_dir / name
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        if attachments:
            config["globalAttachments"] = [str(attach_dir / name) for name, _ in attachments]
        if history_path is not None:
            history = Path(history_path).resolve()
            history.parent.mkdir(parents=True, exist_ok=True)
            config["historyPath"] = str(history)
            config["historyLimit"] = history_limit
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
