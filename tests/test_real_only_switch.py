"""The real-only switch (models_py.data.real_only): NQP_SYNTHETIC, inbox.yml `synthetic:`, and what
reaches the generator asset and dbt."""
from __future__ import annotations

import duckdb
import pytest

from models_py.data.real_only import ENV_VAR, dbt_vars, synthetic_enabled
from models_py.errors import DataError
from models_py.ingest.inbox import InboxConfig
from orchestration.assets.dbt import dbt_build_args
from orchestration.assets.sources import empty_synthetic_observations


@pytest.fixture
def inbox(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("NQP_INBOX", str(tmp_path))
    return tmp_path


def test_default_is_on_and_passes_no_vars(inbox):
    assert synthetic_enabled() is True
    assert dbt_vars() == {}
    assert dbt_build_args() == ["build"]


@pytest.mark.parametrize("word, expected", [("off", False), ("OFF", False), ("on", True), ("false", False)])
def test_environment_variable(inbox, monkeypatch, word, expected):
    monkeypatch.setenv(ENV_VAR, word)
    assert synthetic_enabled() is expected


def test_inbox_yml_key_and_the_variable_wins(inbox, monkeypatch):
    (inbox / "inbox.yml").write_text("synthetic: false\n", encoding="utf-8")
    assert InboxConfig.read(inbox).synthetic is False
    assert synthetic_enabled() is False
    assert dbt_vars() == {"synthetic": False, "index_missing_action": "report"}
    assert dbt_build_args() == ["build", "--vars", '{"synthetic": false, "index_missing_action": "report"}']
    monkeypatch.setenv(ENV_VAR, "on")
    assert synthetic_enabled() is True


def test_bad_values_are_data_errors(inbox, monkeypatch):
    (inbox / "inbox.yml").write_text("synthetic: nope\n", encoding="utf-8")
    with pytest.raises(DataError, match="synthetic must be true or false") as caught:
        synthetic_enabled()
    assert "inbox.yml" in str(caught.value)
    monkeypatch.setenv(ENV_VAR, "maybe")
    with pytest.raises(DataError, match=f"{ENV_VAR} must be on or off"):
        synthetic_enabled()


def test_empty_generator_table_keeps_the_schema():
    frame = empty_synthetic_observations()
    assert frame.empty
    types = {row[0]: row[1] for row in duckdb.sql("describe select * from frame").fetchall()}
    assert types == {"region_code": "INTEGER", "year": "INTEGER", "series": "VARCHAR", "value": "DOUBLE",
                     "unit": "VARCHAR", "provenance": "VARCHAR", "generator": "VARCHAR"}
