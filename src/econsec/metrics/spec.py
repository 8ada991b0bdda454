"""Custom screens read from TOML: thresholds on any metric column, combined with all/any.

Example::

    name = "Concentrated and hard to replace"
    table = "geodep"          # autonomy | indispensability | geodep | eu
    combine = "all"           # all | any
    importer = "JPN"          # optional selections, as in the Python API
    products = ["850511", "2846"]

    [[conditions]]
    column = "import_hhi"
    op = ">"
    value = 0.6

    [[conditions]]
    column = "world_hhi"
    op = ">="
    value = 0.3

Errors name the file, the line and the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import process

from econsec.errors import DataError
from econsec.metrics.screens import OPS, Condition
from econsec.tomlsafe import load_toml

#: Selections each screen table accepts, besides ``year``.
TABLE_OPTIONS: dict[str, frozenset[str]] = {
    "autonomy": frozenset({"importer", "rival", "rival_group", "bloc", "products"}),
    "indispensability": frozenset({"exporter", "products", "threshold", "redirect"}),
    "geodep": frozenset({"importer", "products"}),
    "eu": frozenset({"bloc", "products"}),
}
_TOP_KEYS = frozenset({"name", "description", "table", "combine", "conditions", "year"})


@dataclass(frozen=True)
class ScreenSpec:
    """A custom screen: which metric table, which thresholds, how they combine.

    Attributes
    ----------
    table
        ``autonomy``, ``indispensability``, ``geodep`` or ``eu``.
    conditions
        Thresholds, in file order.
    combine
        ``all`` (every condition) or ``any``.
    options
        Selections passed to the table's API function (``importer``, ``products``, …).
    year
        Year to screen, unless given by the caller.
    """

    table: str
    conditions: tuple[Condition, ...]
    combine: str = "all"
    name: str = "custom screen"
    description: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    year: int | None = None
    source: str = "<spec>"
    lines: Mapping[str, int] = field(default_factory=dict)

    def check_columns(self, columns: Sequence[str]) -> None:
        """Raise :class:`DataError` naming the condition whose column the table lacks."""
        for n, c in enumerate(self.conditions):
            if c.column not in columns:
                near = process.extract(c.column, list(columns), limit=3, score_cutoff=50)
                hint = f"; did you mean {', '.join(h[0] for h in near)}?" if near else ""
                raise DataError(
                    f"table {self.table!r} has no column {c.column!r}{hint} "
                    f"(columns: {', '.join(columns)})",
                    path=self.source,
                    line=self.lines.get(f"conditions[{n}]"),
                    field=f"conditions[{n}].column",
                )


def load_spec(source: str | Path | Mapping[str, Any]) -> ScreenSpec:
    """Read a screen spec from a TOML file, TOML text or a mapping.

    Raises
    ------
    DataError
        On a TOML syntax error or an invalid field, naming file, line and field.
    """
    if isinstance(source, Mapping):
        return spec_from_dict(source, name="<dict>", text="")
    p = Path(source) if not (isinstance(source, str) and "\n" in source) else None
    if p is not None:
        if not p.exists():
            raise FileNotFoundError(f"screen spec not found: {p}")
        text, name = p.read_text(encoding="utf-8"), str(p)
    else:
        text, name = str(source), "<spec>"
    data = load_toml(text, what=name)
    return spec_from_dict(data, name=name, text=text)


def spec_from_dict(data: Mapping[str, Any], *, name: str, text: str) -> ScreenSpec:
    """Validate a parsed spec (``text`` is the TOML, to report line numbers)."""
    lines = _key_lines(text)

    def fail(msg: str, fld: str, line_key: str | None = None) -> DataError:
        return DataError(msg, path=name, line=lines.get(line_key or fld), field=fld)

    table = data.get("table")
    if table not in TABLE_OPTIONS:
        raise fail(f"'table' must be one of {', '.join(TABLE_OPTIONS)}; got {table!r}", "table")
    allowed = _TOP_KEYS | TABLE_OPTIONS[table]
    for key in data:
        if key not in allowed:
            raise fail(
                f"unknown field {key!r} for table {table!r}; allowed: {', '.join(sorted(allowed))}",
                key,
            )
    combine = data.get("combine", "all")
    if combine not in ("all", "any"):
        raise fail(f"'combine' must be 'all' or 'any'; got {combine!r}", "combine")
    raw = data.get("conditions")
    if not isinstance(raw, list) or not raw:
        raise fail("at least one [[conditions]] table is needed", "conditions")
    conds = []
    for n, c in enumerate(raw):
        where = f"conditions[{n}]"
        if not isinstance(c, Mapping):
            raise fail("each condition is a table with column, op, value", where, where)
        extra = set(c) - {"column", "op", "value"}
        if extra:
            raise fail(f"unknown keys {sorted(extra)}", f"{where}.{sorted(extra)[0]}", where)
        col, op, val = c.get("column"), c.get("op"), c.get("value")
        if not isinstance(col, str) or not col:
            raise fail("'column' must be a column name", f"{where}.column", where)
        if op not in OPS:
            raise fail(f"'op' must be one of {', '.join(OPS)}; got {op!r}", f"{where}.op", where)
        if isinstance(val, bool) or not isinstance(val, int | float):
            raise fail(f"'value' must be a number; got {val!r}", f"{where}.value", where)
        conds.append(Condition(col, op, float(val)))
    year = data.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise fail(f"'year' must be an integer; got {year!r}", "year")
    options = {k: v for k, v in data.items() if k in TABLE_OPTIONS[table]}
    return ScreenSpec(
        table=table,
        conditions=tuple(conds),
        combine=combine,
        name=str(data.get("name", "custom screen")),
        description=str(data.get("description", "")),
        options=options,
        year=year,
        source=name,
        lines=lines,
    )


def _key_lines(text: str) -> dict[str, int]:
    """Line numbers (1-based) of top-level keys and of each ``[[conditions]]`` header."""
    out: dict[str, int] = {}
    n_cond = 0
    in_table = False
    for no, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if re.match(r"^\[\[\s*conditions\s*\]\]", s):
            out[f"conditions[{n_cond}]"] = no
            out.setdefault("conditions", no)
            n_cond += 1
            in_table = True
        elif s.startswith("["):
            in_table = True
        elif not in_table and (m := re.match(r"^([A-Za-z_][\w-]*)\s*=", s)):
            out.setdefault(m.group(1), no)
    return out
