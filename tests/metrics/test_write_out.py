"""Results written by the engine to Parquet (``out=`` / ``--out``) instead of collected."""

from __future__ import annotations

import polars as pl
import pytest
from metrics_helpers import GOLDEN
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from econsec import analysis
from econsec.cli.main import app

pytestmark = pytest.mark.unit
KEYS = ["year", "importer", "product"]


@pytest.fixture
def wh_home(make_warehouse):
    return make_warehouse(GOLDEN)


def test_autonomy_written_equals_collected(wh_home, tmp_path):
    want = analysis.autonomy(year=2024, rival="CHN", home=wh_home).to_polars()
    res = analysis.autonomy(year=2024, rival="CHN", home=wh_home, out=tmp_path / "a.parquet")
    assert res.frame.height == 0 and res.frame.schema == want.schema
    assert res.params["out"] == str(tmp_path / "a.parquet")
    got = pl.read_parquet(tmp_path / "a.parquet")
    assert_frame_equal(got.sort(KEYS), want.sort(KEYS))
    assert (
        res.notes[-1]
        == f"{want.height:,} rows written to {tmp_path / 'a.parquet'} by the engine (not collected)"
    )


def test_blocs_and_exporters_are_shown_as_in_the_frame(wh_home, tmp_path):
    res = analysis.autonomy(bloc=["JPN", "KOR"], year=2024, home=wh_home, out=tmp_path / "b.pq")
    assert pl.read_parquet(tmp_path / "b.pq")["importer"].unique().to_list() == ["JPN+KOR"]
    assert res.params["importer"] == ["JPN+KOR"]
    want = analysis.indispensability(year=2024, home=wh_home).to_polars()
    analysis.indispensability(year=2024, home=wh_home, out=tmp_path / "i.parquet")
    keys = ["year", "product", "exporter"]
    assert_frame_equal(pl.read_parquet(tmp_path / "i.parquet").sort(keys), want.sort(keys))


def test_nothing_matched_says_so(wh_home, tmp_path):
    res = analysis.autonomy("BRA", 2024, home=wh_home, out=tmp_path / "none.parquet")
    assert "nothing matched" in res.notes[-1]


def test_cli_out_keeps_stdout_empty(wh_home, tmp_path):
    out = tmp_path / "cli.parquet"
    r = CliRunner().invoke(
        app, ["autonomy", "--year", "2024", "--out", str(out), "--home", str(wh_home)]
    )
    assert r.exit_code == 0, r.output
    assert "rows written" in r.output  # the note, on stderr
    assert pl.read_parquet(out).height == analysis.autonomy(year=2024, home=wh_home).frame.height
    r = CliRunner().invoke(
        app, ["autonomy", "--year", "2024", "--out", str(tmp_path), "--home", str(wh_home)]
    )
    assert r.exit_code == 2 and "not empty" in r.output
