import csv
import json
import zipfile
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_helpers import BAD, CLEAN_2024, release_zip

from econsec.errors import DataError
from econsec.warehouse import ingest as ingest_mod
from econsec.warehouse.ingest import ingest_baci
from econsec.warehouse.listing import inventory
from econsec.warehouse.schema import TRADE_SCHEMA, release_dir


def _rows(home: Path, hs="HS17", release="V202601", year=2024) -> pl.DataFrame:
    d = release_dir(home, hs, release) / f"year={year}"
    return pl.read_parquet(list(d.glob("*.parquet"))).sort(["i", "j", "k"])


def _snapshot(home: Path) -> dict[str, bytes]:
    base = home / "baci"
    if not base.exists():
        return {}
    return {
        str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()
    }


@pytest.mark.golden
def test_clean_zip_is_typed_and_complete(home, tmp_path):
    z = release_zip(tmp_path / "src", {2024: CLEAN_2024})
    rep = ingest_baci(z, home=home)
    assert (rep.hs, rep.release, rep.rows, rep.rejects) == ("HS17", "V202601", 5, 0)
    df = _rows(home)
    files = list((release_dir(home, "HS17", "V202601") / "year=2024").glob("*.parquet"))
    assert pq.read_schema(files[0]).remove_metadata().equals(
        TRADE_SCHEMA, check_metadata=False
    ) or ([f.type for f in pq.read_schema(files[0])] == [f.type for f in TRADE_SCHEMA])
    assert df["v"].sum() == pytest.approx(164.75)
    assert df.filter(pl.col("k") == "020110").height == 1  # leading zero kept
    assert df.filter(pl.col("i") == 842)["q"].to_list() == [None]
    inv = inventory(home)
    assert inv.row(0, named=True)["rows"] == 5
    assert inv.row(0, named=True)["products"] == 3
    assert inv.row(0, named=True)["countries"] == 5
    countries = pl.read_parquet(release_dir(home, "HS17", "V202601") / "countries.parquet")
    assert countries.filter(pl.col("code") == 516)["iso2"].item() == "NA"
    assert countries.filter(pl.col("code") == 490)["iso2"].item() == ""


@pytest.mark.unit
def test_r_written_quirks_are_accepted(home, tmp_path):
    z = release_zip(tmp_path / "src", {2024: CLEAN_2024})
    ingest_baci(z, home=home)
    raw = tmp_path / "raw.csv"
    raw.write_text(
        '"t","i","j","k","v","q"\n'
        '2021,4,156,20110,52.051,"       13.235"\n'
        '2021,4,392,850511,0.041,"        0.022"\n'
        '2021,4,842,811292,3.4,"           NA"\n'
    )
    rep = ingest_baci(raw, "HS92", "V202301", year=2021, home=home)
    assert rep.rejects == 0 and rep.rows == 3
    df = _rows(home, "HS92", "V202301", 2021)
    assert sorted(df["k"].to_list()) == ["020110", "811292", "850511"]
    assert sorted(df["q"].drop_nulls().to_list()) == [0.022, 13.235]


@pytest.mark.golden
def test_rejects_are_kept_with_line_field_and_reason(home, tmp_path):
    z = release_zip(tmp_path / "src", {2024: BAD})
    rep = ingest_baci(z, home=home)
    assert rep.rows == 2 and rep.rejects == 7
    assert rep.years[2024].rejects == 7
    (f,) = rep.rejects_files
    with open(f) as fh:
        rows = list(csv.DictReader(fh))
    got = [(int(r["line"]), r["field"], r["reason"]) for r in rows]
    assert got == [
        (3, "row", "wrong column count: 3 fields, expected 6"),
        (4, "v", "non-numeric value"),
        (5, "v", "negative value"),
        (6, "i", "unknown exporter country code"),
        (7, "k", "invalid product code (expected 6 digits)"),
        (8, "row", "blank line"),
        (9, "q", "non-numeric quantity"),
    ]
    assert all(r["file"].endswith("BACI_HS17_Y2024_V202601.csv") for r in rows)
    assert inventory(home).row(0, named=True)["rejects"] == 7


