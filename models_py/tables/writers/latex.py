"""LaTeX: booktabs rules (\\toprule, \\midrule, \\bottomrule) and threeparttable notes.

The document wrapper uses ctexart (XeLaTeX) for the Chinese text.
"""
from __future__ import annotations

import re

from models_py.tables.model import DisplayTable

_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
            "²": r"\textsuperscript{2}", "χ": r"$\chi$"}
_STARS = re.compile(r"^(.*?)(\*{1,3})$")


def escape(text: str) -> str:
    return "".join(_SPECIAL.get(ch, ch) for ch in text)


def _cell(text: str) -> str:
    match = _STARS.match(text)
    if match and match.group(1):  # 0.1234*** → 0.1234$^{***}$
        return escape(match.group(1)) + "$^{" + match.group(2) + "}$"
    return escape(text)


def table_latex(table: DisplayTable) -> str:
    spec = "l" + "".join("l" if i in table.text_columns else "c" for i in range(1, table.width))
    lines = [r"\begin{table}[htbp]", r"\centering", r"\begin{threeparttable}"]
    if table.title:
        lines.append(r"\caption{" + escape(table.title) + "}")
    lines += [r"\label{tab:" + re.sub(r"[^A-Za-z0-9_:-]", "-", table.name) + "}",
              r"\begin{tabular}{" + spec + "}", r"\toprule"]
    for header in table.header:
        lines.append(" & ".join(_cell(c) for c in header) + r" \\")
    lines.append(r"\midrule")
    for row in table.rows:
        lines.append(" & ".join(_cell(c) for c in [row.label, *row.cells]) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    if table.notes:
        lines.append(r"\begin{tablenotes}\footnotesize")
        lines += [r"\item " + escape(note) for note in table.notes]
        lines.append(r"\end{tablenotes}")
    lines += [r"\end{threeparttable}", r"\end{table}"]
    return "\n".join(lines)


def latex_document(title: str, tables: list[DisplayTable]) -> str:
    body = "\n\n".join(table_latex(t) for t in tables)
    return "\n".join([
        r"% Compile with XeLaTeX (ctex). Each table is also usable alone with booktabs + threeparttable.",
        r"\documentclass[UTF8]{ctexart}",
        r"\usepackage{booktabs}", r"\usepackage{threeparttable}", r"\usepackage{geometry}",
        r"\geometry{a4paper, margin=2cm}",
        r"\begin{document}",
        r"\section*{" + escape(title) + "}",
        body,
        r"\end{document}", "",
    ])
