"""tests/early_builds.py, the background lanes the suite's whole builds run in: a job's outcome
reaches its fixture, a failure in preparing or running it is raised there (not as an error of the
whole session), and the lanes keep their order. Its own lane, "probe", so no real build waits."""
from __future__ import annotations

import sys

import pytest

from tests import early_builds


@early_builds.early_build("probe_prints", lane="probe")
def _prepare_prints(tmp_path_factory):
    folder = tmp_path_factory.mktemp("probe")
    return lambda: early_builds.run([sys.executable, "-c", "print('built')"], cwd=folder, timeout=60)


@early_builds.early_build("probe_cannot_prepare", lane="probe")
def _prepare_fails(_tmp_path_factory):
    raise FileNotFoundError("the project copy has no dbt_project.yml")


@early_builds.early_build("probe_fails", lane="probe")
def _prepare_job_that_fails(_tmp_path_factory):
    def build():
        completed = early_builds.run([sys.executable, "-c", "import sys; sys.exit('dbt failed')"], timeout=60)
        assert completed.returncode == 0, completed.stderr
    return build


def test_the_outcome_reaches_the_fixture(tmp_path_factory):
    completed = early_builds.outcome("probe_prints", tmp_path_factory)
    assert completed.returncode == 0 and completed.stdout == "built\n"


@pytest.mark.parametrize("fixture, message", [("probe_cannot_prepare", "has no dbt_project.yml"),
                                              ("probe_fails", "dbt failed")])
def test_a_failure_is_raised_where_the_outcome_is_asked_for(fixture, message, tmp_path_factory):
    with pytest.raises((FileNotFoundError, AssertionError), match=message):
        early_builds.outcome(fixture, tmp_path_factory)


def test_lanes_keep_their_order():
    order = early_builds.registered()
    assert order.index("built_warehouse") < order.index("inbox_build")  # tests/conftest.py
    assert [early_builds.position(name) for name in ("probe_prints", "probe_cannot_prepare", "probe_fails")] == [0, 1, 2]
    assert early_builds.position("built_warehouse") == 0
    # tests are ordered by when their builds will be ready: the declared seconds of each lane, summed
    assert [early_builds.ready_at(name) for name in ("probe_prints", "probe_cannot_prepare", "probe_fails")] == [
        60, 120, 180]
    assert early_builds.ready_at("inbox_build") > early_builds.ready_at("built_warehouse") > 0
    if "house_style_lint" in order:  # registered when tests/test_sql_lint.py is collected
        assert early_builds.position("house_style_lint") == 0  # priority -1: first in lane "own"
