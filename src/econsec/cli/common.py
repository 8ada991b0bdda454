"""Shared CLI plumbing: options, output formats and error reporting."""

from __future__ import annotations

import functools
import json
import math
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from econsec.errors import EconsecError

console = Console(stderr=True)
P = ParamSpec("P")
R = TypeVar("R")


class Format(StrEnum):
    """Output formats of analysis commands."""

    table = "table"
    csv = "csv"
    json = "json"


HomeOption = typer.Option(None, "--home", help="Warehouse folder (default: ECONSEC_HOME).")
FormatOption = typer.Option(Format.table, "--format", "-f", help="Output format.")
SyntheticOption = typer.Option(
    False, "--allow-synthetic", help="Allow synthetic releases (scale tests only)."
)


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn econsec's errors into a one-line message and exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (EconsecError, ValueError, FileNotFoundError) as e:
            console.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def _jsonable(x: Any) -> Any:
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, Path):
        return str(x)
    return x


def dumps_json(obj: Any) -> str:
    """JSON text for CLI output: NaN as null, infinities as strings, dates as ISO text."""
    return json.dumps(_jsonable(obj), indent=2, default=str, allow_nan=False)


def emit_frame(df: pl.DataFrame, fmt: Format, *, title: str | None = None, limit: int = 50) -> None:
    """Write a frame to stdout as a rich table, CSV or JSON records."""
    if fmt == Format.csv:
        sys.stdout.write(df.write_csv())
    elif fmt == Format.json:
        sys.stdout.write(dumps_json(df.to_dicts()) + "\n")
    else:
        rows = [[_cell(v) for v in row] for row in df.head(limit).iter_rows()]
        # Never squeeze values into ellipses: a wide table is wider than the terminal.
        widths = [max([len(c), *(len(r[n]) for r in rows)]) for n, c in enumerate(df.columns)]
        out = Console(width=max(Console().width, sum(widths) + 3 * len(widths) + 1))
        tbl = Table(title=title, show_lines=False)
        for c in df.columns:
            tbl.add_column(c, justify="right" if df[c].dtype.is_numeric() else "left", no_wrap=True)
        for r in rows:
            tbl.add_row(*r)
        out.print(tbl)
        if df.height > limit:
            out.print(f"… {df.height - limit} more rows (use --format csv for all)")


def emit_json(obj: Any) -> None:
    """Write an object to stdout as JSON."""
    sys.stdout.write(dumps_json(obj) + "\n")


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isinf(v):
            return "inf"
        return f"{v:,.4g}" if abs(v) < 1 else f"{v:,.1f}"
    return str(v)
