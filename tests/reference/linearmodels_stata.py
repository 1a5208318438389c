"""Stata results that linearmodels ships for its simulated panel, read for our reference tests.

The .do file that produced them is linearmodels' results/execute-stata-simulated-data.py
(xtreg …, fe | re with vce(conventional | robust | cluster)); the data are
results/simulated-panel.dta.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

LM_RESULTS = Path(importlib.util.find_spec("linearmodels").submodule_search_locations[0]) / "tests/panel/results"
LM_STATA_TXT = LM_RESULTS / "stata-panel-simulated-results.txt"
LM_STATA_DTA = LM_RESULTS / "simulated-panel.dta"


def stata_block(key: str) -> tuple[pd.DataFrame, dict[str, float], pd.DataFrame]:
    """(b/t/p per term, e() scalars, e(V)) of one block of the Stata results file.

    We parse the file ourselves because linearmodels' parse_stata_results reads the t statistic
    twice and never the p-value.
    """
    lines = [line.strip() for line in LM_STATA_TXT.read_text().splitlines()]
    start = lines.index(f"#################!{key}!####################")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("#####")), len(lines))
    block = [line for line in lines[start + 1 : end] if line]
    i = block.index("b/t/p") + 1
    coef = {}
    while not block[i].startswith("rss"):
        name, b = block[i].split("\t")
        coef[name] = (float(b), float(block[i + 1]), float(block[i + 2]))
        i += 3
    scalars = {}
    while "Variance" not in block[i]:
        parts = block[i].split("\t")
        if len(parts) == 2:
            scalars[parts[0]] = float(parts[1])
        i += 1
    names = block[i + 2].split("\t")
    rows = [[float(v) for v in block[i + 3 + r].split("\t")[1:]] for r in range(len(names))]
    return pd.DataFrame(coef, index=["b", "t", "p"]).T, scalars, pd.DataFrame(rows, index=names, columns=names)
