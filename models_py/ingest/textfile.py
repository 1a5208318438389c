"""Decode an export's bytes and split it into numbered lines.

Portal CSVs are GBK without BOM; the integrated panel is UTF-8 with BOM; a user may re-save either
as plain UTF-8. Anything else (UTF-16, Big5 bytes that are invalid GBK, binary) is a DataError,
because a wrongly decoded region name or number must never reach the warehouse.
"""

from __future__ import annotations

from pathlib import Path

from models_py.errors import DataError

UTF8_BOM = b"\xef\xbb\xbf"


def decode(data: bytes, file: str) -> tuple[str, str]:
    """Return (text, encoding name). Raises DataError naming the line of the first bad byte."""
    if data.startswith(UTF8_BOM):
        return _strict(data[len(UTF8_BOM):], "utf-8", file), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        raise DataError(
            "wrong encoding: NUL bytes (UTF-16 or binary); expected a GBK or UTF-8 text export",
            file=file, row=_line_of(data, data.find(b"\x00")) if b"\x00" in data else 1,
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass  # GBK text is (almost) never valid UTF-8, so this order cannot mis-decode a portal file
    return _strict(data, "gbk", file), "gbk"


def _strict(data: bytes, encoding: str, file: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.reason in ("unexpected end of data", "incomplete multibyte sequence") and exc.end >= len(data) - 1:
            # A download or copy cut short inside a multi-byte character, not a wrong encoding.
            raise DataError(f"truncated: the file ends inside a {encoding.upper()} character",
                            file=file, row=_line_of(data, exc.start)) from None
        bad = data[exc.start:exc.start + 2].hex(" ")
        raise DataError(
            f"wrong encoding: byte(s) {bad} cannot be decoded as {encoding.upper()}"
            + (" (nor as UTF-8)" if encoding == "gbk" else ""),
            file=file, row=_line_of(data, exc.start),
        ) from None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, max(offset, 0)) + 1


def split_lines(text: str) -> list[str]:
    """Lines without terminators (CRLF or LF); a final terminator does not add an empty line.

    str.splitlines() is avoided: it also splits on U+2028, U+0085 … and would shift line numbers.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def read_lines(path: Path, file: str) -> list[str]:
    return split_lines(decode(path.read_bytes(), file)[0])
