"""A study's figures, as declared in its dbt YAML or by default, drawn from the published warehouse.

A study panel may declare its figures under `config.meta.figures`:

    figures:
      - {kind: index_trend, system: nqp_a, group: region3}
      - {kind: weights, system: nqp_a}
      - {kind: density, system: nqp_a, years: [2013, 2018, 2022]}
      - {kind: choropleth, system: nqp_a, year: 2022}

Without a declaration a study gets all four for its main index system (the first system of
reference.index_systems with that study, one named nqp_* first): density for the first, middle and
last year, the map for the last year.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from models_py.figures import charts
from models_py.figures.fonts import save

KINDS = ("index_trend", "weights", "density", "choropleth")
FIGURE_KEYS = ("kind", "system", "group", "years", "year", "period", "title_zh", "title_en")
GROUPS = ("region3", "region4", "south_north")
# the order the papers list region groups in (east before central before west …)
GROUP_ORDER = "case {column} when 'east' then 1 when 'central' then 2 when 'west' then 3 when 'northeast' then 4 " \
              "when 'south' then 5 when 'north' then 6 else 9 end"


class FigureDeclarationError(ValueError):
    """A figure declaration that cannot be drawn; the message names the study and the figure."""


@dataclass(frozen=True)
class FigureSpec:
    study: str
    kind: str
    system: str
    group: str = "region3"
    years: tuple[int, ...] = ()
    year: int | None = None
    period: str = "pooled"
    title_zh: str | None = None
    title_en: str | None = None

    @property
    def stem(self) -> str:
        suffix = f"_{self.year}" if self.kind == "choropleth" and self.year else ""
        return f"{self.study}_{self.kind}_{self.system}{suffix}"


def parse_figures(study: str, raw) -> list[FigureSpec]:
    if not isinstance(raw, list):
        raise FigureDeclarationError(f"study {study}: config.meta.figures must be a list, got {raw!r}")
    specs = []
    for number, item in enumerate(raw):
        where = f"study {study}, figures[{number}]"
        if not isinstance(item, dict):
            raise FigureDeclarationError(f"{where}: every figure is a mapping, got {item!r}")
        unknown = sorted(set(item) - set(FIGURE_KEYS))
        if unknown:
            raise FigureDeclarationError(f"{where}: unknown key(s) {unknown}; allowed: {', '.join(FIGURE_KEYS)}")
        if item.get("kind") not in KINDS:
            raise FigureDeclarationError(f"{where}: kind must be one of {', '.join(KINDS)}, got {item.get('kind')!r}")
        if not item.get("system"):
            raise FigureDeclarationError(f"{where}: needs the index system (e.g. system: nqp_a)")
        group = item.get("group", "region3")
        if group not in GROUPS:
            raise FigureDeclarationError(f"{where}: group must be one of {', '.join(GROUPS)}, got {group!r}")
        years = item.get("years") or ()
        if not isinstance(years, (list, tuple)) or not all(isinstance(y, int) for y in years):
            raise FigureDeclarationError(f"{where}: years must be a list of years, got {years!r}")
        year = item.get("year")
        if year is not None and not isinstance(year, int):
            raise FigureDeclarationError(f"{where}: year must be a year, got {year!r}")
        specs.append(FigureSpec(study, item["kind"], str(item["system"]), group, tuple(years), year,
                                str(item.get("period", "pooled")), item.get("title_zh"), item.get("title_en")))
    return specs


def default_figures(study: str, systems: pd.DataFrame) -> list[FigureSpec]:
    """All four figures of the study's main index system (none when the study has no index)."""
    own = [s for s in systems.loc[systems["study"] == study, "system"]]
    if not own:
        return []
    main = next((s for s in own if s.startswith("nqp")), own[0])
    return [FigureSpec(study, kind, main) for kind in KINDS]


def _years(query: Callable, spec: FigureSpec) -> list[int]:
    years = query("select distinct year from index_scores where system = ? and level = 'total' order by year",
                  [spec.system])["year"].astype(int).tolist()
    if not years:
        known = query("select count(*) as n from reference.index_systems where system = ?", [spec.system])
        if int(known["n"].iloc[0]):  # a declared system left unscored (a real-only build without its inputs)
            raise charts.NoFigureData(f"figure {spec.kind} of {spec.system}: the system has no scores "
                                      "(not scored, see index_system_status)")
        raise FigureDeclarationError(f"study {spec.study}: index_scores has no scores of system {spec.system!r}")
    return years


def _system_name(query: Callable, system: str, lang: str) -> str:
    names = query("select name_zh, name_en from reference.index_systems where system = ?", [system])
    if names.empty:
        return system
    return str(names.iloc[0]["name_zh" if lang == "zh" else "name_en"])


def _pretty(code) -> str:
    return str(code).replace("_", " ").capitalize()


