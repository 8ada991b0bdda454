"""Small flow tables for metric tests, and running Ibis expressions on DuckDB."""

from __future__ import annotations

from collections.abc import Iterable

import ibis
import ibis.expr.types as ir
import polars as pl
from hypothesis import strategies as st

# CEPII codes used in the tests (see tests/conftest.py SMALL_COUNTRIES).
CHN, JPN, KOR, TWN, USA, DEU, FRA, NLD, AUS, BRA, IND = (
    156,
    392,
    410,
    490,
    842,
    276,
    251,
    528,
    36,
    76,
    699,
)

FLOW_SCHEMA = {"t": pl.Int16, "i": pl.Int16, "j": pl.Int16, "k": pl.Utf8, "v": pl.Float64}

_CON = None


def con() -> ibis.BaseBackend:
    """One embedded DuckDB connection shared by the tests (queries are independent)."""
    global _CON
    if _CON is None:
        _CON = ibis.duckdb.connect(threads=1)
    return _CON


def frame(rows: Iterable[tuple[int, int, int, str, float]]) -> pl.DataFrame:
    """Flows ``t, i, j, k, v`` from tuples."""
    return pl.DataFrame(list(rows), schema=FLOW_SCHEMA, orient="row")


def table(df: pl.DataFrame) -> ir.Table:
    """An Ibis table over the frame."""
    return ibis.memtable(df.to_arrow())


def run(expr: ir.Table, sort: list[str] | None = None) -> pl.DataFrame:
    """Execute on DuckDB; sort by ``sort`` (default: every non-float column)."""
    out = con().to_polars(expr)
    keys = sort or [c for c, d in out.schema.items() if not d.is_float()]
    return out.sort(keys)


# Two products, year 2024. Arithmetic of the golden tests refers to these flows.
MAGNETS, CHIPS = "850511", "854231"
GOLDEN = frame(
    [
        (2024, CHN, JPN, MAGNETS, 60.0),
        (2024, KOR, JPN, MAGNETS, 30.0),
        (2024, DEU, JPN, MAGNETS, 10.0),
        (2024, JPN, USA, MAGNETS, 40.0),
        (2024, CHN, USA, MAGNETS, 40.0),
        (2024, CHN, KOR, MAGNETS, 20.0),
        (2024, JPN, CHN, CHIPS, 90.0),
        (2024, KOR, CHN, CHIPS, 10.0),
        (2024, JPN, KOR, CHIPS, 20.0),
    ]
)


# Random flows for property tests.
COUNTRIES = [4, 36, 156, 251, 276, 392, 410, 490]
PRODUCTS = ["010121", "850511", "854231"]
YEARS = tuple(range(2015, 2025))


@st.composite
def flows(draw: st.DrawFn, years: tuple[int, ...] = YEARS) -> pl.DataFrame:
    """Unique (t, i, j, k) flows with i != j and positive values, some of them equal."""
    keys = draw(
        st.sets(
            st.tuples(
                st.sampled_from(years),
                st.sampled_from(COUNTRIES),
                st.sampled_from(COUNTRIES),
                st.sampled_from(PRODUCTS),
            ).filter(lambda x: x[1] != x[2]),
            min_size=1,
            max_size=120,
        )
    )
    # Values on a coarse grid so that ties (e.g. equal top suppliers, exact halves) happen.
    values = draw(
        st.lists(
            st.one_of(st.integers(1, 5).map(float), st.floats(0.001, 1e6)),
            min_size=len(keys),
            max_size=len(keys),
        )
    )
    rows = [(*k, v) for k, v in zip(sorted(keys), values, strict=True)]
    return pl.DataFrame(rows, schema=FLOW_SCHEMA, orient="row")
