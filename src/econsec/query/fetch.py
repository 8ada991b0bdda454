"""Run an Ibis expression and return a polars frame, by the shortest path the backend has.

On DuckDB, ``con.to_polars`` goes through a converter module that imports pandas (about
0.2–0.3 s of a one-product query's start-up) only to define classes for pandas results.
Arrow results need none of it: the relation is fetched as Arrow and typed to the
expression's schema with Ibis' own Arrow mapper. Other backends use ``to_polars``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir
import polars as pl

if TYPE_CHECKING:
    import pyarrow as pa


def to_arrow(con: Any, expr: ir.Table) -> pa.Table:
    """Execute ``expr`` on ``con`` (an Ibis backend) and return an Arrow table of its schema."""
    relation = _duckdb_relation(con, expr)
    if relation is None:
        return con.to_pyarrow(expr)
    from ibis.formats.pyarrow import PyArrowData

    table: pa.Table = expr.__pyarrow_result__(
        relation(expr).to_arrow_table(), data_mapper=PyArrowData
    )
    return table


def to_polars(con: Any, expr: ir.Table) -> pl.DataFrame:
    """Execute ``expr`` on ``con`` (an Ibis backend) and return the result as polars."""
    if _duckdb_relation(con, expr) is None:
        return con.to_polars(expr)
    out = pl.from_arrow(to_arrow(con, expr))
    assert isinstance(out, pl.DataFrame)
    return out


def _duckdb_relation(con: Any, expr: ir.Table) -> Any:
    """DuckDB's relation builder for ``expr`` where the Arrow path serves it, else ``None``."""
    relation = getattr(con, "_to_duckdb_relation", None)
    if getattr(con, "name", "") != "duckdb" or relation is None:
        return None
    # Null-typed columns need the DuckDB mapper (pandas-bound); none of our metrics has one.
    if any(t.is_null() for t in expr.schema().types):
        return None
    return relation
