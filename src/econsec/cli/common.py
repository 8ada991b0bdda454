"""Shared CLI plumbing: options, output formats and error reporting."""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from typer.exceptions import TyperException

from econsec.errors import EconsecError

if TYPE_CHECKING:
    import polars as pl

# Nothing heavy (polars, ibis, numpy ...) is imported here at module level: every command
# module imports this one, and `econsec --help` must start fast. Commands import what they
# use inside their function.

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


#: Environment variable that makes :func:`handle_errors` show full tracebacks.
DEBUG_ENV = "ECONSEC_DEBUG"


def debug_enabled() -> bool:
    """Whether tracebacks are wanted (``ECONSEC_DEBUG=1`` or ``econsec --debug``)."""
    return os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no")


def _error(prefix: str, message: object) -> None:
    # One line per problem: a user reads it, a script greps it.
    lines = [" ".join(x.split()) for x in str(message).splitlines()]
    for text in [x for x in lines if x] or ["(no message)"]:
        console.print(f"[bold red]{prefix}:[/] {escape(text)}", highlight=False, soft_wrap=True)


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn errors into one line on stderr instead of a traceback.

    ``EconsecError``, ``ValueError`` and ``OSError`` (bad input, missing or unwritable files)
    exit with status 2; anything else is an internal error and exits with status 1. With
    ``ECONSEC_DEBUG=1`` (or ``econsec --debug``) the traceback is shown instead.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, TyperException):
            raise  # typer's own exits and usage errors
        except BrokenPipeError:
            # The reader went away (`econsec ... | head`): not an error of ours.
            _silence_stdout()
            raise typer.Exit(1) from None
        except (EconsecError, ValueError, OSError, RecursionError) as e:
            if debug_enabled():
                raise
            _error("error", _describe(e))
            raise typer.Exit(2) from None
        except Exception as e:
            if debug_enabled():
                raise
            _error(
                "internal error",
                f"{type(e).__name__}: {e} (run with --debug for the traceback)",
            )
            raise typer.Exit(1) from None

    return wrapper


def _describe(e: BaseException) -> str:
    if isinstance(e, RecursionError):
        return "input nested too deeply to read (run with --debug for the traceback)"
    if isinstance(e, OSError) and e.filename is not None and e.strerror:
        return f"{e.filename}: {e.strerror}"
    return str(e)


def _silence_stdout() -> None:
    # Further writes (Python flushes stdout at exit) must not raise again.
    with contextlib.suppress(OSError, ValueError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())


def check_out_path(path: Path, option: str = "--out") -> Path:
    """Return ``path`` if a file can be written there; ValueError naming the option if not.

    Checked before any work is done, so that a long run does not end on an unwritable path.
    """
    if path.is_dir():
        raise ValueError(f"{option} {path}: is a folder; give a file name")
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent  # missing folders are created when writing
    if not parent.is_dir():
        raise ValueError(f"{option} {path}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"{option} {path}: cannot write in {parent} (permission denied)")
    if path.exists() and not os.access(path, os.W_OK):
        raise ValueError(f"{option} {path}: the file is read-only")
    return path


def write_output(path: Path, text: str) -> None:
    """Write an output file atomically (a reader never sees half a file) and say so on stderr."""
    from econsec.warehouse.store import atomic_write_text

    atomic_write_text(path, text)
    console.print(f"wrote {path}", highlight=False, soft_wrap=True)


def dumps_json(obj: Any) -> str:
    """JSON text for CLI output (see :func:`econsec.formatting.to_jsonable`).

    NaN is ``null``, infinities are ``"inf"``/``"-inf"``, floats have at most 12 significant
    digits, dates are ISO text; the text never holds a ``NaN`` token.
    """
    from econsec.formatting import to_jsonable

    return json.dumps(to_jsonable(obj), indent=2, allow_nan=False)


def emit_frame(df: pl.DataFrame, fmt: Format, *, title: str | None = None, limit: int = 50) -> None:
    """Write a frame to stdout as a rich table, CSV or JSON records (numbers as ``tidy_frame``)."""
    from rich.table import Table

    from econsec.formatting import tidy_frame

    if fmt == Format.csv:
        out = getattr(sys.stdout, "buffer", None)
        if out is None:
            sys.stdout.write(tidy_frame(df).write_csv())
        else:  # straight to the bytes: no text copy of a large table
            sys.stdout.flush()
            tidy_frame(df).write_csv(out)
            out.flush()
    elif fmt == Format.json:
        sys.stdout.write(dumps_json(tidy_frame(df).to_dicts()) + "\n")
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
