"""Make the shipped raw_data.csv: the upstream file without its CEADs CO2 column.

The upstream panel's `Total apparent CO2 emissions (mt)` comes from the CEADs inventory, which is
under CEADs' own terms, so the project never ships it. Every other byte stays as upstream: the BOM,
the CRLF line ends and each remaining field's text. Only the column and the comma before it go.

    python seeds/shipped/energy-panel/strip_co2.py UPSTREAM_raw_data.csv [OUTPUT]

OUTPUT defaults to raw_data.csv next to this script. Upstream: see NOTICE.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

CO2_COLUMN = b"Total apparent CO2 emissions (mt)"
BOM = b"\xef\xbb\xbf"


def strip_column(data: bytes, column: bytes = CO2_COLUMN) -> bytes:
    """``data`` without ``column``. The file has no quoted fields (checked), so a comma splits."""
    if b'"' in data:
        raise ValueError("quoted fields: a plain comma split would be wrong; update this script")
    lines = data.splitlines(keepends=True)
    header = lines[0].removeprefix(BOM).rstrip(b"\r\n").split(b",")
    if header.count(column) != 1:
        raise ValueError(f"expected exactly one {column.decode()!r} column, header is {header}")
    drop = header.index(column)
    out = []  # the BOM stays on the first line's first field, untouched
    for number, line in enumerate(lines, start=1):
        body = line.rstrip(b"\r\n")
        ending = line[len(body):]
        fields = body.split(b",")
        if len(fields) != len(header):
            raise ValueError(f"line {number}: {len(fields)} fields, header has {len(header)}")
        out.append(b",".join(fields[:drop] + fields[drop + 1:]) + ending)
    return b"".join(out)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    upstream = Path(argv[1])
    output = Path(argv[2]) if len(argv) == 3 else Path(__file__).with_name("raw_data.csv")
    output.write_bytes(strip_column(upstream.read_bytes()))
    print(f"wrote {output} ({CO2_COLUMN.decode()!r} removed)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
