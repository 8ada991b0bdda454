"""Engine selection, the Spark compiler's ordered first/last, and the warehouse read by Spark."""

from __future__ import annotations

import shutil
import sys

import ibis
import ibis.common.exceptions as com
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from econsec import analysis
from econsec.cli.main import app
from econsec.engine import Warehouse, connect
from econsec.errors import EngineError
from econsec.metrics.shares import concentration

runner = CliRunner()

# --------------------------------------------------------------------------------------
# selection (no Spark needed)


@pytest.mark.unit
def test_unknown_engine_names_the_source_and_the_choices(monkeypatch):
    with pytest.raises(EngineError, match=r"unknown engine 'oracle' \(engine\); allowed: duckdb"):
        connect("oracle")
    monkeypatch.setenv("ECONSEC_ENGINE", "sqlite")
    with pytest.raises(EngineError, match=r"'sqlite' \(ECONSEC_ENGINE\)"):
        connect()
    with pytest.raises(EngineError, match="not int"):
        connect(42)


@pytest.mark.unit
def test_engine_default_and_given_connection(monkeypatch):
    monkeypatch.delenv("ECONSEC_ENGINE", raising=False)
    assert connect().name == "duckdb"
    assert connect(" Polars ").name == "polars"
    con = ibis.duckdb.connect()
    assert connect(con) is con
    assert Warehouse("/nonexistent", engine=con).con is con


@pytest.mark.unit
def test_cli_rejects_an_unknown_engine(monkeypatch, home):
    monkeypatch.setenv("ECONSEC_ENGINE", "duckdb")
    r = runner.invoke(app, ["--engine", "oracle", "autonomy", "--year", "2024"])
    assert r.exit_code == 2
    assert "unknown engine 'oracle'" in r.output
    monkeypatch.setenv("ECONSEC_ENGINE", "oracle")
    r = runner.invoke(app, ["autonomy", "--year", "2024", "--format", "csv"])
    assert r.exit_code == 2
    assert r.stdout == ""
    assert "error: unknown engine 'oracle' (ECONSEC_ENGINE)" in r.stderr
    assert "Traceback" not in r.output


@pytest.mark.unit
def test_pyspark_without_pyspark_or_java_is_a_one_line_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(EngineError, match=r"pip install 'econsec\[spark\]'"):
        connect("pyspark")
    monkeypatch.undo()
    pytest.importorskip("pyspark")
    from econsec import spark

    monkeypatch.setattr(spark.shutil, "which", lambda _: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(EngineError, match="needs Java 17"):
        spark.start_session()


@pytest.mark.unit
def test_spark_connect_url_and_master_come_from_the_environment(monkeypatch):
    pytest.importorskip("pyspark")
    from econsec import spark

    seen = {}

    def fake_start(master, remote):
        seen.update(master=master, remote=remote)
        return "session"

    monkeypatch.setattr(spark, "start_session", fake_start)
    monkeypatch.setattr(spark, "connect_session", lambda s: ibis.duckdb.connect())
    monkeypatch.setenv("ECONSEC_SPARK_REMOTE", "sc://spark.example:15002")
    monkeypatch.setenv("ECONSEC_SPARK_MASTER", "spark://head:7077")
    connect("pyspark")
    assert seen == {"master": "spark://head:7077", "remote": "sc://spark.example:15002"}


@pytest.mark.unit
def test_unreachable_spark_connect_is_a_one_line_error(monkeypatch):
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    from econsec import spark

    def refuse(self, url):
        raise RuntimeError("[CONNECTION_REFUSED] failed to connect\nat grpc ...")

    monkeypatch.setattr(SparkSession.Builder, "remote", refuse)
    with pytest.raises(EngineError) as e:
        spark.start_session(remote="sc://nowhere:15002")
    assert str(e.value) == (
        "cannot reach Spark Connect at sc://nowhere:15002: [CONNECTION_REFUSED] failed to connect"
    )


# --------------------------------------------------------------------------------------
# ordered first/last on Spark (max_by over a struct of the keys)

TIES = pl.DataFrame(
    {
        "g": [1, 1, 1, 2, 2, 3, 3, 3],
        "u": [30, 10, 20, 5, 7, 9, 8, 4],
        # -1 stands for null: made null in the query, since a memtable's float nulls reach
        # Spark as NaN (which sorts above every number on both engines).
        "v": [5.0, 5.0, 1.0, 2.0, 2.0, -1.0, 3.0, 3.0],
        "s": ["c", "a", "b", "x", "y", "m", "n", "o"],
    }
)


def _both(spark_con, build):
    t = ibis.memtable(TIES.to_arrow())
    t = t.mutate(v=ibis.ifelse(t.v < 0, ibis.null("float64"), t.v))
    expr = build(t).order_by("g")
    return spark_con.to_polars(expr), ibis.duckdb.connect().to_polars(expr)


@pytest.mark.spark
def test_ordered_first_and_last_pick_the_rows_duckdb_picks(spark_con):
    got, want = _both(
        spark_con,
        lambda t: t.group_by("g").aggregate(
            top=t.u.first(order_by=[ibis.desc(t.v), t.u]),
            bottom=t.u.last(order_by=[ibis.desc(t.v), t.u]),
            first_s=t.s.first(order_by=[t.s]),
            last_s=t.s.last(order_by=[ibis.desc(t.s)]),
            top_big=t.u.first(order_by=[ibis.desc(t.v), t.u], where=t.u > 5),
            nulls_first=t.u.first(order_by=[t.v.desc(nulls_first=True), t.u]),
            asc=t.u.first(order_by=[t.v, ibis.desc(t.u)]),
        ),
    )
    assert got.to_dicts() == want.to_dicts()
    # Ties on the value go to the lower code; a null value sorts last in descending order.
    assert got["top"].to_list() == [10, 5, 4]


@pytest.mark.spark
def test_ordered_first_with_mixed_string_keys_is_refused(spark_con):
    t = ibis.memtable(TIES.to_arrow())
    expr = t.group_by("g").aggregate(x=t.u.first(order_by=[ibis.desc(t.v), t.s]))
    with pytest.raises(com.UnsupportedOperationError, match="numeric keys"):
        spark_con.to_polars(expr)


@pytest.mark.spark
@pytest.mark.property
@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.integers(1, 3), st.integers(1, 6), st.sampled_from([1.0, 2.0, 2.5, 7.0])),
        min_size=1,
        max_size=25,
        unique_by=lambda r: (r[0], r[1]),
    )
)
def test_concentration_top_unit_matches_duckdb(spark_con, rows):
    df = pl.DataFrame(rows, schema={"k": pl.Int64, "i": pl.Int64, "v": pl.Float64}, orient="row")
    expr = concentration(ibis.memtable(df.to_arrow()), ["k"], "i").order_by("k")
    got, want = spark_con.to_polars(expr), ibis.duckdb.connect().to_polars(expr)
    assert got["top"].to_list() == want["top"].to_list()
    assert got["hhi"].to_list() == pytest.approx(want["hhi"].to_list(), rel=1e-12)