@pytest.mark.unit
def test_strict_fails_and_leaves_the_warehouse_unchanged(home, tmp_path):
    ingest_baci(release_zip(tmp_path / "a", {2024: CLEAN_2024}), home=home)
    before = _snapshot(home)
    with pytest.raises(DataError, match="rejected under --strict"):
        ingest_baci(release_zip(tmp_path / "b", {2024: BAD}), home=home, strict=True, force=True)
    assert _snapshot(home) == before
    kept = list((home / "rejects").rglob("*.csv"))
    assert kept, "strict failures keep the rejects for inspection"


@pytest.mark.unit
def test_corrupt_and_truncated_zip_name_the_file(home, tmp_path):
    z = release_zip(tmp_path / "src", {2024: CLEAN_2024 * 50})
    data = z.read_bytes()
    trunc = tmp_path / "BACI_HS17_V202602.zip"
    trunc.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"BACI_HS17_V202602\.zip.*zip"):
        ingest_baci(trunc, home=home)
    garbage = tmp_path / "BACI_HS17_V202603.zip"
    garbage.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(DataError, match="BACI_HS17_V202603"):
        ingest_baci(garbage, home=home)
    # A flipped byte inside the compressed stream: the CRC or inflate check fails.
    bad = bytearray(data)
    off = data.index(b"BACI_HS17_Y2024") + 60
    bad[off : off + 20] = b"\xff" * 20
    flipped = tmp_path / "BACI_HS17_V202604.zip"
    flipped.write_bytes(bytes(bad))
    with pytest.raises(DataError, match="BACI_HS17_V202604"):
        ingest_baci(flipped, home=home)
    assert _snapshot(home) == {}


@pytest.mark.unit
def test_wrong_header_names_file_and_line(home, tmp_path):
    z = release_zip(tmp_path / "src", {2024: "year,exp,imp,k,v,q\n2024,156,392,850511,1,1\n"})
    with pytest.raises(DataError, match=r"line 1.*header"):
        ingest_baci(z, home=home)


@pytest.mark.unit
def test_failed_ingest_leaves_warehouse_exactly_as_it_was(home, tmp_path, monkeypatch):
    ingest_baci(release_zip(tmp_path / "a", {2024: CLEAN_2024}), home=home)
    before = _snapshot(home)

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(ingest_mod, "write_meta", boom)
    z2 = release_zip(tmp_path / "b", {2023: CLEAN_2024.replace("2024,", "2023,"), 2024: CLEAN_2024})
    with pytest.raises(KeyboardInterrupt):
        ingest_baci(z2, home=home, force=True)
    assert _snapshot(home) == before
    assert not list((home / "baci").glob(".staging-*"))


@pytest.mark.unit
def test_reingest_is_idempotent(home, tmp_path):
    z = release_zip(
        tmp_path / "src", {2023: CLEAN_2024.replace("2024,", "2023,"), 2024: CLEAN_2024}
    )
    ingest_baci(z, home=home)
    inv1 = inventory(home)
    rows1 = _rows(home)
    assert ingest_baci(z, home=home).skipped
    ingest_baci(z, home=home, force=True)
    assert inventory(home).equals(inv1)
    assert _rows(home).equals(rows1)


@pytest.mark.unit
def test_single_year_csv_updates_one_release_keeping_other_years(home, tmp_path):
    ingest_baci(
        release_zip(tmp_path / "a", {2023: CLEAN_2024.replace("2024,", "2023,")}), home=home
    )
    y = tmp_path / "BACI_HS17_Y2024_V202601.csv"
    y.write_text(CLEAN_2024)
    rep = ingest_baci(y, "HS17", "V202601", home=home)
    assert rep.rows == 5
    assert sorted(inventory(home)["year"].to_list()) == [2023, 2024]
    meta = json.loads((release_dir(home, "HS17", "V202601") / "meta.json").read_text())
    assert set(meta["years"]) == {"2023", "2024"}


@pytest.mark.unit
def test_csv_without_any_country_table_is_refused(home, tmp_path):
    y = tmp_path / "BACI_HS17_Y2024_V202601.csv"
    y.write_text(CLEAN_2024)
    with pytest.raises(DataError, match="country table"):
        ingest_baci(y, "HS17", "V202601", home=home)


