"""Hostile input: every finding of a fuzzing campaign against ``econsec data ingest baci``.

Each case builds its own small input; none takes more than a second or two.
"""

from __future__ import annotations

import csv
import json
import os
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import polars as pl
import pytest
from ingest_helpers import CLEAN_2024, COUNTRY_CSV, release_zip
from typer.testing import CliRunner

from econsec.cli.main import app
from econsec.engine import Warehouse
from econsec.errors import DataError
from econsec.warehouse.ingest import ingest_baci
from econsec.warehouse.schema import release_dir

ECONSEC = Path(sys.executable).parent / "econsec"
HEADER = "t,i,j,k,v,q\n"


def _y(year: int, text: str = CLEAN_2024) -> str:
    return text.replace("2024,", f"{year},")


def _meta(home: Path, hs: str = "HS17", release: str = "V202601") -> dict:
    return json.loads((release_dir(home, hs, release) / "meta.json").read_text())


def _rows(home: Path, year: int, hs: str = "HS17", release: str = "V202601") -> pl.DataFrame:
    d = release_dir(home, hs, release) / f"year={year}"
    return pl.read_parquet(sorted(d.glob("*.parquet")))


def _rejects(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed console script, as a user would (a second or two per call)."""
    env = {**os.environ, "ECONSEC_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run(
        [str(ECONSEC), *args], capture_output=True, text=True, env=env, timeout=60
    )


def _run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """Run the CLI in-process (fast); same exit status and stderr as the console script."""
    r = CliRunner().invoke(app, list(args), env={"ECONSEC_HOME": str(home)})
    err = (
        r.stderr
        if r.exception is None or isinstance(r.exception, SystemExit)
        else repr(r.exception)
    )
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        err = "Traceback: " + err
    return subprocess.CompletedProcess(args, r.exit_code, r.stdout, err)


def _one_line_error(r: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode == 2, r.stdout + r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    return lines[0]


def _patch_member(path: Path, member: str, *, flags: int | None = None, method: int | None = None):
    """Rewrite a member's flag bits or compression method in both zip headers."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    # (signature, flags offset, method offset, name-length offset, name offset)
    for sig, flag_off, method_off, len_off, name_off in (
        (b"PK\x03\x04", 6, 8, 26, 30),
        (b"PK\x01\x02", 8, 10, 28, 46),
    ):
        pos = 0
        while (pos := data.find(sig, pos)) >= 0:
            n_len = struct.unpack_from("<H", data, pos + len_off)[0]
            if data[pos + name_off : pos + name_off + n_len] == name:
                if flags is not None:
                    struct.pack_into("<H", data, pos + flag_off, flags)
                if method is not None:
                    struct.pack_into("<H", data, pos + method_off, method)
            pos += 4
    path.write_bytes(bytes(data))


# 1. One year per yearly file; zip names agree with members; replacing a year.


@pytest.mark.unit
def test_a_stray_row_of_another_year_is_a_reject_not_a_replacement(home, tmp_path):
    ingest_baci(release_zip(tmp_path / "z", {2019: _y(2019), 2024: CLEAN_2024}), home=home)
    y = tmp_path / "BACI_HS17_Y2024_V202601.csv"
    y.write_text(CLEAN_2024 + "2019,156,392,850511,1.5,2\n")
    rep = ingest_baci(y, "HS17", "V202601", home=home)
    assert (rep.rows, rep.rejects, sorted(rep.years)) == (5, 1, [2024])
    assert _rows(home, 2019).height == 5  # untouched
    (rej,) = _rejects(rep.rejects_files[0])
    assert (rej["line"], rej["field"]) == ("7", "t")
    assert "not the file's year 2024" in rej["reason"]


@pytest.mark.unit
def test_year_comes_from_the_name_or_year_option(home, tmp_path):
    ingest_baci(release_zip(tmp_path / "z", {2024: CLEAN_2024}), home=home)
    anon = tmp_path / "flows.csv"
    anon.write_text(_y(2023))
    with pytest.raises(DataError, match="pass --year"):
        ingest_baci(anon, "HS17", "V202601", home=home)
    assert ingest_baci(anon, "HS17", "V202601", year=2023, home=home).rows == 5
    named = tmp_path / "BACI_HS17_Y2022_V202601.csv"
    named.write_text(_y(2022))
    with pytest.raises(DataError, match="contradicts"):
        ingest_baci(named, "HS17", "V202601", year=2021, home=home)


@pytest.mark.unit
def test_a_renamed_release_zip_is_refused(home, tmp_path):
    hs02 = release_zip(tmp_path / "a", {2010: _y(2010)}, hs="HS02")
    renamed = tmp_path / "BACI_HS17_V202601.zip"
    hs02.rename(renamed)
    with pytest.raises(DataError, match="renamed or mixed"):
        ingest_baci(renamed, home=home)
    other_rel = release_zip(tmp_path / "b", {2024: CLEAN_2024}, release="V202501")
    moved = tmp_path / "c" / "BACI_HS17_V202601.zip"
    moved.parent.mkdir()
    other_rel.rename(moved)
    with pytest.raises(DataError, match="V202501"):
        ingest_baci(moved, home=home)
    assert not (home / "baci" / "hs=HS17").exists()


@pytest.mark.unit
def test_two_members_for_one_year_are_an_error(home, tmp_path):
    z = tmp_path / "BACI_HS17_V202601.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("a/BACI_HS17_Y2024_V202601.csv", CLEAN_2024)
        zf.writestr("b/BACI_HS17_Y2024_V202601.csv", CLEAN_2024.replace("100.5", "7"))
        zf.writestr("country_codes_V202601.csv", COUNTRY_CSV)
    with pytest.raises(DataError, match="two members for year 2024"):
        ingest_baci(z, home=home)


@pytest.mark.unit
def test_a_replacement_shrinking_a_year_needs_force(home, tmp_path):
    ingest_baci(release_zip(tmp_path / "z", {2019: _y(2019), 2024: CLEAN_2024}), home=home)
    small = tmp_path / "BACI_HS17_Y2019_V202601.csv"
    small.write_text(HEADER + "2019,156,392,850511,1.5,2\n")
    with pytest.raises(DataError, match=r"2019: 5 → 1 rows.*--force"):
        ingest_baci(small, "HS17", "V202601", home=home)
    assert _rows(home, 2019).height == 5
    # A zip lacking a year held would drop it: the same rule.
    with pytest.raises(DataError, match=r"2019: 5 → 0 rows"):
        ingest_baci(release_zip(tmp_path / "y", {2024: CLEAN_2024}), home=home)
    rep = ingest_baci(small, "HS17", "V202601", home=home, force=True)
    assert rep.rows == 1 and _rows(home, 2019).height == 1 and _rows(home, 2024).height == 5


# 2. Infinity, implausible values and duplicates.


@pytest.mark.unit
@pytest.mark.parametrize("slow", [False, True])
@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("2024,156,392,811292,1e400,1", "v"),
        ("2024,156,392,811292," + "9" * 400 + ",1", "v"),
        ("2024,156,392,811292,2e9,1", "v"),
        ("2024,156,392,811292,5,1e400", "q"),
        ("2024,156,392,811292,5,2e10", "q"),
    ],
)
def test_infinite_or_implausible_values_are_rejects(home, tmp_path, row, field, slow):
    z = release_zip(tmp_path / "z", {2024: CLEAN_2024 + row + "\n"})
    rep = ingest_baci(z, home=home, slow=slow)
    assert (rep.rows, rep.rejects) == (5, 1)
    (rej,) = _rejects(rep.rejects_files[0])
    assert rej["field"] == field and "plausible cap" in rej["reason"]
    assert _rows(home, 2024)["v"].max() < 1e9
    with pytest.raises(DataError, match="--strict"):
        ingest_baci(z, home=home, force=True, strict=True)


