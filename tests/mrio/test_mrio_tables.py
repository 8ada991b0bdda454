"""Loading MRIO tables: Parquet bundles, pymrio systems, balance reports, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pymrio
import pytest
from mrio_helpers import MB_X, mb_table, random_table

from econsec.errors import DataError, NotFoundError
from econsec.mrio.propagate import multipliers
from econsec.mrio.tables import from_pymrio, load_table, read_bundle, read_oecd_icio, write_bundle


@pytest.mark.unit
def test_balance_report_on_unbalanced_table() -> None:
    t = mb_table(x=np.array([1000.0, 2010.0]))  # row 2 claims 10 more output than Z1 + Y1
    rep = t.balance()
    s = rep.summary()
    assert not rep.balanced and s["rows_off_balance"] == 1
    assert s["max_abs_residual"] == 10.0
    assert s["max_rel_residual"] == pytest.approx(10 / 2010)
    assert rep.worst(1)["sector"][0] == "s2"
    assert s["productive"] and s["negative_value_added_sectors"] == 0
    assert t.balance(atol=10.0).balanced  # within an absolute tolerance of 10
    fixed = t.rebalanced()
    assert fixed.balance(atol=0.0, rtol=0.0).balanced
    np.testing.assert_allclose(fixed.x, MB_X)
    assert "recomputed" in fixed.source


@pytest.mark.unit
@pytest.mark.parametrize("method", ["dense", "sparse"])
def test_singular_table_is_refused(method) -> None:
    from econsec.errors import EconsecError
    from econsec.mrio.solver import LeontiefSolver

    # column sums of A equal 1: I - A is singular, no Leontief inverse exists
    with pytest.raises(EconsecError, match="singular"):
        LeontiefSolver(
            np.array([[50.0, 100.0], [50.0, 100.0]]), np.array([100.0, 200.0]), method=method
        )


@pytest.mark.unit
def test_balanced_table_reports_balanced(mb) -> None:
    assert mb.balance(atol=0, rtol=0).summary()["balanced"] is True


@pytest.mark.unit
def test_bundle_roundtrip(tmp_path: Path) -> None:
    t = random_table(2, 3, 7)
    back = read_bundle(write_bundle(t, tmp_path / "b"))
    np.testing.assert_array_equal(back.Z, t.Z)
    np.testing.assert_array_equal(back.Y, t.Y)
    np.testing.assert_array_equal(back.x, t.x)
    assert back.regions == t.regions and back.sectors == t.sectors
    assert back.fd_labels == t.fd_labels and back.unit == t.unit
    assert load_table(tmp_path / "b").n == t.n


@pytest.mark.unit
def test_bundle_errors_name_the_file(tmp_path: Path) -> None:
    b = write_bundle(random_table(1, 3, 1), tmp_path / "b")
    (b / "x.parquet").unlink()
    with pytest.raises(DataError, match=r"missing x\.parquet"):
        read_bundle(b)

    b = write_bundle(random_table(1, 3, 1), tmp_path / "c")
    Z = pl.read_parquet(b / "Z.parquet")
    Z.select("region", "sector", "R0|s1", "R0|s0", "R0|s2").write_parquet(b / "Z.parquet")
    with pytest.raises(DataError, match=r"Z\.parquet.*field 'R0\|s1'.*row order"):
        read_bundle(b)

    b = write_bundle(random_table(1, 3, 1), tmp_path / "d")
    Y = pl.read_parquet(b / "Y.parquet")
    Y.with_columns(
        pl.when(pl.col("sector") == "s1").then(None).otherwise(pl.col("R0|hh")).alias("R0|hh")
    ).write_parquet(b / "Y.parquet")
    with pytest.raises(DataError, match=r"Y\.parquet, line 2, field 'R0\|hh'"):
        read_bundle(b)

    b = write_bundle(random_table(1, 3, 1), tmp_path / "e")
    (b / "metadata.json").write_text("{oops", encoding="utf-8")
    with pytest.raises(DataError, match=r"metadata\.json, line 1"):
        read_bundle(b)

    with pytest.raises(DataError, match="not a Parquet bundle"):
        load_table(tmp_path)
    with pytest.raises(DataError, match="allowed: auto, bundle"):
        load_table(b, kind="xls")


@pytest.mark.unit
def test_vector_alignment_and_unknown_labels(mb) -> None:
    v = mb.vector(
        pl.DataFrame(
            {"region": ["R", "R", "R"], "sector": ["s2", "s1", "s2"], "value": [1.0, 2.0, 3.0]}
        )
    )
    np.testing.assert_array_equal(v, [2.0, 4.0])
    with pytest.raises(NotFoundError, match="unknown sector 's3'"):
        mb.vector(pl.DataFrame({"region": ["R"], "sector": ["s3"], "value": [1.0]}))
    with pytest.raises(NotFoundError, match="unknown region 'Q'"):
        mb.index("Q", "s1")


@pytest.mark.unit
def test_from_pymrio_test_system_matches_pymrio() -> None:
    io = pymrio.load_test()
    t = from_pymrio(io, source="pymrio test system")
    assert t.n == 48 and len(t.region_list()) == 6 and t.unit == "Mill USD"
    io.calc_all(include_ghosh=True)
    m = multipliers(t)
    np.testing.assert_allclose(m["output_multiplier"], io.L.sum(axis=0).to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(m["input_multiplier"], io.G.sum(axis=1).to_numpy(), rtol=1e-10)
    # and back: the converted table round-trips through pymrio
    back = from_pymrio(t.to_pymrio())
    np.testing.assert_array_equal(back.Z, t.Z)


@pytest.mark.unit
def test_pymrio_parser_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        read_oecd_icio(tmp_path / "absent.zip")
    bad = tmp_path / "ICIO2023_2019.csv"
    bad.write_text("not,an,icio\n1,2,3\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"ICIO2023_2019\.csv.*pymrio\.parse_oecd"):
        read_oecd_icio(bad, year=2019)


@pytest.mark.unit
def test_metadata_carries_sector_names(tmp_path: Path) -> None:
    b = write_bundle(mb_table(), tmp_path / "mb")
    meta = json.loads((b / "metadata.json").read_text(encoding="utf-8"))
    assert meta["sectors"][0] == {"id": "s1", "name": "sector 1"}
    assert read_bundle(b).sector_names == {"s1": "sector 1", "s2": "sector 2"}
