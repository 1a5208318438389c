"""CJK text in figures: Noto Sans CJK from Debian's fonts-noto-cjk, found through font_manager.

Without it matplotlib falls back to DejaVu Sans and draws every Chinese character as an empty box
(“tofu”) with only a warning; here a missing font is an error, and so is any "Glyph … missing"
warning while a figure is saved.
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
from matplotlib import font_manager  # noqa: E402

FONT_FILE_STEMS = ("NotoSansCJK-Regular", "NotoSansCJKsc-Regular", "NotoSansCJK-Medium")
INSTALL_HINT = "install Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk; the Makefile target `system`)"


class FontMissingError(RuntimeError):
    """No Noto Sans CJK font: Chinese labels would be drawn as empty boxes."""


class MissingGlyphError(RuntimeError):
    """matplotlib could not draw a character with the configured fonts."""


@lru_cache(maxsize=1)
def cjk_font() -> tuple[str, Path]:
    """(family name, file) of Noto Sans CJK, registered with matplotlib; FontMissingError if absent."""
    candidates = [Path(p) for p in font_manager.findSystemFonts(fontext="ttf")]
    candidates += [Path(p) for p in font_manager.findSystemFonts(fontext="otf")]
    for stem in FONT_FILE_STEMS:
        for path in sorted(candidates):
            if path.stem == stem:
                font_manager.fontManager.addfont(str(path))
                name = font_manager.FontProperties(fname=str(path)).get_name()
                return name, path
    raise FontMissingError(f"Noto Sans CJK not found among {len(candidates)} system fonts; {INSTALL_HINT}")


def use_cjk_font() -> str:
    """Make Noto Sans CJK the first sans-serif font of every figure; returns its family name."""
    name, path = cjk_font()
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False  # the CJK font's hyphen, not U+2212
    matplotlib.rcParams["svg.fonttype"] = "path"  # glyphs embedded: the SVG shows the same text everywhere
    matplotlib.rcParams["svg.hashsalt"] = "nqp"  # stable ids between runs
    resolved = Path(font_manager.findfont(font_manager.FontProperties(family=["sans-serif"])))
    if resolved != path:
        raise FontMissingError(f"matplotlib resolves the sans-serif family to {resolved}, not {path}; {INSTALL_HINT}")
    return name


@contextmanager
def glyph_check(what: str):
    """Raise MissingGlyphError when matplotlib warns that a glyph is missing while drawing `what`."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    missing = [str(w.message) for w in caught if "missing from" in str(w.message) and "Glyph" in str(w.message)]
    if missing:
        raise MissingGlyphError(f"{what}: {missing[0]} ({len(missing)} missing glyph warnings)")
    for w in caught:  # anything else is passed on as it came
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def save(figure, stem: Path) -> list[Path]:
    """Write stem.png and stem.svg, failing on any missing glyph; returns both paths."""
    import matplotlib.pyplot as plt

    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        for suffix, options in ((".png", {"dpi": 200}), (".svg", {})):
            path = stem.with_suffix(suffix)
            tmp = path.with_name(path.stem + ".tmp" + suffix)
            with glyph_check(str(path)):
                figure.savefig(tmp, bbox_inches="tight", **options)
            tmp.replace(path)
            written.append(path)
    finally:
        plt.close(figure)
    return written
