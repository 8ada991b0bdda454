"""Answers in JSON or CSV, rows paged: the envelope every verb shares.

JSON is ``{"params": …, "notes": […], "summary": …, "rows": […], "page": …}`` with the
CLI's column names and values (:func:`econsec.formatting.to_jsonable`); CSV (``?format=csv``
or ``Accept: text/csv``) is the page of rows as the CLI's ``--format csv`` writes it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from fastapi import Query, Request
from fastapi.responses import JSONResponse, Response

if TYPE_CHECKING:
    import polars as pl

    from econsec.web.runner import Limits


class OutFormat(StrEnum):
    """Formats of a verb's answer."""

    json = "json"
    csv = "csv"


FormatQuery = Query(
    description="json (default) or csv; `Accept: text/csv` asks for CSV too.",
)
OffsetQuery = Query(ge=0, le=10_000_000, description="First row of the page.")
LimitQuery = Query(ge=1, description="Rows in the page (default 1,000; at most 10,000).")


def wants_csv(request: Request, fmt: OutFormat | None) -> bool:
    """Whether the client asked for CSV (the parameter wins over the Accept header)."""
    if fmt is not None:
        return fmt == OutFormat.csv
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


def page_bounds(offset: int, limit: int | None, limits: Limits) -> tuple[int, int]:
    """``(offset, limit)`` with the default and the largest page applied."""
    from econsec.web.problems import Problem

    n = limits.default_rows if limit is None else limit
    if n > limits.max_rows:
        raise Problem(
            422, f"limit: at most {limits.max_rows:,} rows a page, got {n:,}", parameter="limit"
        )
    return offset, n


def csv_text(df: pl.DataFrame) -> str:
    """CSV of a frame as the CLI writes it (numbers tidied, lists joined by spaces)."""
    import polars as pl

    from econsec.formatting import tidy_frame

    lists = [c for c, t in df.schema.items() if isinstance(t, pl.List)]
    if lists:
        df = df.with_columns(pl.col(c).cast(pl.List(pl.Utf8)).list.join(" ") for c in lists)
    nested = [c for c, t in df.schema.items() if isinstance(t, pl.Struct | pl.Object)]
    return str(tidy_frame(df.drop(nested)).write_csv())


def csv_response(df: pl.DataFrame, name: str) -> Response:
    """Return a CSV download named after the verb."""
    return Response(
        csv_text(df),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def paged(
    request: Request,
    body: dict[str, Any],
    frame: pl.DataFrame,
    *,
    name: str,
    fmt: OutFormat | None,
    offset: int,
    limit: int | None,
    limits: Limits,
) -> Response:
    """Answer ``body`` (whose ``rows`` are ``frame``'s) with one page of rows."""
    start, n = page_bounds(offset, limit, limits)
    if wants_csv(request, fmt):
        return csv_response(frame.slice(start, n), name)
    rows = body.get("rows") or []
    total = len(rows)
    out = dict(body)
    out["rows"] = rows[start : start + n]
    out["page"] = {"offset": start, "limit": n, "total": total}
    headers = {}
    if start + n < total:
        nxt = request.url.include_query_params(offset=start + n, limit=n)
        headers["Link"] = f'<{nxt}>; rel="next"'
        out["page"]["next"] = str(nxt)
    return JSONResponse(out, headers=headers)
