import ibis
import polars as pl
import pytest


@pytest.mark.unit
def test_ibis_duckdb_can_create_tables():
    # Guards the pins of duckdb and sqlglot: newer releases break ibis 12's DuckDB backend.
    con = ibis.duckdb.connect()
    t = con.create_table("flows", pl.DataFrame({"k": ["850511"], "v": [1.5]}))
    assert t.v.sum().execute() == 1.5
    assert con.to_pyarrow(t).num_rows == 1
