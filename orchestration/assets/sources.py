"""Python assets that fill the raw schema: real exports through the loader, then the generator.

Their descriptions list the catalogue series (seeds/reference/series_catalogue.csv) each one can
provide: the loader those its shipped sources map (seeds/reference/source_mappings.csv, and
source_precedence.csv when present), the generator those marked demo_fill. Not the catalogue's
provenance text: which values are real is counted from the data (mart data_realness, and each asset's
materialisation metadata lists the series it actually wrote).
"""

import csv

import datetime as dt

import dagster as dg
import pandas as pd

from models_py import config
from models_py.data.real_only import ENV_VAR, synthetic_enabled
from models_py.data.synthetic import OUTPUT_COLUMNS, generate_synthetic
from models_py.data.city_demo import load_city_demo
from models_py.ingest.attributes import yearless_summary
from models_py.ingest.cities import former_names_summary
from models_py.ingest.firms import check_character_summary, failed_check_characters
from models_py.ingest.inbox import InboxConfig, aliased_summary
from models_py.ingest.loader import load_inbox
from models_py.ingest.sources.choice import choose_sources
from models_py.ingest.seeds import load_regions
from models_py.warehouse import build_lock, connect_build, replace_table

# seeds naming, per row, a series that a shipped real source provides (column -> file)
REAL_SOURCE_SEEDS = {"series_code": "source_mappings.csv", "series": "source_precedence.csv"}


def _rows(name: str) -> list[dict]:
    path = config.SEEDS_DIR / name
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def shipped_real_series() -> set[str]:
    """Series some shipped real source maps to (whatever the catalogue's provenance text says)."""
    return {row[column] for column, name in REAL_SOURCE_SEEDS.items() for row in _rows(name)
            if row.get(column)}


def catalogue_series(real: bool) -> list[dict]:
    """Catalogue rows a shipped real source provides (real=True) or the generator may fill (demo_fill)."""
    rows = _rows("series_catalogue.csv")
    if real:
        provided = shipped_real_series()
        return [row for row in rows if row["series_code"] in provided]
    return [row for row in rows if (row.get("demo_fill") or "").strip().lower() == "true"]


def catalogue_description(intro: str, real: bool) -> str:
    rows = catalogue_series(real)
    lines = [f"- `{row['series_code']}` {row['name_zh']} ({row['name_en']}, {row['unit']})" for row in rows]
    return f"{intro}\n\nSeries of the catalogue ({len(rows)}):\n\n" + "\n".join(lines)


