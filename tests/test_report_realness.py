"""The report's realness sentences and figures without data (a real-only build): stated, not raised."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from models_py.figures import charts
from models_py.figures.study import FigureSpec, write_figures
from models_py.reporting import realness_lines


def test_realness_sentences_in_both_languages():
    frame = pd.DataFrame([
        {"subject_kind": "study", "subject": "paper_a", "n_cells": 200, "share_real": 0.25,
         "share_interpolated": 0.05, "share_generated": 0.6, "share_missing": 0.1},
        {"subject_kind": "index_system", "subject": "nqp_a", "n_cells": 100, "share_real": 1.0,
         "share_interpolated": 0.0, "share_generated": 0.0, "share_missing": 0.0},
        {"subject_kind": "not_computed", "subject": "table3", "reason": "no value for: nqp"},
        {"subject_kind": "not_drawn", "reason": "figure 'x': no scores to plot"},
    ])
    en = realness_lines(frame, "en")
    assert en[0] == "This study: real 25.0%, interpolated 5.0%, generated 60.0%, missing 10.0% of 200 values"
    assert en[1].startswith("Index nqp_a: real 100.0%")
    assert en[2] == "Table table3 not computed: no value for: nqp"
    assert en[3] == "Figure not drawn: figure 'x': no scores to plot"
    zh = realness_lines(frame, "zh")
    assert zh[0] == "本研究：真实 25.0%，插值 5.0%，生成 60.0%，缺失 10.0%（共 200 个值）"
    assert zh[2].startswith("表 table3 未计算")


def test_a_figure_without_data_is_listed_not_raised(tmp_path):
    connection = duckdb.connect()
    connection.execute("create schema reference")
    connection.execute("create table reference.index_systems as select 'nqp_x' as system, '指数' as name_zh, "
                       "'Index' as name_en")
    connection.execute("create schema intermediate")
    connection.execute("create table intermediate.int_units as select 11 as unit_code, 11 as province_code")
    connection.execute("create table reference.regions as select 11 as region_code, 'east' as region3, "
                       "'东部' as region3_zh")
    connection.execute("create table index_scores (system varchar, region_code integer, year integer, "
                       "level varchar, score double)")
    query = lambda sql, params=(): connection.execute(sql, list(params)).df()  # noqa: E731
    spec = FigureSpec(study="s", kind="index_trend", system="nqp_x")
    not_drawn: list[str] = []
    assert write_figures([spec], query, tmp_path, "en", not_drawn) == []
    assert len(not_drawn) == 1 and "no scores to plot" in not_drawn[0]
    with pytest.raises(charts.NoFigureData):
        write_figures([spec], query, tmp_path, "en")
    for kind in ("density", "choropleth"):  # they need the system's years first
        not_drawn = []
        write_figures([FigureSpec(study="s", kind=kind, system="nqp_x")], query, tmp_path, "en", not_drawn)
        assert "nqp_x: the system has no scores" in not_drawn[0]