@pytest.mark.golden
@pytest.mark.parametrize("slow", [False, True])
def test_a_duplicated_flow_is_rejected_and_the_first_row_kept(home, tmp_path, slow):
    text = CLEAN_2024 + "2024,156,392,850511,999.0,9\n"  # same flow as line 2
    rep = ingest_baci(release_zip(tmp_path / "z", {2024: text}), home=home, slow=slow)
    assert (rep.rows, rep.rejects) == (5, 1)
    (rej,) = _rejects(rep.rejects_files[0])
    assert (rej["line"], rej["field"]) == ("7", "t,i,j,k") and "duplicate" in rej["reason"]
    df = _rows(home, 2024)
    assert df.filter((pl.col("i") == 156) & (pl.col("j") == 392))["v"].to_list() == [100.5]
    assert df.select("t", "i", "j", "k").is_duplicated().sum() == 0


@pytest.mark.unit
def test_duplicates_across_chunks_are_caught(home, tmp_path, monkeypatch):
    from econsec.warehouse import exactpath

    monkeypatch.setattr(exactpath, "CHUNK_BYTES", 64)  # many tiny chunks
    text = CLEAN_2024 + CLEAN_2024.split("\n", 1)[1]
    rep = ingest_baci(release_zip(tmp_path / "z", {2024: text}), home=home, slow=True)
    assert (rep.rows, rep.rejects) == (5, 5)
    assert [int(r["line"]) for r in _rejects(rep.rejects_files[0])] == [7, 8, 9, 10, 11]


