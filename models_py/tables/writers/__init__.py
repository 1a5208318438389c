"""Writers of a DisplayTable: Markdown, HTML, Excel, Word, LaTeX — the same cells, three rules each."""