def draw(spec: FigureSpec, query: Callable, lang: str) -> "charts.Figure":
    """The matplotlib Figure of one declaration; `query(sql, params)` reads the warehouse."""
    name = _system_name(query, spec.system, lang)
    title = spec.title_zh if lang == "zh" else spec.title_en
    if spec.kind == "index_trend":
        label = f"{spec.group}_zh" if lang == "zh" else spec.group
        # a city, county or firm takes its province's group (int_units: the catalogue's units and the
        # firms of the firm tables, each with its province)
        frame = query(f"""select s.year, r.{label} as group_label, s.score from index_scores s
                          join intermediate.int_units u on u.unit_code = s.region_code
                          join reference.regions r on r.region_code = u.province_code
                          where s.system = ? and s.level = 'total'
                          order by {GROUP_ORDER.format(column='r.' + spec.group)}, s.year""", [spec.system])
        if lang == "en":
            frame["group_label"] = frame["group_label"].map(_pretty)
        return charts.index_trend(frame, title or (f"{name}：分地区平均得分" if lang == "zh"
                                                   else f"{name}: mean score by region group"), lang)
    if spec.kind == "weights":
        frame = query("""select w.dimension, i.dimension_zh, w.indicator, i.indicator_zh, w.weight_pct
                         from index_weights w
                         left join reference.index_indicators i on i.system = w.system and i.indicator = w.indicator
                         where w.system = ? and w.level = 'indicator' and w.period = ?
                         order by w.dimension, w.weight_pct desc""", [spec.system, spec.period])
        if frame.empty:
            scored = query("select count(*) as n from index_weights where system = ?", [spec.system])
            if int(scored["n"].iloc[0]) == 0:  # not scored at all (a real-only build without its inputs)
                raise charts.NoFigureData(f"figure weights of {spec.system}: the system has no weights "
                                          "(not scored, see index_system_status)")
            raise FigureDeclarationError(f"study {spec.study}: index_weights has no indicator weights of "
                                         f"system {spec.system!r} in period {spec.period!r}")
        if lang == "zh":
            frame["dimension_label"] = frame["dimension_zh"].fillna(frame["dimension"])
            frame["indicator_label"] = frame["indicator_zh"].fillna(frame["indicator"])
        else:
            frame["dimension_label"] = frame["dimension"].map(_pretty)
            frame["indicator_label"] = frame["indicator"]
        return charts.weight_bars(frame, title or (f"{name}：指标权重（按维度）" if lang == "zh"
                                                   else f"{name}: indicator weights by dimension"), lang)
    years = _years(query, spec)
    if spec.kind == "density":
        chosen = list(spec.years) or sorted({years[0], years[len(years) // 2], years[-1]})
        absent = sorted(set(chosen) - set(years))
        if absent:
            raise FigureDeclarationError(f"study {spec.study}: system {spec.system} has no scores in {absent}")
        frame = query("select year, score from index_scores where system = ? and level = 'total'", [spec.system])
        return charts.kernel_density(frame, chosen, title or (f"{name}：核密度分布" if lang == "zh"
                                                              else f"{name}: kernel density across regions"), lang)
    year = spec.year or years[-1]
    if year not in years:
        raise FigureDeclarationError(f"study {spec.study}: system {spec.system} has no scores in {year}")
    # the level from int_units (firms included); the outline's adcode from the units seed, which has no firms
    frame = query("""select cast(o.boundary_adcode as varchar) as adcode, u.level, s.score as value
                     from index_scores s join intermediate.int_units u on u.unit_code = s.region_code
                     left join reference.units o on o.unit_code = s.region_code
                     where s.system = ? and s.level = 'total' and s.year = ?""", [spec.system, year])
    unmapped = sorted(set(frame["level"]) & {"county", "firm"})
    if unmapped:  # outlines are drawn for provinces and cities only
        what = "county-level units" if unmapped[0] == "county" else "firms"
        raise charts.NoFigureData(f"figure choropleth of {spec.system}: the system scores {what}, "
                                  "and maps are drawn for provinces and prefecture-level cities only")
    cities = bool((frame["level"] == "prefecture_city").any())
    return charts.choropleth(frame, title or (f"{name}：{year} 年分{'市' if cities else '省'}得分" if lang == "zh"
                                              else f"{name} by {'city' if cities else 'province'}, {year}"), lang)


@dataclass(frozen=True)
class DrawnFigure:
    spec: FigureSpec
    title: str
    png: Path
    svg: Path


def write_figures(specs: list[FigureSpec], query: Callable, directory: Path, lang: str,
                  not_drawn: list[str] | None = None) -> list[DrawnFigure]:
    """Draw and save each figure; one with no data (charts.NoFigureData) is skipped and its reason
    appended to `not_drawn` (raised when no list is given)."""
    out = []
    for spec in specs:
        try:
            figure = draw(spec, query, lang)
        except charts.NoFigureData as empty:
            if not_drawn is None:
                raise
            not_drawn.append(str(empty))
            continue
        title = figure.axes[0].get_title()
        png, svg = save(figure, directory / f"{spec.stem}_{lang}")
        out.append(DrawnFigure(spec, title, png, svg))
    return out
