"""The README's two analyst guides, followed to the letter in a copy of the project, without
touching Python: "Add an index system" (catalogue rows + one model) and "Add a regression table"
(a declaration in the YAML next to the mart). The copy is built with its own warehouse; the new
weights, scores and regression rows must be in it, and the new assets and job in its Dagster
definitions.
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SYSTEM = "guide_demo"
STUDY = "guide_demo"

# Step 1 of "Add an index system": one row in index_systems.csv ...
SYSTEM_ROW = {
    "system": SYSTEM, "name_zh": "指南示例指数", "name_en": "Guide demo index", "study": STUDY,
    "method": "entropy", "shift": "0", "score_weighting": "pooled", "year_from": "2013", "year_to": "2022",
    "excluded_regions": "54", "description": "Three-indicator example system of the README guide.",
    "missing_rule": "error", "extrapolation": "",
}
# ... and one row per indicator in index_indicators.csv (ratios and levels of catalogue series).
INDICATOR_ROWS = [
    {"system": SYSTEM, "dimension": "economy", "dimension_zh": "经济", "sub_dimension": "productivity",
     "sub_dimension_zh": "生产率", "indicator": "gdp_per_worker", "indicator_zh": "劳均产出", "direction": "positive",
     "numerator": "gdp", "denominator": "employment", "scale": "1", "unit": "亿元/万人",
     "derivation": "gdp / employment"},
    {"system": SYSTEM, "dimension": "economy", "dimension_zh": "经济", "sub_dimension": "fiscal",
     "sub_dimension_zh": "财政", "indicator": "tax_share", "indicator_zh": "税收/GDP", "direction": "positive",
     "numerator": "tax_revenue", "denominator": "gdp", "scale": "1", "unit": "ratio",
     "derivation": "tax_revenue / gdp"},
    {"system": SYSTEM, "dimension": "society", "dimension_zh": "社会", "sub_dimension": "urbanisation",
     "sub_dimension_zh": "城镇化", "indicator": "urbanisation_rate", "indicator_zh": "城镇化率",
     "direction": "positive", "numerator": "urbanisation_rate", "denominator": "", "scale": "1", "unit": "%",
     "derivation": "level"},
]

# Step 2: one model, the study panel reading the new scores (dbt_project/models/marts/studies/).
PANEL_SQL = textwrap.dedent("""\
    -- Guide demo panel: the guide_demo index and two outcomes, 30 regions x 2013-2022.
    with index_total as (
        select region_code, year, score as guide_index
        from {{ ref('index_scores') }}
        where system = 'guide_demo' and level = 'total'
    ),

    region_years as (
        {{ nqp_series_wide(ref('int_series_values'), ['gdp', 'population', 'fixed_asset_investment']) }}
    )

    select
        index_total.region_code,
        index_total.year,
        index_total.guide_index,
        ln(region_years.gdp * 10000 / region_years.population) as ln_gdp_per_capita,
        region_years.fixed_asset_investment / region_years.gdp as investment_rate
    from index_total
    inner join region_years
        on index_total.region_code = region_years.region_code
        and index_total.year = region_years.year
    """)

# "Add a regression table": the declaration in the YAML next to the mart.
PANEL_YAML = textwrap.dedent("""\
    version: 2

    models:
      - name: panel_guide_demo
        description: Example study panel of the README guide (guide_demo index, 30 regions x 2013-2022).
        config:
          meta:
            study: guide_demo
            title_zh: 指南示例
            title_en: Guide demo
            tables:
              - id: demo1
                kind: regression
                title_zh: 示例回归
                title_en: Example two-way fixed-effects regression
                defaults:
                  estimator: twfe
                  absorb: [region_code, year]
                  vcov: cluster
                  cluster: region_code
                columns:
                  - id: "(1)"
                    depvar: ln_gdp_per_capita
                    regressors: [guide_index]
                  - id: "(2)"
                    depvar: ln_gdp_per_capita
                    regressors: [guide_index]
                    controls: [investment_rate]
        columns:
          - {name: region_code, description: Province code., tests: [not_null]}
          - {name: year, description: Year., tests: [not_null]}
          - {name: guide_index, description: Total score of the guide_demo index.}
          - {name: ln_gdp_per_capita, description: ln(GDP per capita in yuan).}
          - {name: investment_rate, description: Fixed-asset investment / GDP.}
    """)


def append_rows(path: Path, rows: list[dict]) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
        handle.seek(0)
        ends_with_newline = handle.read().endswith("\n")
    assert all(set(row) == set(header) for row in rows), f"{path.name}: columns are {header}"
    with open(path, "a", encoding="utf-8", newline="") as handle:
        if not ends_with_newline:
            handle.write("\n")
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writerows(rows)


def copy_project(destination: Path) -> None:
    """The tracked files of the project, as a fresh clone would have them (plus uncommitted edits)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode("utf-8").split("\0")):
        source = PROJECT_ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())