# 3. Years, products and spellings.


@pytest.mark.unit
@pytest.mark.parametrize("year", ["0000", "1000", "1850", "9999", "2019"])
def test_rows_of_other_years_never_become_partitions(home, tmp_path, year):
    z = release_zip(tmp_path / "z", {2024: CLEAN_2024 + f"{year},156,392,811292,1,1\n"})
    rep = ingest_baci(z, home=home)
    assert sorted(rep.years) == [2024] and rep.rejects == 1
    assert [p.name for p in release_dir(home, "HS17", "V202601").glob("year=*")] == ["year=2024"]


@pytest.mark.unit
@pytest.mark.parametrize(("hs", "year"), [("HS17", 2016), ("HS22", 2021), ("HS92", 1994)])
def test_a_file_year_outside_the_nomenclature_is_an_error(home, tmp_path, hs, year):
    z = release_zip(tmp_path / "z", {year: _y(year)}, hs=hs)
    with pytest.raises(DataError, match=f"year {year} is outside {hs}"):
        ingest_baci(z, home=home)
    y = tmp_path / "BACI_HS17_Y9999_V202601.csv"
    y.write_text(_y(9999))
    with pytest.raises(DataError, match="outside"):
        ingest_baci(y, "HS17", "V202601", home=home)


@pytest.mark.unit
@pytest.mark.parametrize("slow", [False, True])
def test_unknown_product_codes_are_rejects(home, tmp_path, slow):
    z = release_zip(tmp_path / "z", {2024: CLEAN_2024 + "2024,156,392,999999,1,1\n"})
    rep = ingest_baci(z, home=home, slow=slow)
    assert (rep.rows, rep.rejects) == (5, 1)
    (rej,) = _rejects(rep.rejects_files[0])
    assert rej["field"] == "k" and "unknown product code" in rej["reason"]
    # A lone CSV is checked against the product table the release got from its zip...
    y = tmp_path / "BACI_HS17_Y2023_V202601.csv"
    y.write_text(_y(2023) + "2023,156,392,999999,1,1\n")
    assert ingest_baci(y, "HS17", "V202601", home=home, slow=slow).rejects == 1
    # ...and only syntactically when no release table is known (documented).
    assert ingest_baci(y, "HS17", "V202401", home=home, slow=slow).rejects == 0


@pytest.mark.unit
@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("2024.0,156,392,811292,1,1", "t"),
        ("2024,+156,392,811292,1,1", "i"),
        ("2024,156,392,811292,1_000,1", "v"),
        ("2024,156,392,811292,-0,1", "v"),
        ("2024,156,392,811292,1,-0", "q"),
        ('2024,156,392,811292,"1"5,1', "row"),
    ],
)
def test_spellings_duckdb_would_accept_are_rejects_on_both_paths(home, tmp_path, row, field):
    z = release_zip(tmp_path / "z", {2024: CLEAN_2024 + row + "\n"})
    fast = ingest_baci(z, home=home / "a")
    slow = ingest_baci(z, home=home / "b", slow=True)
    assert (fast.rows, fast.rejects) == (slow.rows, slow.rejects) == (5, 1)
    assert _rejects(fast.rejects_files[0])[0]["field"] == field


@pytest.mark.unit
def test_a_quoted_quantity_spanning_lines_is_rejected_whole(home, tmp_path):
    text = CLEAN_2024 + '2024,156,392,811292,1.5,"1\n2"\n'
    rep = ingest_baci(release_zip(tmp_path / "z", {2024: text}), home=home)
    assert (rep.rows, rep.rejects) == (5, 2)
    assert [(r["line"], r["field"]) for r in _rejects(rep.rejects_files[0])] == [
        ("7", "row"),
        ("8", "row"),
    ]
    assert _rows(home, 2024).filter(pl.col("k") == "811292").height == 1


# 4. Paths are never globs.


