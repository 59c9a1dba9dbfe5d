"""The altio-hil pytest plugin: options, fixtures, markers and hooks for fault-injection suites.

Registered as a pytest11 entry point, so it is loaded by every pytest run in the virtual env; it
does nothing until a test asks for one of its fixtures (all named `altio_*`).

Options
  --lab INVENTORY         lab description (default: the seed's two-node cluster on sim)
  --target sim|kvm|sparc  override the inventory's target
  --monitor NAME          the monitor under test: alternateio | legacy-primary-only
  --seed S                seed for the randomized schedule and any random choice (printed, reported)
  --allow-destructive     allow tests marked `destructive` on shared labs (kvm, sparc)
  --altio-report DIR      write DIR/results.json (the run's scenarios) at the end of the session
  --altio-shard K/N       run only the K-th of N deterministic shares of the scenarios
  --altio-collect PATH    write the selected scenarios (id, suite, row, faults, plan) as JSON

Fixtures
  altio_lab (session)     the loaded inventory + main.cf (harness.inventory.Lab)
  altio_topology/oracle   questions about the lab's configuration; the expected outcomes
  altio_target            a booted target; on sim a fresh in-process lab per test (each xdist
                          worker has its own labs); faults injected through it are healed at teardown
  altio_faults            inject(kind, where) with guaranteed heal
  altio_timeline          the target's timeline
  altio_report            Allure steps and attachments
  altio_scenario          the scenario a parametrized suite test plays (see `altio_matrix` marker)
  altio_nemesis_step      a step of the randomized schedule (one test per step, harness/nemesis.py)
  altio_nemesis (module)  the lab the schedule's steps play on, in order; healed when they are over
  altio_record            record a results.json scenario dict
  (altio_play, altio_save_timeline, altio_lab_faults: the suites' own, in the root conftest.py)

Markers
  altio_matrix(NAME)      parametrize `altio_scenario` with the scenarios NAME ("failover", "combo")
  altio_row(ROW)          the reference-table row a test covers (S1..D4), added to every scenario test
  destructive             kills domains or powers nodes off; on shared labs needs --allow-destructive
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

import pytest

from harness.faults import Fault, FaultLedger
from harness.inventory import DEFAULT_INVENTORY, InventoryError, Lab, load_inventory
from harness.monitor_arg import MONITOR_HELP, parse_monitor
from harness.oracle import Oracle, Topology
from harness.scenario_items import contract_result, describe_item
from harness.scenarios import combined_faults, failover_matrix
from harness.timing import LabTiming, Windows


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("altio-hil", "AlternateIO hardware-in-the-loop harness")
    g.addoption("--lab", default=None, help="lab inventory (default: inventories/sim-2node.yaml)")
    g.addoption("--target", default=None, choices=("sim", "kvm", "sparc"), help="override the inventory's target")
    g.addoption("--monitor", default="alternateio", type=parse_monitor, help=MONITOR_HELP)
    g.addoption("--seed", type=int, default=None, help="seed of the randomized schedule (default: random, printed)")
    g.addoption("--allow-destructive", action="store_true", help="allow destructive tests on shared labs")
    g.addoption("--altio-report", default=None, help="write results.json for the session into this directory")
    g.addoption("--altio-shard", default=None, metavar="K/N", type=parse_shard,
                help="run only the K-th of N deterministic shares of the scenarios (same seed, same split)")
    g.addoption("--altio-collect", default=None, metavar="PATH",
                help="write the selected scenarios (id, suite, row, faults, plan) to PATH as JSON (with --collect-only)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "altio_matrix(name): parametrize altio_scenario with a scenario family")
    config.addinivalue_line("markers", "altio_row(row): reference-table row covered by the test")
    config.addinivalue_line("markers", "destructive: kills domains or powers nodes off")
    config.addinivalue_line("markers", "xdist_group(name): pytest-xdist's group (set on shared-lab tests)")
    seed = config.getoption("--seed")
    if seed is None and hasattr(config, "workerinput"):
        seed = config.workerinput.get("altio_seed")  # the controller's seed (pytest_configure_node)
    if seed is None:
        # one random seed for the whole session; ALTIO_HIL_SEED is read (a user may set it) but never
        # written: an exported seed would leak into every pytest started below this one
        seed = int(os.environ.get("ALTIO_HIL_SEED") or random.SystemRandom().randrange(1, 2**31))
    config._altio_seed = seed  # type: ignore[attr-defined]
    # module state survives between sessions of one process (pytest.main twice, pytester in-process)
    for state in (_CONTROLLER_RESULTS, _HARNESS_ERRORS, _COLLECTION_ERRORS, _FAILED_TESTS, _NOT_RUN, REFUSAL):
        state.clear()
    _PROGRESS.update(done=0, total=None, worker=hasattr(config, "workerinput"))
    if _asked_for(config) and getattr(config.option, "dist", "no") != "no":
        try:
            kind = target_kind(config, load_lab(config))
        except pytest.UsageError:
            kind = "sim"  # a bad inventory is reported at session start
        if kind in ("sparc", "kvm") and not hasattr(config, "workerinput"):
            # the session holds the lab (a sparc lab's lease and SSH sessions, the kvm lab it started)
            raise pytest.UsageError(f"a {kind} lab is driven by one process: run without -n/--dist")
        if config.option.dist != "loadgroup":
            # one worker per shared lab, and the randomized schedule's steps on one worker, in order
            # (see pytest_collection_modifyitems); the other tests are spread as --dist load does
            config.option.dist = "loadgroup"


def pytest_unconfigure(config: pytest.Config) -> None:
    shared = config.stash.get(SHARED_TARGET, None)
    if shared is not None:
        config.stash[SHARED_TARGET] = None
        shared.close()  # heals, puts the lab's timing back, releases its lease
    lock = getattr(config, "_altio_lock", None)
    if lock is not None:
        lock.release()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """pytest-xdist: every worker plays with the controller's seed, random or not."""
    node.workerinput["altio_seed"] = _seed(node.config)


