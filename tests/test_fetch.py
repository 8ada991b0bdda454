"""Results fetched as Arrow (no pandas on DuckDB) equal the backend's own ``to_polars``."""

from __future__ import annotations

import ibis
import polars as pl
import pytest

from econsec.query.fetch import to_polars


@pytest.fixture
def flows() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "t": pl.Series([2024, 2024, 2024, 2023], dtype=pl.Int16),
            "i": pl.Series([156, 410, 156, 4], dtype=pl.Int16),
            "k": ["850511", "850511", "280461", "280461"],
            "v": [6.0, 4.0, None, 1.5],
        }
    )


@pytest.mark.parametrize("backend", ["duckdb", "polars"])
def test_same_frame_as_the_backend(backend: str, flows: pl.DataFrame) -> None:
    con = ibis.duckdb.connect() if backend == "duckdb" else ibis.polars.connect()
    t = con.create_table("flows", flows)
    expr = (
        t.group_by(["t", "k"])
        .aggregate(total=t.v.sum(), n=t.count(), top=t.i.max())
        .order_by(["t", "k"])
    )
    got = to_polars(con, expr)
    assert got.equals(con.to_polars(expr))
    assert got.schema == con.to_polars(expr).schema
    assert got["top"].dtype == pl.Int16 and got["k"].to_list() == ["280461", "280461", "850511"]


def test_null_typed_column_takes_the_backend_path(flows: pl.DataFrame) -> None:
    con = ibis.duckdb.connect()
    t = con.create_table("flows", flows)
    expr = t.select("k", nothing=ibis.null())
    got = to_polars(con, expr)
    assert got.equals(con.to_polars(expr))