@pytest.mark.unit
def test_a_path_with_glob_characters_reads_exactly_that_file(home, tmp_path):
    ingest_baci(release_zip(tmp_path / "z", {2024: CLEAN_2024}), home=home)
    (tmp_path / "y1.csv").write_text(HEADER + "2024,156,392,850511,1,1\n")
    odd = tmp_path / "y[1].csv"
    odd.write_text(CLEAN_2024.replace("100.5", "200.5"))
    for strict in (False, True):
        rep = ingest_baci(odd, "HS17", "V202601", year=2024, home=home, strict=strict, force=True)
        assert rep.rows == 5
    assert 200.5 in _rows(home, 2024)["v"].to_list()


@pytest.mark.unit
def test_a_home_with_glob_characters_still_serves_analyses(tmp_path):
    home = tmp_path / "home[1]"
    ingest_baci(release_zip(tmp_path / "z", {2023: _y(2023), 2024: CLEAN_2024}), home=home)
    (tmp_path / "home1").mkdir()  # what the pattern would match
    wh = Warehouse(home)
    assert wh.trade(2024).count().execute() == 5
    assert wh.trade([2023, 2024]).count().execute() == 10


# 5. Per-row faults stay per-row.


@pytest.mark.unit
def test_invalid_utf8_and_overlong_lines_are_rejects_with_their_line(home, tmp_path):
    text = (
        CLEAN_2024.encode()
        + b"2024,156,392,811292,1\xff,1\n"
        + b"2024,156,392,811292,1,"
        + b" " * (1 << 21)
        + b"1\n"
        + b"2024,842,156,811292,3,1\n"
    )
    z = release_zip(tmp_path / "z", {2024: text}, compression=zipfile.ZIP_STORED)  # type: ignore[dict-item]
    rep = ingest_baci(z, home=home)
    assert (rep.rows, rep.rejects) == (6, 2)
    rej = _rejects(rep.rejects_files[0])
    assert [(r["line"], r["reason"].split(" ")[0]) for r in rej] == [
        ("7", "invalid"),
        ("8", "line"),
    ]
    assert all(len(r["row"]) < 400 for r in rej)


@pytest.mark.unit
def test_a_member_without_line_ends_fails_at_once(home, tmp_path):
    z = release_zip(
        tmp_path / "z", {2024: "t,i,j,k,v,q" + "x" * (3 << 20)}, compression=zipfile.ZIP_STORED
    )
    t0 = time.perf_counter()
    with pytest.raises(DataError, match="no line end") as e:
        ingest_baci(z, home=home)
    assert time.perf_counter() - t0 < 5 and len(str(e.value)) < 300


# 6. Bombs and limits.


@pytest.mark.unit
def test_a_country_table_bomb_fails_in_a_moment(home, tmp_path):
    z = release_zip(tmp_path / "z", {2024: CLEAN_2024}, countries=COUNTRY_CSV + "\n" * (20 << 20))
    t0 = time.perf_counter()
    with pytest.raises(DataError, match=r"country_codes.*(cap|bomb)") as e:
        ingest_baci(z, home=home)
    assert time.perf_counter() - t0 < 2 and len(str(e.value)) < 300


@pytest.mark.unit
def test_a_trade_member_compressing_too_well_is_refused(home, tmp_path):
    z = release_zip(tmp_path / "z", {2024: CLEAN_2024 + "\n" * (8 << 20)})
    with pytest.raises(DataError, match="zip bomb"):
        ingest_baci(z, home=home)


@pytest.mark.unit
def test_non_regular_inputs_are_one_line_errors(home, tmp_path):
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    for path, what in ((tmp_path, "directory"), (Path("/dev/zero"), "device"), (fifo, "FIFO")):
        run = _cli if what == "directory" else _run
        r = run(
            "data", "ingest", "baci", str(path), "--hs", "HS17", "--release", "V202601", home=home
        )
        assert what in _one_line_error(r)


# 7. Zip member oddities.


@pytest.mark.unit
@pytest.mark.parametrize(
    ("patch", "message"), [({"flags": 1}, "encrypted"), ({"method": 9}, "deflate64")]
)
def test_encrypted_or_deflate64_members_are_one_line_errors(home, tmp_path, patch, message):
    z = release_zip(tmp_path / "z", {2024: CLEAN_2024})
    _patch_member(z, "BACI_HS17_Y2024_V202601.csv", **patch)
    assert message in _one_line_error(_run("data", "ingest", "baci", str(z), home=home))


