"""Run an Ibis expression and return a polars frame, by the shortest path the backend has.

On DuckDB, ``con.to_polars`` goes through a converter module that imports pandas (about
0.2–0.3 s of a one-product query's start-up) only to define classes for pandas results.
Arrow results need none of it: the relation is fetched as Arrow and typed to the
expression's schema with Ibis' own Arrow mapper. Other backends use ``to_polars``.
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir
import polars as pl


def to_polars(con: Any, expr: ir.Table) -> pl.DataFrame:
    """Execute ``expr`` on ``con`` (an Ibis backend) and return the result as polars."""
    relation = getattr(con, "_to_duckdb_relation", None)
    schema = expr.schema()
    # Null-typed columns need the DuckDB mapper (pandas-bound); none of our metrics has one.
    if (
        getattr(con, "name", "") != "duckdb"
        or relation is None
        or any(t.is_null() for t in schema.types)
    ):
        return con.to_polars(expr)
    from ibis.formats.pyarrow import PyArrowData

    table = expr.__pyarrow_result__(relation(expr).to_arrow_table(), data_mapper=PyArrowData)
    out = pl.from_arrow(table)
    assert isinstance(out, pl.DataFrame)
    return out
