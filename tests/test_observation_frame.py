"""The loader's candidate observations made column by column (models_py.ingest.observations) against the
frame made from one tuple per cell, as the loader made it before (the reference here), and raw tables
written from several frames at once (models_py.warehouse.replace_table)."""

import duckdb
import pandas as pd
import pytest

from models_py.ingest.cells import Cell
from models_py.ingest.loader import OBS_COLUMNS, RANKS
from models_py.ingest.observations import MAPPING_COLUMNS, CandidateCells
from models_py.warehouse import replace_table

MAPPINGS = [  # MAPPING_COLUMNS: series, unit, factor, source unit, precedence, file rank, via mappings
    ("gdp", "亿元", 1e-4, "万元", 10, None, True),
    ("user_1a2b3c4d", "人", 1.0, "人", 5, 3, False),
    ("rd_intensity", "%", 1.0, None, 10, None, True),
]
FILES = [  # file, kind, database, time range, cells (mapping index, Cell)
    ("data/inbox/firms.csv", "long_csv", None, None, [
        (0, Cell(1000600519, "600519", 2020, "营业收入(万元)", 12345.5, " 12345.5", 2, "营业收入(万元)")),
        (1, Cell(1000600519, "600519", 2020, "员工人数", 800.0, "800", 2, "员工人数")),
        (0, Cell(1000000001, "000001", 2021, "营业收入(万元)", 7.25, "7.25", 3, "营业收入(万元)")),
    ]),
    ("data/inbox/empty.csv", "long_csv", None, None, []),
    ("seeds/shipped/nbs-exports/rd.xls", "portal_xls", "分省年度数据", "2013-2022", [
        (2, Cell(11, "北京市", 2022, "R&D经费投入强度(%)", 6.83, "6.83", 5, "2022年", "Sheet1", None)),
        (2, Cell(31, "上海市", 2021, "R&D经费投入强度(%)", 4.21, "4.21", 6, "2021年", "Sheet1", "%")),
    ]),
]


def tuple_reference() -> pd.DataFrame:
    """What the loader built before: one OBS_COLUMNS + RANKS tuple per mapped cell, then one frame."""
    rows = []
    for file, kind, database, time_range, cells in FILES:
        for index, c in cells:
            series, unit, factor, source_unit, precedence, rank, via = MAPPINGS[index]
            rows.append((c.region_code, c.year, series, c.number * factor, unit, f"real: {file}", file,
                         c.source_sheet, c.source_row, c.source_column, c.raw_text, c.indicator_text, factor,
                         c.number, source_unit, kind, database, time_range, precedence, rank, via))
    return pd.DataFrame(rows, columns=OBS_COLUMNS + RANKS)


def candidates(files=FILES) -> CandidateCells:
    built = CandidateCells()
    for file, kind, database, time_range, cells in files:
        ids = [built.mapping_id(MAPPINGS[index]) for index, _ in cells]
        built.add([c for _, c in cells], ids, file, kind, database, time_range)
    return built


def test_frame_by_column_equals_the_frame_of_tuples():
    built = candidates()
    assert len(built) == 5
    frame = built.frame(OBS_COLUMNS + RANKS)
    pd.testing.assert_frame_equal(frame, tuple_reference(), check_exact=True)
    assert len(built) == 0  # the arrays went into the frame


def test_a_mapping_no_cell_uses_does_not_type_the_columns():
    """A shipped file's indicator with only empty cells is mapped but brings no value: its mapping (file
    rank None here) must not turn the file rank column of the others into floats."""
    files = [FILES[0][:4] + ([FILES[0][4][1]],)]  # the user series' cell only: file rank 3
    built = candidates(files)
    built.mapping_id(("gdp_unused", "亿元", 1.0, "亿元", 10, None, True))
    frame = built.frame(OBS_COLUMNS + RANKS)
    assert frame["file_rank"].dtype == "int64" and frame["file_rank"].tolist() == [3]
    assert MAPPING_COLUMNS[-2] == "file_rank"


def test_the_same_mapping_twice_is_one_mapping():
    built = CandidateCells()
    assert built.mapping_id(MAPPINGS[0]) == built.mapping_id(tuple(MAPPINGS[0])) == 0
    assert built.mapping_id(MAPPINGS[1]) == 1


def test_a_table_from_several_frames_types_columns_over_all_of_them(tmp_path):
    """A CSV firm table's frame has sheet None everywhere (DuckDB type NULL): written with a frame whose
    sheets are text, the column is VARCHAR, as appending the frames first made it."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    csv = pd.DataFrame({"region_code": pd.Series([1, 2], dtype="int32"),
                        "source_sheet": pd.Series([None, None], dtype=object)})
    xls = pd.DataFrame({"source_sheet": ["Sheet1"], "region_code": pd.Series([3], dtype="int32")})
    assert replace_table(con, "raw", "t", csv, xls) == 3
    types = dict(con.execute("select column_name, data_type from duckdb_columns() where table_name = 't'").fetchall())
    assert types == {"region_code": "INTEGER", "source_sheet": "VARCHAR"}
    assert sorted(con.execute("select region_code, source_sheet from raw.t").fetchall(),
                  key=lambda r: r[0]) == [(1, None), (2, None), (3, "Sheet1")]


def test_a_failing_frame_leaves_the_table_as_it_was(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    replace_table(con, "raw", "t", pd.DataFrame({"x": [1, 2]}))
    not_a_number = pd.DataFrame({"x": [{"a": 1}]})  # a struct: no common type with the integers
    with pytest.raises(duckdb.ConversionException):
        replace_table(con, "raw", "t", pd.DataFrame({"x": [7]}), not_a_number)
    assert con.execute("select x from raw.t order by x").fetchall() == [(1,), (2,)]