def _seed(config: pytest.Config) -> int:
    return int(config._altio_seed)  # type: ignore[attr-defined]


def _lab_path(config: pytest.Config) -> Path:
    return Path(config.getoption("--lab") or DEFAULT_INVENTORY)


_LABS: dict[Path, Lab] = {}


def load_lab(config: pytest.Config) -> Lab:
    path = _lab_path(config).resolve()
    if path not in _LABS:
        try:
            _LABS[path] = load_inventory(path)
        except InventoryError as exc:
            raise pytest.UsageError(f"bad inventory:\n{exc}") from None
    return _LABS[path]


def target_kind(config: pytest.Config, lab: Lab) -> str:
    return config.getoption("--target") or lab.inventory.target


def parse_shard(text: str) -> tuple[int, int]:
    """"K/N" -> (K, N), 1 <= K <= N."""
    import argparse

    k, sep, n = str(text).partition("/")
    if sep and k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n) <= 10_000:
        return int(k), int(n)
    raise argparse.ArgumentTypeError(f"a shard is K/N with 1 <= K <= N (e.g. 2/4), not '{str(text)[:40]}'")


def shard_of(items: list[pytest.Item], k: int, n: int) -> list[pytest.Item]:
    """The K-th of N shares of the items: every N-th of them in collection order (which the lab and
    the seed alone decide), starting at the K-th, so that each share has some of every suite."""
    return [item for i, item in enumerate(items) if i % n == k - 1]


NEMESIS_GROUP = "altio-nemesis"


def _topology(config: pytest.Config) -> Topology:
    lab = load_lab(config)
    return lab.__dict__.setdefault("_altio_topology", Topology(lab.config, lab.nodes))