_row = st.tuples(
    st.sampled_from([156, 392, 490, 516, 842, 4]),
    st.sampled_from([156, 392, 490, 516, 842, 4]),
    st.sampled_from(["850511", "811292", "020110", "20110"]),
    st.floats(0, 1e9, allow_nan=False).map(lambda x: round(x, 3)),
    st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False).map(lambda x: round(x, 3))),
)


@pytest.mark.property
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_row, min_size=1, max_size=40))
def test_fast_and_exact_paths_agree(tmp_path_factory, rows):
    tmp = tmp_path_factory.mktemp("p")
    text = "t,i,j,k,v,q\n" + "".join(
        f"2024,{i},{j},{k},{v},{'' if q is None else q}\n" for i, j, k, v, q in rows
    )
    z = release_zip(tmp / "src", {2024: text})
    h1, h2 = tmp / "h1", tmp / "h2"
    r1 = ingest_baci(z, home=h1)
    r2 = ingest_baci(z, home=h2, slow=True)
    first: dict[tuple[int, int, str], float] = {}
    for i, j, k, v, _q in rows:
        first.setdefault((i, j, k.zfill(6)), v)  # later duplicates of a flow are rejects
    assert r1.rows == r2.rows == len(first)
    assert r1.rejects == r2.rejects == len(rows) - len(first)
    key = ["i", "j", "k", "v"]
    a, b = _rows(h1).sort(key), _rows(h2).sort(key)
    assert a.equals(b)
    assert a["v"].sum() == pytest.approx(sum(first.values()))


@pytest.mark.realdata
@pytest.mark.slow
def test_real_raw_r_file_ingests_with_zero_rejects(mirror, home):
    ingest_baci(mirror / "baci" / "BACI_HS17_V202601.zip", home=home)
    rep = ingest_baci(
        mirror / "raw" / "baci_hs92_2021_exporters_afg_zaf.csv",
        "HS92",
        "V202301",
        year=2021,
        home=home,
    )
    assert (rep.rows, rep.rejects) == (71_192, 0)


@pytest.mark.realdata
@pytest.mark.slow
def test_real_sample_releases(mirror, home):
    r17 = ingest_baci(mirror / "baci" / "BACI_HS17_V202601.zip", home=home)
    r02 = ingest_baci(mirror / "baci" / "BACI_HS02_V202601.zip", home=home)
    assert sorted(r17.years) == list(range(2017, 2025))
    assert sorted(r02.years) == list(range(2002, 2017))
    inv = inventory(home)
    row = inv.filter((pl.col("hs") == "HS17") & (pl.col("year") == 2024)).row(0, named=True)
    # shared/data/README.md: 2024 is complete for the 30 codes, 21,723 rows
    assert row["rows"] == 21_723 and row["products"] == 30 and row["rejects"] == 0
    assert zipfile.is_zipfile(mirror / "baci" / "BACI_HS17_V202601.zip")


@pytest.mark.unit
@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        ("2024,156,392,850511,nan,1", "v", "missing value"),
        ("2024,156,392,850511,inf,1", "v", "non-numeric value"),
        ("2024,156,392,850511,5,-1", "q", "negative quantity"),
        ("2024,156,392,850511,,1", "v", "missing value"),
        ("2024,156,392,1234567,5,1", "k", "invalid product code (expected 6 digits)"),
        ("99999,156,392,850511,5,1", "t", "year is not a 4-digit number"),
    ],
)
def test_values_the_fast_path_would_accept_are_still_rejected(home, tmp_path, row, field, reason):
    z = release_zip(tmp_path / "src", {2024: CLEAN_2024 + row + "\n"})
    rep = ingest_baci(z, home=home)
    assert (rep.rows, rep.rejects) == (5, 1)
    with open(rep.rejects_files[0]) as fh:
        (rej,) = list(csv.DictReader(fh))
    assert (int(rej["line"]), rej["field"]) == (7, field)
    assert rej["reason"] == reason
