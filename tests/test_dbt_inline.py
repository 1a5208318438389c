"""The inline compiler of the macro tests (tests/reference/dbt_inline.py): what it keeps between
processes, and what it must never touch."""
from __future__ import annotations

import pytest

from tests.reference import dbt_inline

QUERY = {"weights": "{{ nqp_entropy_weights_from_values('inputs', 'ranges', []) }}"}


@pytest.fixture
def new_process(monkeypatch):
    """The module's per-process state as a new process finds it."""
    monkeypatch.setattr(dbt_inline, "_WORK_DIRS", {})
    monkeypatch.setattr(dbt_inline, "_KEPT", set())


def test_a_new_process_starts_from_the_kept_partial_parse_and_never_opens_the_database(new_process):
    compiled, _ = dbt_inline.compile_queries(QUERY)
    kept = dbt_inline._cached_parse(None)
    assert kept.is_file() and kept.stat().st_size > 0
    assert not list(kept.parent.glob("*.tmp")), "a partial copy was left behind"
    # refs compile against the catalog `compile`, and the file behind it is never created
    assert dbt_inline.COMPILE_DATABASE.stem == "compile"
    assert not dbt_inline.COMPILE_DATABASE.parent.exists()

    dbt_inline._WORK_DIRS.clear()  # the next process
    dbt_inline._KEPT.clear()
    work = dbt_inline._work_dir(None)
    assert (work / "target" / "partial_parse.msgpack").read_bytes() == kept.read_bytes()
    again, _ = dbt_inline.compile_queries(QUERY)
    assert again == compiled


def test_a_failed_compile_keeps_nothing_new_and_says_why(new_process):
    with pytest.raises(dbt_inline.DbtCompileError, match="nqp_no_such_macro"):
        dbt_inline.compile_queries({"bad": "{{ nqp_no_such_macro() }}"})
    assert None not in dbt_inline._KEPT