@pytest.fixture(scope="module")
def guided_copy(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    copy_project(root)
    seeds = root / "seeds" / "reference"
    append_rows(seeds / "index_systems.csv", [SYSTEM_ROW])
    append_rows(seeds / "index_indicators.csv", INDICATOR_ROWS)
    studies = root / "dbt_project" / "models" / "marts" / "studies"
    (studies / "panel_guide_demo.sql").write_text(PANEL_SQL, encoding="utf-8")
    (studies / "_guide_demo.yml").write_text(PANEL_YAML, encoding="utf-8")

    warehouse = tmp_path_factory.mktemp("warehouse") / "nqp.duckdb"
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "DBT_PROFILES_DIR": str(root),
        "DBT_TARGET_PATH": str(root / "dbt_project" / "target"),
        "DAGSTER_HOME": str(tmp_path_factory.mktemp("dagster_home")),
        "NQP_WAREHOUSE": str(warehouse),
        "NQP_REPORTS": str(tmp_path_factory.mktemp("reports")),
    }
    env.pop("NQP_DBT_DATABASE", None)
    env.pop("NQP_INBOX", None)
    bin_dir = Path(sys.executable).parent
    for command in ([str(bin_dir / "dbt"), "parse", "--quiet"], [sys.executable, "-m", "models_py.cli", "build"]):
        completed = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=1800)
        assert completed.returncode == 0, f"{' '.join(command)} failed in the copy:\n" \
            f"{completed.stdout[-5000:]}\n{completed.stderr[-5000:]}"
    return root, env, warehouse


def test_the_new_index_system_is_weighted_and_scored(guided_copy):
    _, _, warehouse = guided_copy
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        weights = connection.execute(
            "select indicator, weight from index_weights where system = ? and level = 'indicator' "
            "and period_scheme = 'pooled'", [SYSTEM]).df()
        scores = connection.execute(
            "select region_code, year, score from index_scores where system = ? and level = 'total'", [SYSTEM]).df()
        values = connection.execute(
            "select indicator, region_code, year, value from indicator_values where system = ?", [SYSTEM]).df()
    assert sorted(weights["indicator"]) == sorted(row["indicator"] for row in INDICATOR_ROWS)
    assert weights["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    assert len(scores) == 30 * 10 and scores["score"].notna().all()

    # the entropy weights, recomputed here with NumPy from the indicator values the warehouse holds
    wide = values.pivot_table(index=["region_code", "year"], columns="indicator", values="value")
    standardised = (wide - wide.min()) / (wide.max() - wide.min())
    shares = standardised / standardised.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(shares > 0, shares * np.log(shares), 0.0)
    entropy = -plogp.sum(axis=0) / np.log(len(wide))
    expected = pd.Series((1 - entropy) / (1 - entropy).sum(), index=wide.columns)
    got = weights.set_index("indicator")["weight"]
    for indicator in expected.index:
        assert got[indicator] == pytest.approx(expected[indicator], rel=1e-9), indicator


def test_the_declared_table_is_in_results(guided_copy):
    _, _, warehouse = guided_copy
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        coefficients = connection.execute(
            "select table_id, column_id, term, estimate from results.regression_coefficients where study = ?",
            [STUDY]).df()
        fits = connection.execute("select column_id, nobs, estimator from results.regression_fits "
                                  "where study = ? and table_id = 'demo1'", [STUDY]).df()
        panel = connection.execute("select * from panel_guide_demo").df()
    assert set(coefficients["table_id"]) == {"demo1"}
    assert set(coefficients["column_id"]) == {"(1)", "(2)"}
    assert {"guide_index", "investment_rate"} <= set(coefficients["term"])
    assert sorted(fits["column_id"]) == ["(1)", "(2)"]

    # column (1) against a within estimator computed here (two-way demeaning of a balanced panel)
    frame = panel.dropna(subset=["ln_gdp_per_capita", "guide_index"])
    def two_way_demean(series):
        return (series - frame.groupby("region_code")[series.name].transform("mean")
                - frame.groupby("year")[series.name].transform("mean") + series.mean())
    y, x = two_way_demean(frame["ln_gdp_per_capita"]), two_way_demean(frame["guide_index"])
    slope = float((x * y).sum() / (x * x).sum())
    estimate = coefficients.query("column_id == '(1)' and term == 'guide_index'")["estimate"].iloc[0]
    assert estimate == pytest.approx(slope, rel=1e-8)
    assert fits.set_index("column_id").loc["(1)", "nobs"] == len(frame)


def test_the_new_assets_and_job_are_in_dagster(guided_copy):
    root, env, _ = guided_copy
    probe = (
        "import json\n"
        "from orchestration.definitions import defs\n"
        "repo = defs.get_repository_def()\n"
        "graph = repo.asset_graph\n"
        "print(json.dumps({'assets': {k.to_user_string(): graph.get(k).group_name for k in graph.get_all_asset_keys()},"
        " 'jobs': [j.name for j in repo.get_all_jobs()]}))\n"
    )
    completed = subprocess.run([sys.executable, "-c", probe], cwd=root, env=env, capture_output=True, text=True,
                               timeout=600)
    assert completed.returncode == 0, completed.stderr[-4000:]
    found = json.loads(completed.stdout.strip().splitlines()[-1])
    assert found["assets"].get(f"results/{STUDY}") == STUDY
    assert found["assets"].get("main/panel_guide_demo") == STUDY
    assert f"build_{STUDY}" in found["jobs"]