def nemesis_schedule(config: pytest.Config):
    """The randomized schedule of this session (its seed, the lab's faults the target allows)."""
    from harness.nemesis import lab_faults, schedule

    lab = load_lab(config)
    kind = target_kind(config, lab)
    destructive_ok = kind == "sim" or destructive_refusal(config, lab, kind) is None
    return schedule(_seed(config), lab_faults(_topology(config), destructive_ok), _topology(config))


def _asked_for(config: pytest.Config) -> bool:
    """Whether this session was pointed at a lab (the plugin stays silent in unrelated pytest runs)."""
    return any(config.getoption(o) is not None for o in ("--lab", "--altio-report", "--seed", "--target"))


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    if not _asked_for(config):
        return None
    try:
        target = target_kind(config, load_lab(config))
    except pytest.UsageError:  # a bad inventory: said once, at session start
        target = config.getoption("--target") or "?"
    return [f"altio-hil: lab {_lab_path(config)}, target {target}, monitor {config.getoption('--monitor')}, "
            f"seed {_seed(config)}"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "altio_nemesis_step" in metafunc.fixturenames:
        from harness.nemesis import per_guest

        steps = per_guest(nemesis_schedule(metafunc.config), _topology(metafunc.config))
        metafunc.parametrize("altio_nemesis_step", [
            pytest.param(s, id=s.id, marks=[pytest.mark.destructive] if s.fault.destructive else [])
            for s in steps])
        return
    if "altio_scenario" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("altio_matrix")
    family = marker.args[0] if marker else "failover"
    lab = load_lab(metafunc.config)
    topo = Topology(lab.config, lab.nodes)
    scenarios = {"failover": failover_matrix, "combo": combined_faults}[family](topo)
    params = [pytest.param(s, id=s.id, marks=[pytest.mark.altio_row(s.row)]
                           + ([pytest.mark.destructive] if any(f.destructive for f in s.faults) else []))
              for s in scenarios]
    metafunc.parametrize("altio_scenario", params)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Heal what a killed run left behind on this lab before anything else runs."""
    config = session.config
    if not _asked_for(config):
        return
    if hasattr(config, "workerinput"):
        return  # the controller does it once
    if config.option.collectonly:
        return  # a listing (--altio-collect): no lab is touched, no lease taken
    if config.getoption("--altio-report"):
        # until the session ends, the results say "interrupted": a run killed (SIGKILL, power cut)
        # before its end leaves that behind, never a partial list that reads as green
        _write_results(config, [], "interrupted", [])
    lab = load_lab(config)
    kind = target_kind(config, lab)
    if kind != "sim":
        from harness.lab_lock import LabBusy, LabLock

        lock = LabLock(lab.name, kind)
        try:
            lock.acquire()
        except LabBusy as exc:
            pytest.exit(f"altio-hil: {exc}", returncode=3)
        config._altio_lock = lock  # type: ignore[attr-defined]
        _open_shared_target(config, lab, kind)
        return
    ledger = FaultLedger.for_lab(lab.name, kind)
    leftovers = ledger.entries()
    if leftovers:
        from harness.targets import heal_leftovers

        healed = heal_leftovers(lab, kind, ledger)
        tr = config.pluginmanager.get_plugin("terminalreporter")
        if tr is not None and healed:  # faults of a run still going on are not leftovers
            tr.write_line(f"altio-hil: healed {len(healed)} fault(s) left by an earlier run: "
                          + ", ".join(map(str, healed)), yellow=True)


SHARED_GROUP = "altio-shared-lab"
SHARED_TARGET = pytest.StashKey[object]()
# why the session refused its lab before any test ran ({} when it did not): pytest's own exit codes
# (2 interrupted, 3 internal error) overlap ours, so `altio-hil run` reads this instead
REFUSAL: dict = {}


def destructive_refusal(config: pytest.Config, lab: Lab, kind: str) -> str | None:
    """Why a destructive test may not run on this shared lab (None: it may).

    A real lab needs two keys: the lab owner's consent in the inventory (`sparc.destructive: true`)
    and the operator's `--allow-destructive`. An emulated lab has nothing real to break: the
    inventory's consent is enough."""
    if kind == "kvm":
        return None  # a kvm lab is the run's own VMs: nothing of anyone else's to break
    sparc = lab.inventory.sparc
    consent = bool(sparc and sparc.destructive)
    if not consent:
        return (f"destructive scenario not run on the shared {kind} lab {lab.name}: "
                "its inventory does not allow it (sparc.destructive: true)")
    if not (sparc and sparc.emulated) and not config.getoption("--allow-destructive"):
        return f"destructive scenario not run on the real lab {lab.name}: pass --allow-destructive"
    return None


def _open_shared_target(config: pytest.Config, lab: Lab, kind: str) -> None:
    """Open a shared lab once for the session: connect, take its lease, heal a killed run's leftovers,
    apply the inventory's timing. Bad input exits 2, an unusable lab 3, before any test runs."""
    from harness.targets import BadLabInput, InfrastructureError, open_target

    try:
        target = open_target(lab, kind, config.getoption("--monitor"), _seed(config))
    except BadLabInput as exc:
        REFUSAL.update(code=2, reason=str(exc))
        pytest.exit(f"altio-hil: {exc}", returncode=2)
    except InfrastructureError as exc:
        REFUSAL.update(code=3, reason=str(exc))
        pytest.exit(f"altio-hil: infrastructure error: {exc}", returncode=3)
    config.stash[SHARED_TARGET] = target
    healed = getattr(target, "healed_leftovers", [])
    tr = config.pluginmanager.get_plugin("terminalreporter")
    if tr is not None and healed:
        tr.write_line(f"altio-hil: healed {len(healed)} fault(s) left by an earlier run: "
                      + ", ".join(map(str, healed)), yellow=True)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a shared lab (kvm, sparc) every test that touches it goes to one xdist worker, in order.

    `--dist loadgroup` (set in pytest_configure) sends a group to a single worker; the lab lock
    (taken in pytest_sessionstart) keeps other runs away.
    """
    if not _asked_for(config):
        return
    lab = load_lab(config)
    shard = config.getoption("--altio-shard")
    if shard is not None:
        keep = shard_of(items, *shard)
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep
    shared = target_kind(config, lab) != "sim"
    for item in items:
        if not any(name.startswith("altio_") for name in getattr(item, "fixturenames", ())):
            continue
        if shared:
            item.add_marker(pytest.mark.xdist_group(SHARED_GROUP))
        elif "altio_nemesis_step" in item.fixturenames:
            item.add_marker(pytest.mark.xdist_group(NEMESIS_GROUP))
        describe_item(item, _topology(config)).mark(item)


def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    if not hasattr(config, "workerinput"):
        _PROGRESS["total"] = len(session.items)
    out = config.getoption("--altio-collect")
    if out and _asked_for(config):
        listing = [describe_item(i, _topology(config)).listing(i) for i in session.items
                   if any(n.startswith("altio_") for n in getattr(i, "fixturenames", ()))]
        Path(out).write_text(json.dumps(listing, indent=1) + "\n", encoding="utf-8")


# -- fixtures ------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def altio_lab(pytestconfig: pytest.Config) -> Lab:
    return load_lab(pytestconfig)


@pytest.fixture(scope="session")
def altio_topology(altio_lab: Lab) -> Topology:
    return Topology(altio_lab.config, altio_lab.nodes)


@pytest.fixture(scope="session")
def altio_windows(pytestconfig: pytest.Config, altio_lab: Lab) -> Windows:
    """How long scenarios watch, from the lab's timing as it runs (read from the lab on shared ones)."""
    shared = pytestconfig.stash.get(SHARED_TARGET, None)
    if shared is not None:
        return Windows.from_timing(shared.timing(), membership_s=shared.membership_s)
    return Windows.from_timing(LabTiming.from_config(altio_lab.config, altio_lab.inventory.timing.type_overrides()))


@pytest.fixture(scope="session")
def altio_oracle(altio_topology: Topology, altio_windows: Windows) -> Oracle:
    return Oracle(altio_topology, altio_windows)


@pytest.fixture(scope="session")
def altio_seed(pytestconfig: pytest.Config) -> int:
    return _seed(pytestconfig)


@pytest.fixture(scope="session")
def altio_monitor(pytestconfig: pytest.Config) -> str:
    return pytestconfig.getoption("--monitor")


@pytest.fixture
def altio_target(request: pytest.FixtureRequest, altio_lab: Lab, altio_monitor: str, altio_seed: int):
    """A booted target. Whatever the test does, every fault injected through it is healed after."""
    from harness.targets import InfrastructureError, open_target

    config = request.config
    _allure_labels(request, altio_lab, altio_monitor)
    kind = target_kind(config, altio_lab)
    if kind != "sim" and request.node.get_closest_marker("destructive"):
        refusal = destructive_refusal(config, altio_lab, kind)
        if refusal:
            pytest.skip(refusal)
    shared = config.stash.get(SHARED_TARGET, None)
    if shared is not None:
        mark = shared.transcript_mark()
        try:
            yield shared
        finally:
            try:
                shared.heal_all()  # the lab stays open for the next test; what this one broke does not
            finally:
                transcript = shared.transcript_since(mark)
                if transcript:
                    AllureReport().attach(shared.transcript_title, transcript)
        return
    try:
        target = open_target(altio_lab, kind, altio_monitor, altio_seed)
    except InfrastructureError as exc:  # a lab that cannot be had is not a product failure: no traceback
        raise pytest.fail.Exception(f"infrastructure error: {exc}", pytrace=False) from None
    try:
        yield target
    finally:
        target.close()  # heals, even on failure or KeyboardInterrupt


@pytest.fixture
def altio_timeline(altio_target):
    return altio_target.timeline


class _Faults:
    def __init__(self, target) -> None:
        self.target = target

    def inject(self, kind: str, where: str) -> Fault:
        fault = Fault(kind, where)
        self.target.inject(fault)
        return fault

    def heal(self, fault: Fault) -> None:
        self.target.heal(fault)


@pytest.fixture
def altio_faults(altio_target):
    faults = _Faults(altio_target)
    try:
        yield faults
    finally:
        altio_target.heal_all()


@pytest.fixture(scope="module")
def altio_nemesis(request: pytest.FixtureRequest, altio_lab: Lab, altio_oracle: Oracle, altio_monitor: str,
                  altio_seed: int):
    """The lab the randomized schedule's steps play on, one after the other (harness.nemesis.Nemesis):
    the session's shared lab, or on sim a lab of this process's own. Whatever happens, every fault in
    force is healed when the module's tests are over."""
    from harness.nemesis import Nemesis
    from harness.targets import InfrastructureError, open_target

    shared = request.config.stash.get(SHARED_TARGET, None)
    if shared is not None:
        try:
            yield Nemesis(shared, altio_oracle, nemesis_schedule(request.config))
        finally:
            shared.heal_all()
        return
    try:
        target = open_target(altio_lab, target_kind(request.config, altio_lab), altio_monitor, altio_seed)
    except InfrastructureError as exc:
        raise pytest.fail.Exception(f"infrastructure error: {exc}", pytrace=False) from None
    try:
        yield Nemesis(target, altio_oracle, nemesis_schedule(request.config))
    finally:
        target.close()  # heals, even on failure or KeyboardInterrupt


class AllureReport:
    """Steps and attachments into allure-pytest (a no-op when allure is not collecting)."""

    def step(self, title: str):
        import allure

        return allure.step(title)

    def attach(self, name: str, body: str, kind: str = "text") -> None:
        import allure

        types = {"text": allure.attachment_type.TEXT, "svg": allure.attachment_type.SVG,
                 "html": allure.attachment_type.HTML, "json": allure.attachment_type.JSON}
        allure.attach(body, name=name, attachment_type=types.get(kind, allure.attachment_type.TEXT))


def _allure_labels(request: pytest.FixtureRequest, lab: Lab, monitor: str) -> None:
    """Label a test with its lab, target, monitor and row, once, whichever altio fixture comes first
    (the entry-point contract tests use altio_target without altio_report)."""
    if getattr(request.node, "_altio_labelled", False):
        return
    request.node._altio_labelled = True
    import allure

    kind = target_kind(request.config, lab)
    listener = request.config.pluginmanager.get_plugin("allure_listener")
    if listener is not None:  # Allure's "host": the lab the test ran on, not this machine's name
        listener._host = f"{lab.name} ({kind})"
    allure.dynamic.label("lab", lab.name)
    allure.dynamic.label("target", kind)
    allure.dynamic.label("monitor", monitor)
    allure.dynamic.parent_suite(f"{lab.name} ({kind}, {monitor})")
    row = request.node.get_closest_marker("altio_row")
    if row:
        allure.dynamic.label("row", row.args[0])


@pytest.fixture
def altio_report(request: pytest.FixtureRequest, altio_lab: Lab, altio_monitor: str) -> AllureReport:
    _allure_labels(request, altio_lab, altio_monitor)
    return AllureReport()


@pytest.fixture
def altio_record(request: pytest.FixtureRequest):
    """Record one results.json scenario; it travels to the controller in the test report."""

    def record(result: dict) -> None:
        info = getattr(request.node, "_altio_info", None)
        if info is not None:
            result = {"suite": info.suite, **result, "test": request.node.nodeid}
        request.node.user_properties.append(("altio_result", json.dumps(result)))

    return record


# -- collecting results ------------------------------------------------------------------------------------

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Tell a harness failure from a verdict: a test that broke on anything but an assertion or an
    explicit `pytest.fail` (an exception in a fixture, a report that cannot be written, ...) says
    nothing about the monitor. It is marked here and counted apart (results.json `harness_errors`)."""
    outcome = yield
    report = outcome.get_result()
    exc = call.excinfo
    broke = report.failed and exc is not None and not exc.errisinstance((AssertionError, pytest.fail.Exception))
    if broke:
        entry = exc.traceback[-1] if exc.traceback else None
        where = f" ({Path(str(entry.path)).name}:{entry.lineno + 1})" if entry is not None else ""
        report.user_properties.append(("altio_harness_error", f"{exc.typename}: {exc.value}{where}"[:2000]))
    info = getattr(item, "_altio_info", None)
    if info is None:
        return
    if report.skipped:  # a scenario refused on this lab (destructive): one unit, not run, with its reason
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.user_properties.append(("altio_not_run", json.dumps(
            {"id": info.id, "test": item.nodeid, "suite": info.suite, "reason": reason.removeprefix("Skipped: ")})))
    elif call.when == "call" and info.suite == "contract" and not any(
            k == "altio_result" for k, _ in report.user_properties):
        result = contract_result(info, item, report)
        if broke:
            result["verdict"] = "error"
        result["test"] = item.nodeid
        clock0 = getattr(item, "_altio_clock0", None)
        target = getattr(item, "funcargs", {}).get("altio_target")
        if clock0 is not None and target is not None:
            result["clock_s"] = round(max(0.0, target.now() - clock0), 3)
        report.user_properties.append(("altio_result", json.dumps(result)))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """The scenario as Allure's parameters (the raw repr of the scenario object hidden)."""
    info = getattr(item, "_altio_info", None)
    if info is None or not _allure_on(item.config):
        return
    import allure

    for name in ("altio_scenario", "altio_nemesis_step"):
        if name in getattr(getattr(item, "callspec", None), "params", {}):
            allure.dynamic.parameter(name, info.id, mode=allure.parameter_mode.HIDDEN)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    info = getattr(item, "_altio_info", None)
    if info is None:
        return
    target = getattr(item, "funcargs", {}).get("altio_target")
    if target is not None:
        item._altio_clock0 = target.now()  # type: ignore[attr-defined]
    if _allure_on(item.config):
        info.apply_allure()


def _allure_on(config: pytest.Config) -> bool:
    return bool(getattr(config.option, "allure_report_dir", None))


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_fixture_setup(fixturedef, request):
    """allure-pytest reports every finalizer of a fixture as a teardown step; pytest's own (a lambda
    that forgets the fixture's value) is noise with no status: hand it back unwrapped, and name the
    teardown of our yield fixtures."""
    yield
    finalizers = getattr(fixturedef, "_finalizers", None)
    for i, fin in enumerate(finalizers or ()):
        inner = getattr(fin, "_fixture_function", None)
        if inner is None:
            continue
        if getattr(inner, "__name__", "") == "<lambda>":
            finalizers[i] = inner
        elif fixturedef.argname.startswith("altio_"):
            fin._name = f"{fixturedef.argname}: teardown"


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """A suite that cannot be collected (a lab its fixtures cannot read) is a harness error, not an
    interruption: keep its cause for results.json and the terminal."""
    if report.failed:
        lines = [ln[1:].strip() for ln in report.longreprtext.splitlines() if ln.startswith("E ")]
        _COLLECTION_ERRORS.append({"test": report.nodeid or "collection",
                                   "error": ("; ".join(lines) or report.longreprtext.strip()[-500:])[:2000]})


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for key, value in report.user_properties:
        if key == "altio_result" and report.when == "call":
            _CONTROLLER_RESULTS.append(json.loads(value))
        if key == "altio_not_run":
            _NOT_RUN.append(json.loads(value))
        if key == "altio_harness_error":
            _HARNESS_ERRORS.append({"test": report.nodeid, "error": value})
    if report.failed:
        _FAILED_TESTS.add(report.nodeid)
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _progress(report)


_CONTROLLER_RESULTS: list[dict] = []
_HARNESS_ERRORS: list[dict] = []
_COLLECTION_ERRORS: list[dict] = []
_FAILED_TESTS: set[str] = set()
_NOT_RUN: list[dict] = []
# set by `altio-hil run` when a SIGTERM stopped the session (a cancelled CI job): the run is
# interrupted (exit 143), its faults healed by the fixtures' teardown as for Ctrl-C
TERMINATED: list[int] = []
_PROGRESS: dict = {"done": 0, "total": None, "worker": False}


def _progress(report: pytest.TestReport) -> None:
    """One line per scenario on stdout (where the matrix follows), and under a failure why it failed."""
    if not os.environ.get("ALTIO_HIL_PROGRESS") or _PROGRESS["worker"]:
        return
    import textwrap

    _PROGRESS["done"] += 1
    total = _PROGRESS["total"] or "?"
    props = dict(report.user_properties)
    result = json.loads(props["altio_result"]) if "altio_result" in props else None
    not_run = json.loads(props["altio_not_run"]) if "altio_not_run" in props else None
    name = (result or not_run or {}).get("id") or (
        report.nodeid.split("[", 1)[1][:-1] if report.nodeid.endswith("]") else report.nodeid)
    if result is not None:
        mark = {"pass": "pass", "fail": "FAIL", "error": "ERR"}.get(result["verdict"], result["verdict"])
        why = result.get("problems") or []
    else:
        mark = {"passed": "pass", "failed": "ERR" if "altio_harness_error" in props else "FAIL",
                "skipped": "skip"}.get(report.outcome, report.outcome)
        why = ([not_run["reason"]] if not_run else [props["altio_harness_error"]] if "altio_harness_error" in props
               else [report.longreprtext.strip().splitlines()[-1]] if report.failed and report.longreprtext.strip()
               else [])
    # the id whole, however long: it is what -k and the report name the scenario by
    lines = [f"  [{_PROGRESS['done']:>3}/{total}] {mark:<4} {name} ({report.duration:.2f}s)"]
    if mark != "pass":
        for problem in why[:6]:
            lines += textwrap.wrap(str(problem), 78, initial_indent="        - ", subsequent_indent="          ",
                                   max_lines=3, placeholder=" ...")
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config):
    """Under `altio-hil run` the plugin prints one progress line per scenario: no pytest dots."""
    if os.environ.get("ALTIO_HIL_PROGRESS") and report.when == "call":
        return report.outcome, "", report.outcome.upper()
    return None


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids) -> None:
    """pytest-xdist: the controller collects nothing itself; every worker collects the whole run."""
    _PROGRESS["total"] = len(ids)


