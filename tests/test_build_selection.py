"""`nqp build --no-reports` runs every asset of the full build up to publish, and no report."""
from __future__ import annotations

import dagster as dg

from models_py.cli import assets_up_to_publish, main
from orchestration.definitions import defs


def test_no_reports_keeps_every_asset_up_to_publish_and_drops_the_reports():
    selected = set(assets_up_to_publish(defs))
    graph = defs.resolve_asset_graph()
    everything = dg.AssetSelection.all().resolve(graph)
    dropped = everything - selected
    assert {key.path[0] for key in dropped} == {"reports"}
    assert {key.path[-1] for key in dropped} == {"index", "paper_a", "paper_b", "paper_c", "paper_d", "paper_e",
                                                 "city_demo"}
    assert dg.AssetKey("published_warehouse") in selected
    assert dg.AssetKey(["reports", "quarantine_report"]) in selected  # reads the build copy, before publish
    dbt_keys = {key for assets in defs.assets if isinstance(assets, dg.AssetsDefinition) and assets.op.name.startswith("nqp_dbt")
                for key in assets.keys}
    assert dbt_keys and dbt_keys <= selected  # whole dbt steps: dbt runs the same command as a full build
    assert {key for key in selected if key.path[0] == "results"} == {k for k in everything if k.path[0] == "results"}


def test_no_reports_is_a_build_option(capsys):
    try:
        main(["build", "--help"])
    except SystemExit:
        pass
    assert "--no-reports" in capsys.readouterr().out
