"""Reading the reference data files shipped under ``econsec/data`` (CSV with ``#`` comments)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from econsec.errors import DataError


@dataclass(frozen=True)
class Row:
    """One data row of a reference CSV, with the line it came from (1-based, comments counted)."""

    line: int
    values: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.values[key]


def data_path(*parts: str) -> str:
    """Display path of a shipped data file, for error messages."""
    return "econsec/data/" + "/".join(parts)


def read_text(*parts: str) -> str:
    """Text of a shipped data file, e.g. ``read_text("groups", "groups.csv")``."""
    node = resources.files("econsec").joinpath("data")
    for p in parts:
        node = node.joinpath(p)
    return node.read_text(encoding="utf-8")


def read_rows(text: str, *, path: object, required: tuple[str, ...]) -> list[Row]:
    """Parse CSV text whose comment lines start with ``#``; check the header names ``required``.

    Raises
    ------
    DataError
        Naming the file and line when the header lacks a column or a row has too many fields.
    """
    lines = text.splitlines()
    out: list[Row] = []
    header: list[str] | None = None
    for n, raw in enumerate(lines, start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        fields = next(csv.reader(io.StringIO(raw)))
        if header is None:
            header = [h.strip() for h in fields]
            missing = [c for c in required if c not in header]
            if missing:
                raise DataError(f"header lacks columns {missing}", path=path, line=n)
            continue
        if len(fields) > len(header):
            raise DataError(f"{len(fields)} fields, header has {len(header)}", path=path, line=n)
        fields += [""] * (len(header) - len(fields))
        out.append(Row(n, {h: v.strip() for h, v in zip(header, fields, strict=True)}))
    if header is None:
        raise DataError("no header row", path=path)
    return out


def read_shipped(*parts: str, required: tuple[str, ...]) -> list[Row]:
    """Rows of a shipped data file (see :func:`read_rows`)."""
    return read_rows(read_text(*parts), path=data_path(*parts), required=required)


def parse_date(value: str, *, path: object, line: int, field: str) -> date | None:
    """Parse an ISO date; None for an empty cell."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DataError(
            f"not an ISO date (YYYY-MM-DD): {value!r}", path=path, line=line, field=field
        ) from None


def as_path(p: Path | str) -> Path:
    """Return a user-supplied path with ``~`` expanded."""
    return Path(p).expanduser()
