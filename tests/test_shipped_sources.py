"""Shipped real sources (models_py/ingest/sources): the registry, the NBS portal exports 2016-2025
reader (spot values, counts, skipped aggregate rows, blanks), the loader wiring, and the choice
between sources in SQL (int_observations_chosen, source_disagreements) against an independent
pandas implementation, on a crafted case and (build) on the shipped data."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from models_py.errors import DataError
from models_py.ingest import load_inbox, load_region_resolver, load_source_mappings, load_unit_converter
from models_py.ingest.loader import WAREHOUSE_COLUMNS
from models_py.ingest.mappings import LAYOUT_KINDS
from models_py.ingest.seeds import read_reference_csv
from models_py.ingest.sources import SOURCES, by_id
from models_py.ingest.sources import nbs_portal_2016_2025 as nbs
from models_py.ingest.sources.choice import choose_sources
from tests.reference.dbt_inline import compile_queries

ROOT = Path(__file__).resolve().parent.parent
FOLDER = "seeds/shipped/nbs-exports-2016-2025"
KEY = ["region_code", "year", "series"]


@pytest.fixture(scope="module")
def frame():
    source = by_id("nbs_portal_2016_2025")
    return source.read(source.path, load_region_resolver(), load_unit_converter())


def value(frame, series, code, year):
    hit = frame[(frame.series == series) & (frame.region_code == code) & (frame.year == year)]
    assert len(hit) == 1, (series, code, year, len(hit))
    return hit.iloc[0]


# --------------------------------------------------------------------------- registry

def test_registry_lists_each_source_once_with_its_folder_notice_and_registry_row():
    ids = [s.source_id for s in SOURCES]
    assert len(ids) == len(set(ids)) and "nbs_portal_2016_2025" in ids
    registry = read_reference_csv("source_registry").set_index("source_id")
    for source in SOURCES:
        assert (source.path / "NOTICE.md").is_file(), source.folder
        assert registry.loc[source.source_id, "folder"] == source.folder
    ranks = registry["default_rank"].astype(int)
    assert ranks.is_unique and ranks["inbox"] == ranks.min()
    # A source_mappings row that is not a portal layout belongs to a registered source.
    kinds = {m.source_kind for m in load_source_mappings()} - LAYOUT_KINDS
    assert kinds <= set(ids)


def test_precedence_seed_is_well_formed():
    precedence = read_reference_csv("source_precedence")
    assert list(precedence.columns) == ["series", "source_id", "year_from", "year_to", "rank", "note"]
    registry = set(read_reference_csv("source_registry").source_id)
    catalogue = set(read_reference_csv("series_catalogue").series_code)
    assert set(precedence.source_id) <= registry and set(precedence.series) <= catalogue
    p = precedence.astype({"year_from": int, "year_to": int, "rank": int})
    assert (p.year_from <= p.year_to).all()
    for _, group in p.groupby(["series", "source_id"]):  # ranges of one series and source never overlap
        g = group.sort_values("year_from")
        assert (g.year_from.iloc[1:].to_numpy() > g.year_to.iloc[:-1].to_numpy()).all(), g


def test_shipped_files_are_unchanged_copies():
    upstream = ROOT.parent.parent / "shared/reference-data/real-provincial/nbs-exports-2016-2024"
    if not upstream.is_dir():
        upstream = Path("/work/shared/reference-data/real-provincial/nbs-exports-2016-2024")
    for name in nbs.FILES:
        assert (ROOT / FOLDER / name).read_bytes() == (upstream / name).read_bytes(), name


# --------------------------------------------------------------------------- the reader

def test_reader_spot_values_and_lineage(frame):
    income = value(frame, "disposable_income", 11, 2022)
    assert income.value == 77415 and income.unit == "元" and income.source_id == "nbs_portal_2016_2025"
    assert income.source_file == f"{FOLDER}/分省年度数据可支配收入.csv"
    assert income.provenance == f"real: {FOLDER}/分省年度数据可支配收入.csv"
    assert (income.source_row, income.source_column, income.raw_text.strip()) == (4, "2022年", "77415")
    assert income.indicator_text == "居民人均可支配收入 (元)" and income.source_kind == "nbs_portal_2016_2025"
    assert value(frame, "disposable_income", 65, 2016).value == 18355
    gdp = value(frame, "gdp", 11, 2024)  # in two files: the 2024 cross-section (first in FILES) is kept
    assert gdp.value == 49670.2 and gdp.source_file.endswith("分省年度数据2024.csv")
    assert value(frame, "gdp", 44, 2021).value == 127577.4
    assert value(frame, "va_tertiary", 11, 2024).value == 42410.2
    assert value(frame, "population", 44, 2024).value == 12780
    assert value(frame, "internet_employment", 11, 2024).value == 101.1
    assert value(frame, "gdp_index", 54, 2024).value == 106.5


def test_consumption_loads_as_the_all_resident_series(frame):
    """All-resident per-capita consumption (Beijing 2022: 42,683 元; the file names neither
    indicator nor unit) is consumption_per_capita, 31 regions x 2016-2024."""
    assert load_source_mappings().lookup(nbs.SOURCE_ID, "居民人均消费支出 (元)").series_code == "consumption_per_capita"
    consumption = value(frame, "consumption_per_capita", 11, 2022)
    assert consumption.value == 42683 and consumption.source_file.endswith("分省年度数据消费支出.csv")
    assert value(frame, "consumption_per_capita", 11, 2024).value == 49748
    cells = frame[frame.series == "consumption_per_capita"]
    assert len(cells) == 31 * 9 and cells.year.min() == 2016


def test_reader_counts(frame):
    counts = frame.groupby("series").size().to_dict()
    assert counts == {
        "disposable_income": 279, "gdp": 124, "va_primary": 124, "va_secondary": 124,
        "va_tertiary": 31, "va_industry": 31, "financial_va": 31, "population": 31,
        "urban_population": 31, "employment_urban_units": 31, "internet_employment": 31,
        "gdp_index": 31, "consumption_per_capita": 279,
    }
    assert len(frame) == 1178 and not frame.duplicated(KEY).any()
    assert list(frame.columns) == WAREHOUSE_COLUMNS
    files = pd.DataFrame(frame.attrs["files"]).set_index("file")
    assert len(files) == len(nbs.FILES)
    assert files.national_rows.sum() == 0 and files.group_rows.sum() == 0  # these exports have none
    # The 2025 column of the year-across files is blank: 31 missing cells each, never zeros.
    blanks = files.empty_cells.to_dict()
    for name in ("按照年份的GDP.csv", "第一产业.csv", "第二产业.csv"):
        assert blanks.pop(f"{FOLDER}/{name}") == 31
        assert files.loc[f"{FOLDER}/{name}", "duplicates_dropped"] == 31  # 2024 = the cross-section
    assert set(blanks.values()) == {0}
    assert (frame.value != 0).all() and frame.year.max() == 2024


def crafted_copy(tmp_path: Path, edit) -> Path:
    folder = tmp_path / "nbs"
    shutil.copytree(ROOT / FOLDER, folder)
    path = folder / "分省年度数据可支配收入.csv"
    text = path.read_bytes().decode("utf-8-sig")
    path.write_bytes(b"\xef\xbb\xbf" + edit(text).encode("utf-8"))
    return folder


def test_national_and_group_rows_are_skipped_and_counted_blanks_are_missing(tmp_path):
    def edit(text):
        lines = text.split("\n")
        header = next(i for i, line in enumerate(lines) if line.startswith("地区"))
        national = "全国\t,41314\t," + "\t,".join(["1"] * 8) + "\t,"
        group = "东部地区\t,50000\t," + "\t,".join(["1"] * 8) + "\t,"
        lines.insert(header + 1, national)
        lines.insert(header + 2, group)
        beijing = header + 3
        lines[beijing] = lines[beijing].replace("85415", "")  # Beijing 2024 blank
        return "\n".join(lines)

    frame = nbs.read(crafted_copy(tmp_path, edit), load_region_resolver(), load_unit_converter())
    files = pd.DataFrame(frame.attrs["files"])
    income = files[files.file.str.endswith("可支配收入.csv")].iloc[0]
    assert (income.national_rows, income.group_rows, income.empty_cells) == (1, 1, 1)
    got = frame[frame.series == "disposable_income"]
    assert len(got) == 279 - 1 and got[(got.region_code == 11) & (got.year == 2024)].empty
    assert value(frame, "disposable_income", 11, 2023).source_row == 6  # file lines, not shifted


def test_unknown_region_and_differing_duplicate_are_errors(tmp_path):
    with pytest.raises(DataError, match="unknown region name"):
        nbs.read(crafted_copy(tmp_path / "a", lambda t: t.replace("北京市", "北平市")),
                 load_region_resolver(), load_unit_converter())
    folder = crafted_copy(tmp_path / "b", lambda t: t)
    gdp = folder / "按照年份的GDP.csv"
    gdp.write_bytes(gdp.read_bytes().replace(b"49670.2", b"49670.9"))
    with pytest.raises(DataError, match="gdp given twice by one source with different values") as err:
        nbs.read(folder, load_region_resolver(), load_unit_converter())
    assert err.value.region == 11 and err.value.year == 2024


# --------------------------------------------------------------------------- loader wiring

def test_load_inbox_reads_the_shipped_sources_unless_shipped_false(tmp_path):
    result = load_inbox(tmp_path / "missing")
    # every registered source, read on its own, lands whole in shipped_sources under its id
    per_source = {source.source_id: len(source.read(source.path, load_region_resolver(), load_unit_converter()))
                  for source in SOURCES}
    assert per_source["nbs_portal_2016_2025"] == 1178
    assert len(result.shipped_sources) == sum(per_source.values())
    stored = result.warehouse_observations()
    assert list(stored.columns) == WAREHOUSE_COLUMNS
    assert stored.source_id.value_counts().to_dict() == {"nbs_portal": len(result.observations), **per_source}
    assert not stored.duplicated(KEY + ["source_id"]).any()
    report = result.report().set_index("file")
    assert (report.loc[f"{FOLDER}/第一产业.csv", ["kind", "origin", "source_id"]].tolist()
            == ["nbs_portal_2016_2025", "shipped", "nbs_portal_2016_2025"])
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "inbox.yml").write_text("shipped: false\n", encoding="utf-8")
    (inbox / "gdp.csv").write_text("地区,年份,地区生产总值(亿元)\n北京市,2024,1.5\n", encoding="utf-8")
    mine = load_inbox(inbox)
    assert mine.shipped_sources.empty
    assert mine.warehouse_observations()[["series", "source_id", "value"]].values.tolist() == [
        ["gdp", "inbox", 1.5]]


# --------------------------------------------------------------------------- the choice, in SQL

def reference_choice(candidates: pd.DataFrame, registry: pd.DataFrame, precedence: pd.DataFrame) -> pd.DataFrame:
    """Independent of int_observations_chosen and choice.py: a plain loop per region-year-series."""
    default = dict(zip(registry.source_id, registry.default_rank.astype(int)))
    out = []
    for key, group in candidates.groupby(KEY):
        options = []
        for r in group.itertuples():
            rows = precedence[(precedence.series == r.series) & (precedence.source_id == r.source_id)
                              & (precedence.year_from.astype(int) <= r.year)
                              & (precedence.year_to.astype(int) >= r.year)]
            if r.source_id == "inbox":
                order = (0, 0)
            elif len(rows):
                order = (1, int(rows["rank"].iloc[0]))
            else:
                order = (2, default[r.source_id])
            options.append((order, r.source_id, r.value))
        options.sort()
        if len(options) > 1 and options[0][0] == options[1][0]:
            raise ValueError(f"tie {key}")
        out.append((*key, options[0][1], options[0][2], len(options)))
    return pd.DataFrame(out, columns=KEY + ["source_id", "value", "n_sources"])


def reference_disagreements(candidates: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    out = []
    for key, group in candidates.groupby(KEY):
        if len(group) < 2:
            continue
        lo, hi = group.value.min(), group.value.max()
        if hi - lo > 1e-9 * max(abs(lo), abs(hi)):
            out.append((*key, hi - lo and (hi - lo) / min(abs(lo), abs(hi))))
    frame = pd.DataFrame(out, columns=KEY + ["relative_difference"])
    return frame.merge(chosen[KEY + ["source_id", "value"]], on=KEY).rename(
        columns={"source_id": "chosen_source", "value": "chosen_value"})


@pytest.fixture(scope="module")
def compiled():
    models = {"int_observations_chosen": "intermediate", "source_disagreements": "marts",
              "int_city_series_values": "intermediate"}
    queries = {name: (ROOT / "dbt_project/models" / folder / f"{name}.sql").read_text(encoding="utf-8")
               for name, folder in models.items()}
    return compile_queries(queries)[0]


def run_choice(tmp_path, compiled, candidates, registry, precedence):
    """int_observations_chosen and source_disagreements built on crafted inputs, as dbt builds them."""
    connection = duckdb.connect(str(tmp_path / "compile.duckdb"))
    stg = candidates.copy()
    for column in ("unit", "provenance", "source_file", "source_sheet", "source_column", "raw_text",
                   "indicator_text", "source_unit", "source_kind", "source_database", "source_time_range"):
        stg[column] = stg.get(column, "x")
    stg["source_row"], stg["unit_factor"], stg["parsed_value"] = 1, 1.0, stg["value"]
    for schema, name, frame in [("staging", "stg_portal__observations", stg),
                                ("reference", "source_registry", registry.astype({"default_rank": int})),
                                ("reference", "source_precedence", precedence.astype(
                                    {"year_from": int, "year_to": int, "rank": int}))]:
        connection.execute(f"create schema if not exists {schema}")
        connection.register("frame", frame)
        connection.execute(f"create table {schema}.{name} as select * from frame")
        connection.unregister("frame")
    connection.execute("create schema if not exists intermediate")
    connection.execute(f"create table intermediate.int_observations_chosen as {compiled['int_observations_chosen']}")
    chosen = connection.execute("select * from intermediate.int_observations_chosen").df()
    disagreements = connection.execute(compiled["source_disagreements"]).df()
    connection.close()
    return chosen, disagreements


REGISTRY = pd.DataFrame({"source_id": ["inbox", "nbs_portal", "nbs_portal_2016_2025", "regional_disparity"],
                         "default_rank": [0, 10, 20, 30]})
PRECEDENCE = pd.DataFrame(
    [("gdp", "regional_disparity", 2000, 2009, 1, "older years: the compilation first"),
     ("gdp", "nbs_portal", 2010, 2024, 1, "later years: the portal first"),
     ("gdp", "regional_disparity", 2010, 2022, 2, "")],
    columns=["series", "source_id", "year_from", "year_to", "rank", "note"])


def crafted_candidates() -> pd.DataFrame:
    rows = [
        (11, 2005, "gdp", "nbs_portal", 100.0), (11, 2005, "gdp", "regional_disparity", 90.0),
        (11, 2015, "gdp", "nbs_portal", 200.0), (11, 2015, "gdp", "regional_disparity", 210.0),
        (11, 2015, "gdp", "nbs_portal_2016_2025", 205.0),  # no row covers it: after the declared ones
        (11, 2023, "gdp", "nbs_portal_2016_2025", 300.0), (11, 2023, "gdp", "regional_disparity", 301.0),
        (12, 2015, "gdp", "inbox", 1.0), (12, 2015, "gdp", "nbs_portal", 2.0),
        (11, 2015, "va_primary", "nbs_portal_2016_2025", 5.0), (11, 2015, "va_primary", "regional_disparity", 6.0),
        (11, 2016, "va_primary", "nbs_portal_2016_2025", 7.0), (11, 2016, "va_primary", "regional_disparity", 7.0),
        (11, 2017, "va_primary", "regional_disparity", -4.0), (11, 2017, "va_primary", "nbs_portal", 2.0),
        (13, 2015, "gdp", "nbs_portal", 50.0),
    ]
    return pd.DataFrame(rows, columns=["region_code", "year", "series", "source_id", "value"])


def test_choice_on_a_crafted_case_matches_pandas(tmp_path, compiled):
    candidates = crafted_candidates()
    chosen, disagreements = run_choice(tmp_path, compiled, candidates, REGISTRY, PRECEDENCE)
    expected = reference_choice(candidates, REGISTRY, PRECEDENCE)
    got = chosen[KEY + ["source_id", "value", "n_sources"]].sort_values(KEY, ignore_index=True)
    pd.testing.assert_frame_equal(got, expected.sort_values(KEY, ignore_index=True), check_dtype=False)
    # The cases the rule is about, spelled out.
    pick = {(r.region_code, r.year, r.series): r.source_id for r in got.itertuples()}
    assert pick[(11, 2005, "gdp")] == "regional_disparity"  # declared for 2000-2009
    assert pick[(11, 2015, "gdp")] == "nbs_portal"  # declared rank 1 from 2010
    assert pick[(11, 2023, "gdp")] == "nbs_portal_2016_2025"  # regional_disparity's row ends in 2022
    assert pick[(12, 2015, "gdp")] == "inbox"
    assert pick[(11, 2015, "va_primary")] == "nbs_portal_2016_2025"  # default_rank 20 < 30
    rule = {(r.region_code, r.year, r.series): r.choice_rule for r in chosen.itertuples()}
    assert rule[(11, 2015, "gdp")] == "declared" and rule[(11, 2023, "gdp")] == "default"
    assert rule[(12, 2015, "gdp")] == "inbox"
    # Python's copy of the rule (the generator's input) agrees with SQL.
    python = choose_sources(candidates.assign(source_file="x"), root=_seed_root(tmp_path))
    pd.testing.assert_frame_equal(python[KEY + ["source_id"]].sort_values(KEY, ignore_index=True),
                                  expected[KEY + ["source_id"]].sort_values(KEY, ignore_index=True),
                                  check_dtype=False)
    # Disagreements: identical values (va_primary 2016) are not listed; a negative value is handled.
    want = reference_disagreements(candidates, expected).sort_values(KEY, ignore_index=True)
    got = disagreements[KEY + ["relative_difference", "chosen_source", "chosen_value"]].sort_values(
        KEY, ignore_index=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert len(got) == 6 and (11, 2016, "va_primary") not in set(map(tuple, got[KEY].values.tolist()))
    row = got[(got.year == 2015) & (got.series == "gdp") & (got.region_code == 11)].iloc[0]
    assert row.relative_difference == pytest.approx(210 / 200 - 1)


def _seed_root(tmp_path: Path) -> Path:
    """A project root whose seeds/reference holds the crafted registry and precedence."""
    root = tmp_path / "root"
    (root / "seeds/reference").mkdir(parents=True)
    REGISTRY.assign(title="", folder="", terms="").to_csv(root / "seeds/reference/source_registry.csv", index=False)
    PRECEDENCE.to_csv(root / "seeds/reference/source_precedence.csv", index=False)
    return root


def test_a_tie_at_the_same_rank_stops_the_build_naming_series_region_year_and_sources(tmp_path, compiled):
    tie = pd.concat([PRECEDENCE, pd.DataFrame(
        [("gdp", "nbs_portal_2016_2025", 2015, 2015, 1, "same rank as nbs_portal")],
        columns=PRECEDENCE.columns)], ignore_index=True)
    with pytest.raises(duckdb.Error) as err:
        run_choice(tmp_path, compiled, crafted_candidates(), REGISTRY, tie)
    message = str(err.value)
    assert "two sources at the same rank for series gdp, region 11, year 2015" in message
    assert "nbs_portal and nbs_portal_2016_2025" in message
    with pytest.raises(DataError, match="two sources at the same rank") as python:
        choose_sources(crafted_candidates().assign(source_file="x"), root=_seed_root_with(tmp_path, tie))
    assert (python.value.series, python.value.region, python.value.year) == ("gdp", 11, 2015)


def _seed_root_with(tmp_path: Path, precedence: pd.DataFrame) -> Path:
    root = _seed_root(tmp_path / "tie")
    precedence.to_csv(root / "seeds/reference/source_precedence.csv", index=False)
    return root


# --------------------------------------------------------------------------- the shipped warehouse

@pytest.mark.build
def test_shipped_choice_and_disagreements_match_pandas(warehouse_connection):
    raw = warehouse_connection.execute(
        "select region_code, year, series, source_id, value from raw.portal_observations").df()
    registry = read_reference_csv("source_registry")
    precedence = read_reference_csv("source_precedence")
    expected = reference_choice(raw, registry, precedence).sort_values(KEY, ignore_index=True)
    chosen = warehouse_connection.execute(
        "select region_code, year, series, source_id, value, n_sources from intermediate.int_observations_chosen "
        "order by series, region_code, year").df().sort_values(KEY, ignore_index=True)
    pd.testing.assert_frame_equal(chosen, expected, check_dtype=False)
    python = choose_sources(raw.assign(source_file="x")).sort_values(KEY, ignore_index=True)
    pd.testing.assert_frame_equal(python[KEY + ["source_id"]], expected[KEY + ["source_id"]], check_dtype=False)
    want = reference_disagreements(raw, expected).sort_values(KEY, ignore_index=True)
    got = warehouse_connection.execute(
        "select region_code, year, series, relative_difference, chosen_source, chosen_value "
        "from source_disagreements").df().sort_values(KEY, ignore_index=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False, atol=1e-12)
    values = warehouse_connection.execute("select count(*) from source_disagreement_values").fetchone()[0]
    assert values == int(raw.merge(want[KEY], on=KEY).shape[0])


@pytest.mark.build
def test_shipped_source_values_reach_the_warehouse(warehouse_connection):
    income = warehouse_connection.execute(
        "select value, provenance from series_values where series = 'disposable_income' "
        "and region_code = 11 and year = 2022").fetchone()
    assert income == (77415.0, f"real: {FOLDER}/分省年度数据可支配收入.csv")
    listed = {r[0] for r in warehouse_connection.execute("select distinct source_id from sources").fetchall()}
    assert {"nbs_portal", "nbs_portal_2016_2025", "synthetic"} <= listed


def test_city_values_from_the_inbox_beat_the_demo_panel(tmp_path, compiled):
    """int_city_series_values: per city-year-series the source with the lowest default_rank (the user's
    inbox 0 before the generated demo panel), the demo elsewhere; is_synthetic follows the source."""
    connection = duckdb.connect(str(tmp_path / "compile.duckdb"))
    rows = [(130100, 2020, "gdp", "inbox", 1.0), (130100, 2020, "gdp", "city_demo", 2.0),
            (130100, 2021, "gdp", "city_demo", 3.0), (211300, 2020, "population", "city_demo", 4.0)]
    stg = pd.DataFrame(rows, columns=["region_code", "year", "series", "source_id", "value"])
    stg = stg.assign(unit="u", provenance="p", source_file="f", source_row=1, source_column="c", raw_text="t",
                     is_synthetic=stg["source_id"] == "city_demo")
    registry = pd.DataFrame({"source_id": ["inbox", "nbs_portal", "city_demo"], "default_rank": [0, 10, 95]})
    units = pd.DataFrame({"unit_code": [130100, 211300], "level": "prefecture_city"})
    for schema, name, frame in [("staging", "stg_city__observations", stg), ("reference", "source_registry", registry),
                                ("intermediate", "int_units", units)]:
        connection.execute(f"create schema if not exists {schema}")
        connection.register("frame", frame)
        connection.execute(f"create table {schema}.{name} as select * from frame")
        connection.unregister("frame")
    chosen = connection.execute(compiled["int_city_series_values"]).df().sort_values(["region_code", "year"])
    connection.close()
    assert chosen[["region_code", "year", "series", "value", "is_synthetic"]].values.tolist() == [
        [130100, 2020, "gdp", 1.0, False], [130100, 2021, "gdp", 3.0, True], [211300, 2020, "population", 4.0, True]]