def run_outcome(exitstatus: int, scenarios: list[dict]) -> tuple[str, list[dict]]:
    """The session's outcome for results.json, and its harness errors (collection errors first)."""
    from harness.report import outcome_of

    errors = _COLLECTION_ERRORS + _HARNESS_ERRORS
    if REFUSAL:
        errors = [{"test": "session", "error": REFUSAL["reason"]}, *errors]
    if TERMINATED or (exitstatus == pytest.ExitCode.INTERRUPTED and not errors):
        return "interrupted", errors
    if exitstatus in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        errors = errors or [{"test": "session", "error": f"pytest exit {int(exitstatus)}"}]
    elif exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        errors = errors or [{"test": "session", "error": "no test was collected: nothing was certified"}]
    harness_failed = {e["test"] for e in _HARNESS_ERRORS}
    verdict_failed = len([t for t in _FAILED_TESTS if t not in harness_failed])
    return outcome_of(scenarios, errors, verdict_failed), errors


def _write_results(config: pytest.Config, scenarios: list[dict], outcome: str, errors: list[dict]) -> None:
    from harness.report import write_results

    lab = load_lab(config)
    directory = Path(config.getoption("--altio-report"))
    directory.mkdir(parents=True, exist_ok=True)
    extra: dict = {"harness_errors": errors, "not_run": sorted(_NOT_RUN, key=lambda r: r["id"])}
    shared = config.stash.get(SHARED_TARGET, None)
    if shared is not None and getattr(shared, "identity", None):
        # the monitor under test as installed on the lab: its build and each file's sha256, per system
        extra["agent"] = {"monitor": shared.installed_monitor, "files": shared.identity}
    write_results(directory / "results.json", lab=lab.name, target=target_kind(config, lab),
                  monitor=config.getoption("--monitor"), seed=_seed(config), scenarios=scenarios, extra=extra,
                  outcome=outcome)


@pytest.hookimpl(tryfirst=True)  # before junitxml writes its file: it carries the outcome too
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if not config.getoption("--altio-report") or hasattr(config, "workerinput"):
        return
    scenarios = sorted(_CONTROLLER_RESULTS, key=lambda r: r["id"])
    outcome, errors = run_outcome(exitstatus, scenarios)
    from _pytest.junitxml import xml_key

    xml = config.stash.get(xml_key, None)
    if xml is not None:
        xml.add_global_property("altio_outcome", outcome)
        for e in errors:
            xml.add_global_property("altio_harness_error", f"{e['test']}: {e['error']}")
    _write_results(config, scenarios, outcome, errors)



def save_timeline_svg(config: pytest.Config, scenario_id: str, svg: str) -> str | None:
    """Keep a scenario's timeline picture beside results.json for the summary page (REPORT/timelines/)."""
    out = config.getoption("--altio-report")
    if not out:
        return None
    directory = Path(out) / "timelines"
    directory.mkdir(parents=True, exist_ok=True)
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in scenario_id) + ".svg"
    (directory / name).write_text(svg)
    return f"../timelines/{name}"  # relative to REPORT/html/, where summary.html lives