@dg.asset(
    key_prefix="raw",
    name="portal_observations",
    group_name="sources",
    description=catalogue_description(
        "Real observations: the shipped portal exports (seeds/shipped/nbs-exports), the shipped real "
        "sources (models_py/ingest/sources: seeds/shipped/<folder>) and every file in the user's inbox "
        "(data/inbox/ or $NQP_INBOX, inbox.yml), with lineage to file, row and cell and a source_id; "
        "SQL chooses between sources (int_observations_chosen). "
        "All-or-nothing: a bad file stops the build before anything is written. Also writes "
        "raw.ingest_files (one row per file read) and raw.user_series (inbox indicators nothing maps, "
        "loaded as real-only series of their own, `user_<8 hex>`), raw.city_observations (city, county "
        "and firm tables of the inbox and the generated city demo panel, seeds/shipped/city-demo), "
        "raw.firm_units (the firms of the firm tables) and raw.unit_attributes (labels such as 行业代码 per "
        "unit and year).",
        real=True,
    ),
)
def portal_observations(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    inbox = config.data_inbox()
    result = load_inbox(inbox)  # raises DataError (file, line, reason) before any table is touched
    # city tables (城市 column) of the inbox, plus the generated city demo panel unless the build is
    # real-only or inbox.yml says shipped: false
    cities = [result.city_observations()]  # not appended into one frame: a firm table may bring millions
    shipped = InboxConfig.read(inbox).shipped if inbox.is_dir() else True
    if synthetic_enabled() and shipped:
        cities.append(load_city_demo())
    report = result.report()
    report.insert(0, "loaded_at", dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
    with build_lock(), connect_build() as connection:
        rows = replace_table(connection, "raw", "portal_observations", result.warehouse_observations())
        city_rows = replace_table(connection, "raw", "city_observations", *cities)
        replace_table(connection, "raw", "ingest_files", report)
        replace_table(connection, "raw", "user_series", result.user_series)
        replace_table(connection, "raw", "firm_units", result.firm_units)
        replace_table(connection, "raw", "unit_attributes", result.unit_attributes)
    context.log.info("loaded %s observations from %s files (inbox %s), %s user series", rows, len(report),
                     inbox, len(result.user_series))
    for row in report[report["skipped_rows"] > 0].itertuples():  # rows a declared rule leaves out
        context.log.info("%s: %s rows left out: %s", row.file, row.skipped_rows, row.skipped_why)
    if result.aliased:  # inbox indicators read as a catalogue series by another wording
        context.log.info(aliased_summary(result.aliased))
    if result.former_names:  # city / county names of earlier years read as today's units
        context.log.info(former_names_summary(result.former_names, shown=100))
    yearless = yearless_summary(result.unit_attributes)
    if yearless:  # labels of tables without a year: the rule the unit_attributes mart applies, logged
        context.log.info(yearless)
    failed_ids = failed_check_characters(result.firm_units)
    if failed_ids:  # reported (real exports carry a few); inbox.yml check_characters: error refuses them
        context.log.warning(check_character_summary(failed_ids, shown=20))
    shown = report.drop(columns=["loaded_at", "sha256", "unmapped_indicators", "user_series"])
    return dg.MaterializeResult(
        metadata={
            "rows": rows,
            "dagster/row_count": rows,
            "files": len(report),
            "inbox": str(inbox),
            "inbox_files": int((report["origin"] == "inbox").sum()),
            "placeholder_cells": int(report["placeholder_cells"].sum()),
            "series": sorted(result.warehouse_observations()["series"].unique().tolist()),
            "shipped_source_values": len(result.shipped_sources),
            "city_values": city_rows,
            "cities": len(set().union(*(frame["region_code"].unique() for frame in cities))),
            "firms": len(result.firm_units),
            "unit_attributes": sorted(result.unit_attributes["attribute"].unique().tolist()),
            "unit_attributes_without_year": int(result.unit_attributes["year"].isna().sum()),
            "indicators_mapped_by_alias": dg.MetadataValue.json(result.aliased),
            "units_read_under_former_names": dg.MetadataValue.json(
                {text: code for text, (code, _, _) in result.former_names.items()}),
            "firm_ids_failing_check_character": len(failed_ids),
            "skipped": result.skipped,
            "user_series": dg.MetadataValue.md(
                result.user_series[["series_code", "name_zh", "unit", "n_values"]].to_markdown(index=False)),
            "per_file": dg.MetadataValue.md(shown.to_markdown(index=False)),
        }
    )

@dg.asset(
    key_prefix="raw",
    name="synthetic_observations",
    group_name="sources",
    deps=[portal_observations],
    description=catalogue_description(
        "Generated observations (demo fill, NOT official statistics; models_py/data/synthetic.py, anchored on "
        "the real GDP and population) for the series the catalogue marks demo_fill, in the region-years no "
        "real file covers. Empty in a real-only build (NQP_SYNTHETIC=off or inbox.yml synthetic: false).",
        real=False,
    ),
)
def synthetic_observations(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    enabled = synthetic_enabled()
    with build_lock(), connect_build() as connection:
        if enabled:
            # One value per region-year-series, as int_observations_chosen will pick it in SQL. User
            # series are real-only: the generator neither fills nor anchors on them (a zero count of
            # the user's own would otherwise fail its positive-level check).
            real = choose_sources(connection.execute(
                "select * from raw.portal_observations where series not in "
                "(select series_code from raw.user_series)").df())
            generated = generate_synthetic(real, load_regions())
        else:  # real-only build: the table exists (dbt reads it) but holds nothing
            generated = empty_synthetic_observations()
            context.log.info("real-only build (%s=off or inbox.yml synthetic: false): nothing generated",
                             ENV_VAR)
        rows = replace_table(connection, "raw", "synthetic_observations", generated)
    return dg.MaterializeResult(
        metadata={"rows": rows, "dagster/row_count": rows, "series": int(generated["series"].nunique()),
                  "series_generated": sorted(generated["series"].unique().tolist()),
                  "demo_fill": "on" if enabled else "off (real data only)"}
    )


def empty_synthetic_observations():
    """The generator's output schema with no rows (DuckDB gets typed, not NULL-typed, columns)."""
    types = {"region_code": "int32", "year": "int32", "value": "float64"}
    return pd.DataFrame({name: pd.Series(dtype=types.get(name, "str")) for name in OUTPUT_COLUMNS})


def _written_with_portal_observations(table: str, description: str) -> dg.AssetSpec:
    """raw.<table>, written by portal_observations in the same transaction and read by dbt as a source.
    Declared so it sits in `sources` with a description instead of appearing as an unnamed external
    asset in the default group."""
    return dg.AssetSpec(key=dg.AssetKey(["raw", table]), group_name="sources",
                        description=f"{description} Written by raw/portal_observations in the same load.")


# one row per file read (stg_ingest__files)
ingest_files = _written_with_portal_observations(
    "ingest_files",
    "One row per file the loader read (shipped exports and the user's inbox): path, origin, sha256, "
    "layout, values, placeholders, load time.",
)

# unit codes of prefecture-level cities, county-level units and firms (stg_city__observations)
city_observations = _written_with_portal_observations(
    "city_observations",
    "Observations below the provinces: the inbox's city tables (城市 column), county tables (区县 "
    "column, models_py/ingest/cities.py) and firm tables (证券代码 column, models_py/ingest/firms.py) and, "
    "unless real-only, the GENERATED city demo panel (seeds/shipped/city-demo, source_id city_demo).",
)

# the firms of the inbox's firm tables (stg_firm__units)
firm_units = _written_with_portal_observations(
    "firm_units",
    "One row per firm of the inbox's firm tables (证券代码 / stkcd column, models_py/ingest/firms.py): "
    "unit code (1,000,000,000 + the numeric code), code, name, province, city, first file and row; "
    "empty without a firm table.",
)

# labels of attribute columns per unit and year (stg_ingest__unit_attributes)
unit_attributes = _written_with_portal_observations(
    "unit_attributes",
    "Labels of the attribute columns of the inbox's region-year tables (行业代码, 产权性质 … or inbox.yml "
    "attributes:, models_py/ingest/attributes.py): one row per unit, year and attribute, with the file, "
    "line and column it was read from; empty without such a column.",
)

# inbox indicators nothing maps, loaded as real-only series of their own (stg_ingest__user_series)
user_series = _written_with_portal_observations(
    "user_series",
    "One row per user series of the last load: an inbox indicator that neither inbox.yml, "
    "source_mappings.csv nor a catalogue name maps, loaded as a real-only series `user_<8 hex>` "
    "(models_py/ingest/user_series.py).",
)
