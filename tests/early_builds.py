"""Whole builds (and other slow subprocess jobs) the tests need, started as soon as they are collected.

A whole `nqp build` keeps about one of the machine's two cores busy for two minutes or more. The
builds the session needs run in two background threads ("lanes") while the fast tests run in the
main thread, and tests/conftest.py orders the tests that need a build after those that need none,
by when their build will be ready. Lane "session": the session build, then what starts from it
(the inbox rebuild, `dbt docs generate` and `nqp reports` on it), then Spark on the guide's copy
(built in the other lane meanwhile); lane "own": the SQL lint, the analyst guide's project copy, the
error-flag rebuild (from the session build, ready by then) and the real-only build: about the same
seconds of work each (with the error-flag rebuild in lane "session" and docs and reports in "own",
a CI run's lanes ended at 731 and 618 s; split this way, at 570 and 531 s, the suite at 660 s).
A fixture asks for its build's outcome with `outcome(name)`: it waits for the background run, or,
when pytest did not start it (the fixture was not seen at collection), runs it there and then.

A module registers a build with `@early_build("<fixture name>", lane)` on a function that takes the
session's tmp_path_factory, makes its folders (in the main thread: pytest's temporary folders are
not made for threads) and returns the function that runs the build and returns its outcome.
"""
from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, NamedTuple


class _Build(NamedTuple):
    prepare: Callable[[Any], Callable[[], Any]]  # prepare(tmp_path_factory) -> the job
    lane: str  # the background thread it runs in
    priority: int  # lower first in its lane; then in the order registered
    seconds: float  # about how long it takes on the 2-core machine (ready_at: when it will be ready)


_builds: dict[str, _Build] = {}  # fixture name -> its build, in the order registered
_lanes: dict[str, ThreadPoolExecutor] = {}
_started: dict[str, Future] = {}
_running: set[subprocess.Popen] = set()
_spans: dict[str, list[float | None]] = {}  # fixture name -> [began, ended] (perf_counter seconds)
_t0 = time.perf_counter()
_lock = threading.RLock()  # held while builds are prepared and queued, and around _running


def early_build(fixture: str, lane: str = "session", priority: int = 0, seconds: float = 60):
    """Register the build of ``fixture``. The builds of one lane run one after another, by priority
    (lower first), then in the order they were registered; a build may wait for another with
    `outcome()` (in another lane, or earlier in its own). ``seconds``: about how long it takes while
    the session runs (the terminal summary's timeline shows it), so the tests needing it are ordered by
    when it will be ready across lanes."""
    def register(prepare: Callable[[Any], Callable[[], Any]]):
        if fixture in _builds:  # e.g. its module imported under a second name: its place would move
            raise ValueError(f"early build {fixture!r} is registered twice")
        _builds[fixture] = _Build(prepare, lane, priority, seconds)
        return prepare
    return register


def registered() -> list[str]:
    """The fixture names with an early build, in the order they start in their lanes."""
    return sorted(_builds, key=lambda name: _builds[name].priority)  # stable: registration order within


def ready_at(fixture: str) -> float:
    """About when ``fixture``'s build will be ready, in seconds: the declared seconds of its lane up to
    and including it (a build waiting for another lane's is not counted: that one is usually done)."""
    lane = _builds[fixture].lane
    before = [name for name in registered() if _builds[name].lane == lane]
    return sum(_builds[name].seconds for name in before[:before.index(fixture) + 1])


def position(fixture: str) -> int:
    """Where ``fixture``'s build is in its lane (0: first): about when it will be ready."""
    lane = _builds[fixture].lane
    return [name for name in registered() if _builds[name].lane == lane].index(fixture)


def start(fixtures: list[str], tmp_path_factory) -> None:
    """Prepare and queue the builds of ``fixtures`` (the registered ones, in the given order). A build
    asking for another's outcome waits until all of them are queued (see `outcome`)."""
    with _lock:
        for fixture in fixtures:
            if fixture in _builds and fixture not in _started:
                lane = _builds[fixture].lane
                if lane not in _lanes:
                    _lanes[lane] = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"early-build-{lane}")
                try:
                    job = _builds[fixture].prepare(tmp_path_factory)
                except Exception as error:  # reported by the fixture, not as an error of the whole session
                    _started[fixture] = Future()
                    _started[fixture].set_exception(error)
                    continue
                _started[fixture] = _lanes[lane].submit(_timed, fixture, job)


def _timed(fixture: str, job: Callable[[], Any]) -> Any:
    _spans[fixture] = [time.perf_counter(), None]
    try:
        return job()
    finally:
        _spans[fixture][1] = time.perf_counter()


def timeline() -> list[str]:
    """When each early build ran, in seconds since the session began, by lane (for the terminal summary:
    where the session's time goes)."""
    lines = []
    for name, (began, ended) in sorted(_spans.items(), key=lambda item: item[1][0]):
        end = f"{ended - _t0:.0f}" if ended is not None else "unfinished"
        lines.append(f"{_builds[name].lane:8s} {name:22s} {began - _t0:5.0f} s - {end} s")
    return lines


def outcome(fixture: str, tmp_path_factory):
    """The build's outcome: waits for the background run (or runs it now); its error is raised here."""
    with _lock:
        if fixture not in _started:
            if threading.current_thread() is not threading.main_thread():
                # queued now, it could wait behind the very build asking for it
                raise RuntimeError(f"early build {fixture!r} was not started with the build that needs it")
            start([fixture], tmp_path_factory)
        future = _started[fixture]
    return future.result()


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """subprocess.run(capture_output=True, text=True), with the process killed by `stop()`."""
    timeout = kwargs.pop("timeout", None)
    kwargs.pop("capture_output", None), kwargs.pop("text", None)  # always: both streams, as text
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs) as process:
        with _lock:
            _running.add(process)
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
            raise
        finally:
            with _lock:
                _running.discard(process)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def stop() -> None:
    """End of the session: drop the builds not begun and kill a running one (an interrupted session
    must not wait minutes for a build nobody will look at)."""
    for lane in _lanes.values():
        lane.shutdown(wait=False, cancel_futures=True)
    with _lock:
        for process in list(_running):
            process.kill()
