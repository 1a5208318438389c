"""HTML three-line table: thick rules above the header and below the body, a thin one under the header."""
from __future__ import annotations

from html import escape

from models_py.tables.model import DisplayTable

THREE_LINE_CSS = """
table.three-line { border-collapse: collapse; margin: 0.5em 0 0.2em; font-variant-numeric: tabular-nums;
  border-top: 2px solid #000; border-bottom: 2px solid #000; }
table.three-line caption { caption-side: top; font-weight: bold; padding-bottom: 0.4em; }
table.three-line th, table.three-line td { padding: 0.15em 0.9em; text-align: center; border: none;
  white-space: nowrap; }
table.three-line th:first-child, table.three-line td:first-child, table.three-line .text { text-align: left; }
table.three-line thead tr:last-child th { border-bottom: 1px solid #000; }
table.three-line th { font-weight: normal; }
p.table-note { font-size: 0.85em; margin: 0.1em 0 1.2em; max-width: 60em; }
""".strip()


def table_html(table: DisplayTable, *, anchor: str | None = None) -> str:
    anchor_attr = f' id="{escape(anchor)}"' if anchor else ""
    parts = [f'<table class="three-line"{anchor_attr}>']
    if table.title:
        parts.append(f"<caption>{escape(table.title)}</caption>")
    parts.append("<thead>")
    for header in table.header:
        parts.append("<tr>" + "".join(f"<th>{escape(c)}</th>" for c in header) + "</tr>")
    parts.append("</thead>")
    parts.append("<tbody>")
    for row in table.rows:
        cells = [f"<td>{escape(row.label)}</td>"]
        for i, cell in enumerate(row.cells, start=1):
            cls = ' class="text"' if i in table.text_columns else ""
            cells.append(f"<td{cls}>{escape(cell)}</td>")
        parts.append(f'<tr class="{escape(row.role)}">' + "".join(cells) + "</tr>")
    parts.append("</tbody>")
    parts.append("</table>")
    parts += [f'<p class="table-note">{escape(note)}</p>' for note in table.notes]
    return "\n".join(parts)


def html_page(title: str, body: str, *, lang: str = "zh") -> str:
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(title)}</title>\n<style>\nbody {{ font-family: 'Noto Sans CJK SC', 'Noto Sans', sans-serif; "
            f"margin: 2em auto; max-width: 72em; padding: 0 1em; }}\nimg {{ max-width: 100%; }}\n"
            f".provenance {{ background: #fff8e1; padding: 0.5em 1em; border-left: 4px solid #f0a000; }}\n"
            f"{THREE_LINE_CSS}\n</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")