@pytest.mark.unit
@pytest.mark.parametrize(
    ("member", "text", "message"),
    [
        ("country_codes_V202601.csv", "country_code,country_name\nabc,X\n", "missing columns"),
        (
            "country_codes_V202601.csv",
            "country_code,country_name,country_iso2,country_iso3\nabc,X,X,XXX\n",
            "code table",
        ),
        ("econsec_synthetic.json", "[1]", "synthetic marker"),
        ("product_codes_HS17_V202601.csv", "code,description\nabc,X\n", "not an HS6 code"),
    ],
)
def test_bad_tables_and_markers_are_one_line_errors(home, tmp_path, member, text, message):
    z = release_zip(tmp_path / "z", {2024: CLEAN_2024})
    with zipfile.ZipFile(z) as src:
        items = {n: src.read(n) for n in src.namelist() if n != member}
    with zipfile.ZipFile(z, "w") as dst:
        for n, b in items.items():
            dst.writestr(n, b)
        dst.writestr(member, text)
    assert message in _one_line_error(_run("data", "ingest", "baci", str(z), home=home))


# 8. Metadata per year.


@pytest.mark.golden
@pytest.mark.parametrize("slow", [False, True])
def test_meta_records_committed_rows_rejects_and_countries_per_year(home, tmp_path, slow):
    z = release_zip(tmp_path / "z", {2023: _y(2023), 2024: CLEAN_2024 + "2024,4,156,811292,1,x\n"})
    ingest_baci(z, home=home, slow=slow)
    years = _meta(home)["years"]
    assert years["2024"]["countries"] == [156, 392, 490, 516, 842]  # AFG only in the reject
    assert (years["2024"]["rows"], years["2024"]["rejects"]) == (5, 1)
    assert (years["2023"]["rows"], years["2023"]["rejects"]) == (5, 0)
    df = _rows(home, 2023)
    assert years["2023"]["countries"] == sorted(set(df["i"]) | set(df["j"]))


@pytest.mark.unit
def test_crlf_rejects_are_counted_once(home, tmp_path):
    text = (CLEAN_2024 + "2024,156,392,811292,x,1\n2024,999,392,811292,1,1\n").replace("\n", "\r\n")
    rep = ingest_baci(release_zip(tmp_path / "z", {2024: text}), home=home)
    assert (rep.rows, rep.rejects) == (5, 2)
    assert _meta(home)["years"]["2024"]["rejects"] == 2
    assert len(_rejects(rep.rejects_files[0])) == 2


@pytest.mark.unit
def test_reingesting_a_file_after_another_replaced_its_year(home, tmp_path):
    ingest_baci(release_zip(tmp_path / "z", {2024: CLEAN_2024}), home=home)
    a = tmp_path / "a" / "BACI_HS17_Y2024_V202601.csv"
    b = tmp_path / "b" / "BACI_HS17_Y2024_V202601.csv"
    a.parent.mkdir()
    b.parent.mkdir()
    a.write_text(CLEAN_2024 + "2024,156,392,811292,x,1\n")  # one reject
    b.write_text(CLEAN_2024.replace("100.5", "300.5"))  # clean
    assert ingest_baci(a, "HS17", "V202601", home=home).rejects == 1
    rep_b = ingest_baci(b, "HS17", "V202601", home=home)
    assert rep_b.rejects == 0 and _meta(home)["years"]["2024"]["rejects"] == 0
    assert not list((release_dir(home, "HS17", "V202601") / "rejects").glob("*.csv"))
    rep_a = ingest_baci(a, "HS17", "V202601", home=home)
    assert not rep_a.skipped and rep_a.rejects == 1
    assert 100.5 in _rows(home, 2024)["v"].to_list()
    assert ingest_baci(a, "HS17", "V202601", home=home).skipped


# Synthetic data passes every check; its CLI and ingest's options fail in one line.


@pytest.mark.unit
def test_synthetic_release_passes_every_check(home, tmp_path):
    z = release_zip(tmp_path / "codes", {2024: CLEAN_2024})
    r = _cli(
        "data",
        "synth",
        "--year",
        "2022-2023",
        "--rows",
        "40",
        "--out",
        str(tmp_path / "o"),
        "--codes-from",
        str(z),
        home=home,
    )
    assert r.returncode == 0, r.stderr
    syn = tmp_path / "o" / "BACI_HS17_V202601-synth.zip"
    rep = ingest_baci(syn, home=home, strict=True)
    assert rep.rows == 80 and rep.rejects == 0
    r = _run(
        "data",
        "synth",
        "--year",
        "1990",
        "--rows",
        "10",
        "--out",
        str(tmp_path),
        "--codes-from",
        str(z),
        home=home,
    )
    assert "outside" in _one_line_error(r)