# --------------------------------------------------------------------------------------
# the warehouse on Spark: local folders and a URI (ECONSEC_TRADE_URI)

FLOWS = pl.DataFrame(
    {
        "t": [2024] * 6 + [2023] * 3,
        "i": [156, 392, 276, 842, 156, 410, 156, 842, 392],
        "j": [392, 156, 392, 392, 842, 392, 392, 392, 156],
        "k": ["850511"] * 4 + ["811292"] * 2 + ["850511"] * 3,
        "v": [50.0, 10.0, 20.0, 20.0, 7.0, 3.0, 40.0, 40.0, 9.0],
    }
).cast({"t": pl.Int16, "i": pl.Int16, "j": pl.Int16})


@pytest.mark.spark
def test_small_warehouse_on_spark_equals_duckdb(spark_con, make_warehouse, monkeypatch):
    home = make_warehouse(FLOWS)
    monkeypatch.delenv("ECONSEC_TRADE_URI", raising=False)
    want = analysis.autonomy_trend("JPN", rival="CHN", home=home, engine="duckdb").to_polars()
    got = analysis.autonomy_trend("JPN", rival="CHN", home=home, engine=spark_con).to_polars()
    assert got.equals(want)
    # 2023: CHN and USA tie at 40 for Japan's magnets; the lower code (CHN, 156) is on top.
    assert got.filter(pl.col("year") == 2023)["top_supplier"].to_list() == ["CHN"]


@pytest.mark.spark
def test_trade_partitions_read_from_a_uri(spark_con, make_warehouse, monkeypatch, tmp_path):
    home = make_warehouse(FLOWS)
    # A copy of the trade tree elsewhere, read through a URI; the catalogue stays in home.
    lake = tmp_path / "lake"

    shutil.copytree(home / "baci", lake / "baci")
    monkeypatch.setenv("ECONSEC_TRADE_URI", lake.as_uri())
    wh = Warehouse(home, engine=spark_con)
    got = analysis.autonomy("JPN", 2024, warehouse=wh).to_polars()
    monkeypatch.delenv("ECONSEC_TRADE_URI")
    want = analysis.autonomy("JPN", 2024, home=home, engine="duckdb").to_polars()
    assert got.equals(want)
    # It really read the lake: with the lake's copy gone, the query fails.
    monkeypatch.setenv("ECONSEC_TRADE_URI", lake.as_uri())
    shutil.rmtree(lake)
    with pytest.raises(EngineError, match=r"Spark cannot read .*lake.*year=2024"):
        analysis.autonomy("JPN", 2024, warehouse=Warehouse(home, engine=spark_con))


@pytest.mark.spark
def test_spark_writes_results_without_collecting(spark_con, make_warehouse, monkeypatch, tmp_path):
    home = make_warehouse(FLOWS)
    monkeypatch.delenv("ECONSEC_TRADE_URI", raising=False)
    want = analysis.autonomy_trend("JPN", rival="CHN", home=home, engine="duckdb").to_polars()
    res = analysis.autonomy_trend(
        "JPN", rival="CHN", home=home, engine=spark_con, out=tmp_path / "aut"
    )
    assert res.frame.height == 0 and res.frame.schema == want.schema
    got = pl.read_parquet(tmp_path / "aut" / "*.parquet").sort("year", "product")
    assert got.equals(want.sort("year", "product"))
    assert any(f"{want.height} rows written" in n for n in res.notes)
