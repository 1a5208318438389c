"""Missing-value rules on the shipped warehouse, and the `report` / `raise` actions in a real dbt run.

- No index score is computed over a partial indicator set (also the dbt test
  index_scores_complete_indicator_sets, run by every build).
- index_system_status lists every system with its declared rule; imputed values are flagged.
- In a copy of the project with nqp_three_factor_e's rule set to `error` (its e-commerce indicator
  starts in 2013), dbt var index_missing_action=report leaves the system unscored and lists it with
  the missing indicator, regions and years; the default `raise` stops naming system, indicator, region
  and year.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import duckdb
import pytest

from tests.project_copy import copy_dbt_project, dbt_on_copy

RULES = {"error", "interpolate", "extrapolate", "complete_cases"}

pytestmark = pytest.mark.build


def test_scores_use_complete_indicator_sets(warehouse_connection):
    incomplete = warehouse_connection.execute("""
        with catalogue as (
            select system, count(*) as n_indicators from reference.index_indicators group by system
        ),
        used as (
            select system, region_code, year, count(value) as n_values
            from main.indicator_values group by system, region_code, year
        )
        select scores.system, scores.region_code, scores.year, used.n_values, catalogue.n_indicators
        from main.index_scores as scores
        inner join catalogue on scores.system = catalogue.system
        left join used
            on scores.system = used.system and scores.region_code = used.region_code and scores.year = used.year
        where scores.level = 'total' and coalesce(used.n_values, 0) <> catalogue.n_indicators
    """).fetchall()
    assert incomplete == [], f"{len(incomplete)} scores over a partial indicator set, e.g. {incomplete[:5]}"
    assert warehouse_connection.execute("select count(*) from main.indicator_values where value is null").fetchone() \
        == (0,)


def test_system_status_lists_every_system_with_its_rule(warehouse_connection):
    status = warehouse_connection.execute("""
        select systems.system, coalesce(systems.missing_rule, 'error'), status.missing_rule, status.is_computed,
               status.n_imputed, status.n_extrapolated
        from reference.index_systems as systems
        left join main.index_system_status as status on systems.system = status.system
    """).fetchall()
    for system, declared, listed, is_computed, n_imputed, n_extrapolated in status:
        assert listed == declared and declared in RULES, system
        assert is_computed, f"{system} is not computed in the shipped build"
        if declared != "extrapolate":
            assert n_extrapolated == 0, system
    # the declared rules reproduce the papers: A and E interpolate, Paper E's three-factor system extrapolates
    rules = {row[0]: row[1] for row in status}
    assert rules["nqp_a"] == rules["nqp_e"] == "interpolate"
    assert rules["nqp_three_factor_e"] == "extrapolate"


def test_imputed_values_are_flagged(warehouse_connection):
    rows = warehouse_connection.execute("""
        select imputation, is_imputed, count(*), min(year), max(year)
        from main.indicator_values where system = 'nqp_three_factor_e'
        group by all order by all
    """).fetchall()
    by_kind = {imputation: (is_imputed, n, first, last) for imputation, is_imputed, n, first, last in rows}
    assert by_kind[None][0] is False and by_kind["interpolate"][0] is True
    is_imputed, n_extrapolated, first, last = by_kind["extrapolate"]
    # e-commerce enterprises (2013-), enterprise digitalisation and the digital economy index (2011-)
    assert is_imputed and n_extrapolated > 0 and (first, last) == (2010, 2012)
    status = warehouse_connection.execute(
        "select n_extrapolated from main.index_system_status where system = 'nqp_three_factor_e'").fetchone()
    assert status == (n_extrapolated,)


# ---------------------------------------------------------------------- report / raise in a dbt run

def _set_rule(seed: Path, system: str, rule: str) -> None:
    rows = list(csv.DictReader(io.StringIO(seed.read_text(encoding="utf-8"))))
    for row in rows:
        if row["system"] == system:
            row["missing_rule"] = rule
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    seed.write_text(out.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def error_rule_copy(built_warehouse, tmp_path_factory):
    """A project copy where nqp_three_factor_e declares `error`, on a copy of the built warehouse."""
    root = tmp_path_factory.mktemp("missing_rule_project")
    copy_dbt_project(root)
    _set_rule(root / "seeds" / "reference" / "index_systems.csv", "nqp_three_factor_e", "error")
    dbt, warehouse = dbt_on_copy(root, built_warehouse)
    seeded = dbt("seed", "--select", "index_systems", "--full-refresh")
    assert seeded.returncode == 0, seeded.stdout[-3000:]
    return dbt, warehouse


def test_report_leaves_the_system_unscored_and_lists_it(error_rule_copy):
    dbt, warehouse = error_rule_copy
    ran = dbt("run", "--select", "int_index_indicator_values+", "--exclude", "path:dbt_project/models/marts/studies",
              "--vars", "{index_missing_action: report}")
    assert ran.returncode == 0, ran.stdout[-5000:]
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        status = connection.execute("""
            select missing_rule, is_computed, n_missing, missing_detail
            from main.index_system_status where system = 'nqp_three_factor_e'
        """).fetchone()
        scored = connection.execute("""
            select system, count(*) from main.index_scores
            where system in ('nqp_three_factor_e', 'nqp_e', 'digital_economy_e') group by system
        """).fetchall()
        weighted = connection.execute(
            "select count(*) from main.index_weights where system = 'nqp_three_factor_e'").fetchone()
    rule, is_computed, n_missing, detail = status
    assert (rule, is_computed) == ("error", False) and n_missing > 0
    assert "indicator ecommerce_enterprises (ecommerce_enterprises): " in detail, detail
    assert "regions 11 12 13" in detail and "years 2010 2011 2012" in detail, detail
    assert "indicator enterprise_digitalisation" in detail and "indicator digital_economy_index" in detail, detail
    assert dict(scored).keys() == {"nqp_e", "digital_economy_e"}, scored  # its siblings are still scored
    assert weighted == (0,)


def test_raise_stops_naming_system_indicator_region_and_year(error_rule_copy):
    dbt, _warehouse = error_rule_copy
    ran = dbt("run", "--select", "int_index_indicator_filled", "int_index_component_scores",
              "int_index_indicator_panel", "int_index_inputs")
    assert ran.returncode != 0
    # 2010-2012 lack e-commerce enterprises, 2010 enterprise digitalisation and the digital economy index
    message = re.search(r"index system nqp_three_factor_e \(missing_rule error\): (\d+) indicator value\(s\) missing "
                        r"after the rule, first: indicator digital_economy_index region 11 year 2010;", ran.stdout)
    assert message, ran.stdout[-5000:]
    assert int(message.group(1)) >= 3 * 31