@pytest.mark.unit
def test_synth_and_ingest_options_pointing_at_odd_files(home, tmp_path):
    z = release_zip(tmp_path / "codes", {2024: CLEAN_2024})
    empty = tmp_path / "empty.zip"
    empty.write_bytes(b"")
    base = ["data", "synth", "--year", "2024", "--rows", "10"]
    for out in ("/dev/null", "/proc/version/x"):
        _one_line_error(_run(*base, "--out", out, "--codes-from", str(z), home=home))
    for codes in (empty, Path("/dev/null"), tmp_path):
        _one_line_error(
            _run(*base, "--out", str(tmp_path / "o"), "--codes-from", str(codes), home=home)
        )
    y = tmp_path / "BACI_HS17_Y2024_V202601.csv"
    y.write_text(CLEAN_2024)
    empty_csv = tmp_path / "cc.csv"
    empty_csv.write_text("")
    for countries in (empty_csv, Path("/dev/null"), tmp_path):
        r = _run(
            "data",
            "ingest",
            "baci",
            str(y),
            "--hs",
            "HS17",
            "--release",
            "V202601",
            "--countries",
            str(countries),
            home=home,
        )
        _one_line_error(r)


# The campaign's findings, reproduced on the real sample release.


def _real_2024(mirror: Path) -> str:
    with zipfile.ZipFile(mirror / "baci" / "BACI_HS17_V202601.zip") as z:
        return z.read("BACI_HS17_Y2024_V202601.csv").decode()


def _share(home: Path, exporter: int, importer: int, product: str) -> float:
    df = _rows(home, 2024).filter((pl.col("j") == importer) & (pl.col("k") == product))
    return float(df.filter(pl.col("i") == exporter)["v"].sum() / df["v"].sum())


@pytest.mark.realdata
@pytest.mark.slow
def test_real_stray_row_and_duplicate_flow(mirror, home, tmp_path):
    ingest_baci(mirror / "baci" / "BACI_HS17_V202601.zip", home=home)
    assert _rows(home, 2019).height == 15_473
    share = _share(home, 156, 392, "850511")
    assert share == pytest.approx(0.28, abs=0.01)
    text = _real_2024(mirror)
    chn_jpn = next(ln for ln in text.splitlines() if ln.startswith("2024,156,392,850511,"))
    y = tmp_path / "BACI_HS17_Y2024_V202601.csv"
    y.write_text(text + "2019,156,392,850511,1.5,2\n" + chn_jpn + "\n")
    rep = ingest_baci(y, "HS17", "V202601", home=home)
    assert (rep.rows, rep.rejects) == (21_723, 2)
    assert [r["field"] for r in _rejects(rep.rejects_files[0])] == ["t", "t,i,j,k"]
    assert _rows(home, 2019).height == 15_473
    assert _share(home, 156, 392, "850511") == pytest.approx(share)
    meta = _meta(home)["years"]
    assert meta["2024"]["rejects"] == 2 and len(meta["2024"]["countries"]) == 218


@pytest.mark.realdata
def test_real_hs02_release_renamed_hs17_is_refused(mirror, home, tmp_path):
    fake = tmp_path / "BACI_HS17_V202601.zip"
    fake.write_bytes((mirror / "baci" / "BACI_HS02_V202601.zip").read_bytes())
    r = _run("data", "ingest", "baci", str(fake), home=home)
    assert "HS02" in _one_line_error(r)
    assert not (home / "baci" / "hs=HS17").exists()


@pytest.mark.unit
@pytest.mark.parametrize("size", [3, 7, 10])
def test_overlong_lines_are_cut_out_of_the_stream_with_their_line(size):
    # Reads smaller than the longest line allowed: a longer line is never held whole.
    # (A long line inside one read is left to the chunk scanner, which rejects it.)
    import io

    from econsec.warehouse.csvscan import iter_byte_chunks

    data = b"a,b\n" + b"x" * 30 + b"\nc,d\n" + b"y" * 25 + b"\ne,f"
    got = list(iter_byte_chunks(io.BytesIO(data), size, max_line=10))
    long = [(ln, head[:3]) for ln, head, overlong in got if overlong]
    assert long == [(3, b"xxx"), (5, b"yyy")]
    kept = b"".join(d for _, d, overlong in got if not overlong)
    assert kept == b"a,b\nc,d\ne,f\n"
    starts = {d.split(b"\n")[0]: ln for ln, d, overlong in got if not overlong}
    assert starts.get(b"a,b") == 2 and starts.get(b"e,f") == 6
