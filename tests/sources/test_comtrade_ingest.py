"""UN Comtrade ingest: three shapes, totals kept, breakdowns and duplicates never double-counted."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sources_helpers import (
    API_HEADER,
    COMPACT_HEADER,
    COUNTRIES,
    api_row,
    econsec,
    write_csv,
)

from econsec.errors import DataError
from econsec.sources import ingest_comtrade, read_flows
from econsec.sources import store as src_store
from econsec.warehouse.store import write_release_frames

FLOWS = pl.DataFrame({"t": [2022], "i": [156], "j": [392], "k": ["281111"], "v": [1.0]})


@pytest.fixture
def wh(home: Path) -> Path:
    """A warehouse holding a BACI release (its country table resolves M49 codes)."""
    write_release_frames(home, "HS17", "V202601", FLOWS, COUNTRIES)
    return home


def _api_rows() -> list[list[object]]:
    kor, jpn, chn, usa = 410, 392, 156, 842
    return [
        api_row(kor, jpn, "281111", "M", 5_000_000),  # 2: total
        api_row(kor, jpn, "281111", "M", 3_000_000, mot="1000"),  # 3: by sea
        api_row(kor, jpn, "281111", "M", 2_000_000, mot="2000"),  # 4: by air
        api_row(kor, jpn, "281111", "M", 4_000_000, customs="C01"),  # 5: a procedure
        api_row(kor, jpn, "281111", "M", 1_000_000, partner2="156"),  # 6: via China
        api_row(kor, jpn, "281111", "M", 5_000_000),  # 7: exact duplicate of line 2
        api_row(kor, chn, "281111", "M", 700, mot="1000"),  # 8: breakdown without a total
        api_row(kor, usa, "281111", "M", 100),  # 9
        api_row(kor, usa, "281111", "M", 120),  # 10: a second, different total
        api_row(999, jpn, "281111", "M", 1),  # 11: unknown reporter
        api_row(kor, jpn, "281112", "M", "abc"),  # 12: bad value
        api_row(kor, jpn, "TOTAL", "M", 1),  # 13: aggregate
        api_row(kor, 0, "281111", "M", 5_000_100),  # 14: partner World
        api_row(kor, jpn, "281119", "M", 1, freq="M"),  # 15: monthly
        api_row(kor, jpn, "281119", "M", 1, cls="H1"),  # 16: HS96, not bridged
        api_row(jpn, kor, "811231", "X", 10_000),  # 17: HS22 hafnium
        api_row(jpn, kor, "811292", "X", 20_000),  # 18
        api_row(kor, jpn, "281119", "DX", 1),  # 19: unknown flow
        api_row(jpn, kor, "10121", "X", 500),  # 20: lost its leading zero
    ]


def test_api_shape_keeps_totals_and_rejects_with_reasons(wh: Path, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "api_2022.csv", API_HEADER, _api_rows())
    rep = ingest_comtrade(f, home=wh)
    assert rep.shape == "api"
    assert (rep.rows, rep.duplicates, rep.breakdowns) == (6, 1, 4)
    assert rep.rejects == 8
    with open(rep.rejects_file or "", newline="") as fh:
        rej = {int(r["line"]): r for r in csv.DictReader(fh)}
    assert sorted(rej) == [8, 10, 11, 12, 13, 15, 16, 19]
    assert "without its totals row" in rej[8]["reason"]
    assert "first on line 9" in rej[10]["reason"]
    assert rej[11]["field"] == "reporter" and rej[11]["value"] == "999"
    assert rej[12]["field"] == "value" and rej[12]["value"] == "abc"
    assert rej[13]["field"] == "cmd"
    assert rej[15]["field"] == "freqCode"
    assert rej[16]["field"] == "classification"
    assert rej[19]["field"] == "flow"
    got = read_flows(home=wh, hs=None).sort("reporter", "partner", "k")
    kor_jpn = got.filter((pl.col("reporter") == "KOR") & (pl.col("partner") == "JPN"))
    # thousand USD; the breakdowns (3 + 2 + 4 + 1 million) never added to the 5 million total
    assert kor_jpn["v"].to_list() == [5000.0]
    assert got.filter(pl.col("partner") == "WLD")["v"].to_list() == [5000.1]
    assert got.filter(pl.col("partner") == "USA")["v"].to_list() == [0.1]
    assert "010121" in got["k"].to_list()


def test_read_flows_bridges_reported_revisions_with_the_concordance(
    wh: Path, tmp_path: Path
) -> None:
    ingest_comtrade(write_csv(tmp_path / "api.csv", API_HEADER, _api_rows()), home=wh)
    h22 = read_flows(home=wh, reporters="JPN", hs=None)
    h17 = read_flows(home=wh, reporters="JPN", hs="HS17")
    assert set(h22["k"]) == {"811231", "811292", "010121"}
    # HS22 811231 (hafnium) came out of HS17 811292: bridged back, value conserved
    assert h17.filter(pl.col("k") == "811292")["v"].to_list() == [30.0]
    assert h17["v"].sum() == pytest.approx(h22["v"].sum())


def test_compact_shape_reads_the_largest_row_of_a_flow_as_its_total(
    wh: Path, tmp_path: Path
) -> None:
    rows = [
        [2022, 276, 156, "250490", "M", 702753.873, 315878.471, 315878.471, 8],
        [2022, 276, 156, "250490", "M", 702753.873, 315878.471, 315878.471, 8],  # duplicate
        [2022, 276, 156, "250490", "M", 675877.357, 307172.0, 307172.0, 8],  # breakdown
        [2022, 276, 156, "250490", "M", 26855.339, 8696.6, 8696.6, 8],  # breakdown
        [2022, 156, 276, "250490", "X", 138600.0, 100.0, 100.0, 8],
        [2022, 276, 0, "250490", "M", 800000.0, 400000.0, 400000.0, 8],
    ]
    f = write_csv(tmp_path / "compact.csv.gz", COMPACT_HEADER, rows, gz=True)
    rep = ingest_comtrade(f, home=wh)
    assert (rep.shape, rep.rows, rep.duplicates, rep.breakdowns, rep.rejects) == (
        "compact",
        3,
        1,
        2,
        0,
    )
    got = read_flows(home=wh, hs=None, reporters="DEU", partners="CHN")
    assert got["v"].to_list() == [pytest.approx(702.753873)]
    assert got["q"].to_list() == [pytest.approx(315.878471)]  # kg → metric tons
    assert got["hs"].to_list() == ["HS22"]  # no classification: the revision in force in 2022


LEGACY_HEADER = (
    "Classification,Year,Period,Period Desc.,Aggregate Level,Is Leaf Code,Trade Flow Code,"
    "Trade Flow,Reporter Code,Reporter,Reporter ISO,Partner Code,Partner,Partner ISO,"
    "2nd Partner Code,2nd Partner,2nd Partner ISO,Customs Proc. Code,Customs,"
    "Mode of Transport Code,Mode of Transport,Commodity Code,Commodity,Qty Unit Code,Qty Unit,"
    "Qty,Alt Qty Unit Code,Alt Qty Unit,Alt Qty,Netweight (kg),Gross weight (kg),"
    "Trade Value (US$),CIF Trade Value (US$),FOB Trade Value (US$),Flag"
)


def _legacy(cls: str, year: int, flow: int, name: str, rep: tuple[int, str, str], cmd: str,
            value: int, partner: tuple[int, str, str] = (0, "World", "WLD")) -> str:  # fmt: skip
    cells = [cls, year, year, year, 6, 1, flow, name, *rep, *partner, "", "", "", "", "", "", ""]
    cells += [cmd, '"Machines; for semiconductors"', 1, "No Quantity", 0, "", "", "", 50, ""]
    cells += [value, "", "", 2]
    return ",".join(str(c) for c in cells)


def test_legacy_shape_restores_codes_flows_and_old_m49_codes(wh: Path, tmp_path: Path) -> None:
    ita = (381, "Italy", "ITA")
    kor = (410, "Rep. of Korea", "KOR")  # legacy M49 381; the country table's Italy is 380
    lines = [
        LEGACY_HEADER,
        _legacy("H4", 2016, 2, "Export", ita, "848620", 1_500_000),
        _legacy("H4", 2016, 3, "Re-Export", ita, "848620", 20_000),
        _legacy("H4", 2016, 4, "Re-Import", ita, "848620", 10_000),
        _legacy("H5", 2019, 1, "Import", kor, "10121", 5437, (392, "Japan", "JPN")),
    ]
    f = tmp_path / "legacy.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rep = ingest_comtrade(f, home=wh)
    assert (rep.shape, rep.rows, rep.rejects) == ("legacy", 4, 0)
    got = read_flows(home=wh, hs=None)
    ita_rows = got.filter(pl.col("reporter") == "ITA").sort("flow")
    assert ita_rows["flow"].to_list() == ["RM", "RX", "X"]
    assert ita_rows["reporter_code"].unique().to_list() == [380]
    assert ita_rows["hs"].unique().to_list() == ["HS12"]
    kor = got.filter(pl.col("reporter") == "KOR")
    assert kor["k"].to_list() == ["010121"] and kor["v"].to_list() == [5.437]


def test_reingest_is_skipped_and_other_files_count_a_flow_once(wh: Path, tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", API_HEADER, [api_row(410, 392, "281111", "M", 1000)])
    assert ingest_comtrade(a, home=wh).rows == 1
    assert ingest_comtrade(a, home=wh).skipped
    b_rows = [
        api_row(410, 392, "281111", "M", 1000),  # the same flow, same value: counted once
        api_row(410, 156, "281111", "M", 2000),
    ]
    b = write_csv(tmp_path / "b.csv", API_HEADER, b_rows)
    rep = ingest_comtrade(b, home=wh)
    assert (rep.rows, rep.duplicates, rep.rejects) == (1, 1, 0)
    c = write_csv(tmp_path / "c.csv", API_HEADER, [api_row(410, 392, "281111", "M", 9999)])
    rep = ingest_comtrade(c, home=wh)
    assert (rep.rows, rep.rejects) == (0, 1)
    assert read_flows(home=wh, hs=None, partners="JPN")["v"].to_list() == [1.0]


def test_a_failed_swap_leaves_the_source_as_it_was(
    wh: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = write_csv(tmp_path / "a.csv", API_HEADER, [api_row(410, 392, "281111", "M", 1000)])
    ingest_comtrade(a, home=wh)
    before = (wh / "sources" / "comtrade" / "meta.json").read_text()

    def boom(staged: Path, target: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(src_store, "swap_into_place", boom)
    b = write_csv(tmp_path / "b.csv", API_HEADER, [api_row(410, 156, "281111", "M", 5)])
    with pytest.raises(Exception, match="No space left"):
        ingest_comtrade(b, home=wh)
    assert (wh / "sources" / "comtrade" / "meta.json").read_text() == before
    assert not list((wh / "baci").glob(".staging-*"))
    assert read_flows(home=wh, hs=None)["partner"].to_list() == ["JPN"]


def test_strict_ingests_nothing_and_names_the_first_bad_line(wh: Path, tmp_path: Path) -> None:
    rows = [api_row(410, 392, "281111", "M", 1000), api_row(410, 392, "281112", "M", "x")]
    f = write_csv(tmp_path / "bad.csv", API_HEADER, rows)
    with pytest.raises(DataError, match=r"bad\.csv, line 3, field 'value'"):
        ingest_comtrade(f, home=wh, strict=True)
    assert not (wh / "sources" / "comtrade").exists()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    parts=st.lists(st.integers(1, 10_000), min_size=1, max_size=5),
    dup=st.integers(0, 3),
    seed=st.randoms(use_true_random=False),
)
def test_breakdowns_in_any_order_never_change_the_total(
    wh: Path, tmp_path_factory: pytest.TempPathFactory, parts: list[int], dup: int, seed
) -> None:
    total = sum(parts)
    rows = [api_row(410, 392, "281111", "M", total)] * (1 + dup)
    rows += [
        api_row(410, 392, "281111", "M", p, mot=str(1000 * (n + 1))) for n, p in enumerate(parts)
    ]
    seed.shuffle(rows)
    f = write_csv(tmp_path_factory.mktemp("prop") / "p.csv", API_HEADER, rows)
    rep = ingest_comtrade(f, home=wh, force=True)
    assert (rep.rows, rep.duplicates, rep.breakdowns, rep.rejects) == (1, dup, len(parts), 0)
    assert read_flows(home=wh, hs=None)["v"].to_list() == [pytest.approx(total / 1000)]


def test_cli_ingest_list_and_one_line_errors(wh: Path, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "api_2022.csv", API_HEADER, _api_rows())
    p = econsec("data", "ingest", "comtrade", str(f), "--format", "json", home=wh)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert (out["rows"], out["rejects"], out["breakdowns"]) == (6, 8, 4)
    p = econsec("data", "list", "--format", "csv", home=wh)
    listed = pl.read_csv(p.stdout.encode())
    ct = listed.filter(pl.col("release") == "comtrade")
    assert ct["rows"].to_list() == [6] and ct["source"].to_list() == ["api_2022.csv"]
    bad = tmp_path / "not_comtrade.csv"
    bad.write_text("a,b,c\n1,2,3\n")
    p = econsec("data", "ingest", "comtrade", str(bad), home=wh)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.startswith("error: ") and len(p.stderr.strip().splitlines()) == 1
    assert "not_comtrade.csv, line 1" in p.stderr and "missing columns" in p.stderr
    empty = tmp_path / "empty_home"
    p = econsec("data", "ingest", "comtrade", str(f), home=empty)
    assert p.returncode == 2 and "no country table" in p.stderr


def test_missing_file_is_one_line(wh: Path, tmp_path: Path) -> None:
    p = econsec("data", "ingest", "comtrade", str(tmp_path / "nope.csv"), home=wh)
    assert p.returncode == 2 and "nope.csv: no such file" in p.stderr


@pytest.mark.parametrize("committed", [False, True])
def test_a_crash_mid_swap_is_finished_or_undone_by_the_next_writer(
    wh: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, committed: bool
) -> None:
    from econsec.warehouse import journal

    a = write_csv(tmp_path / "a.csv", API_HEADER, [api_row(410, 392, "281111", "M", 1000)])
    ingest_comtrade(a, home=wh)
    real_replace = src_store.swap_into_place.__globals__["os"].replace

    def crash(staged: Path, target: Path) -> None:
        # Journal written and the old folder set aside, then the process dies (before or
        # after the staged folder is moved in).
        swap = journal.Swap(
            journal.journal_path(target), target, staged, target.parent / ".old-comtrade-x"
        )
        journal.write_journal(swap)
        real_replace(target, swap.aside)
        if committed:
            real_replace(staged, target)
        raise KeyboardInterrupt

    monkeypatch.setattr(src_store, "swap_into_place", crash)
    monkeypatch.setattr(src_store, "staging", _keep_stage(src_store.staging))
    b = write_csv(tmp_path / "b.csv", API_HEADER, [api_row(410, 156, "281111", "M", 5)])
    with pytest.raises(KeyboardInterrupt):
        ingest_comtrade(b, home=wh)
    monkeypatch.undo()
    c = write_csv(tmp_path / "c.csv", API_HEADER, [api_row(410, 842, "281111", "M", 7)])
    ingest_comtrade(c, home=wh)  # the next writer repairs first
    partners = sorted(read_flows(home=wh, hs=None)["partner"].to_list())
    assert partners == (["CHN", "JPN", "USA"] if committed else ["JPN", "USA"])
    assert not list((wh / "sources").glob(".swap-*")) and not list((wh / "sources").glob(".old-*"))


def _keep_stage(staging):  # the staged folder must outlive the interrupted ingest
    import contextlib
    import uuid

    @contextlib.contextmanager
    def keep(home: Path, **kw: object):
        stage = home / "baci" / f".staging-{uuid.uuid4().hex}"
        stage.mkdir(parents=True)
        yield stage

    return keep


@pytest.mark.realdata
@pytest.mark.slow
def test_the_real_comtrade_files(mirror: Path, home: Path) -> None:
    from econsec.warehouse.ingest import ingest_baci

    ingest_baci(mirror / "baci" / "BACI_HS17_V202601.zip", home=home)
    raw = mirror / "raw"
    rep = ingest_comtrade(raw / "comtrade_2022_critical_materials.csv.gz", home=home)
    # 166,616 rows: 90,093 exact duplicates and 38,801 breakdowns of 37,722 flows
    assert (rep.rows, rep.duplicates, rep.breakdowns, rep.rejects) == (37722, 90093, 38801, 0)
    assert rep.rows + rep.duplicates + rep.breakdowns == 166_616
    for year, n in ((2018, 4226), (2019, 4180)):
        f = raw / f"comtrade_legacy_H5_{year}_KOR_imports_from_JPN.csv"
        r = ingest_comtrade(f, home=home)
        assert (r.rows, r.rejects, r.years) == (n, 0, {year: n})
    kor = read_flows(years=2019, reporters="KOR", partners="JPN", flows="M", home=home)
    assert kor.height == 4180 and kor["k"].str.len_chars().min() == 6  # leading zeros back
    hf = kor.filter(pl.col("k") == "281111")["v"].to_list()
    assert hf == [44_982.432]  # 44,982,432 USD in the raw file (hydrogen fluoride)
    p = econsec("data", "list", "--format", "csv", home=home)
    listed = pl.read_csv(p.stdout.encode()).filter(pl.col("release") == "comtrade")
    assert sorted(listed["year"].to_list()) == [2018, 2019, 2022]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.dictionaries(
        st.sampled_from(["811231", "811292", "811111", "811112", "853951", "853952", "250490"]),
        st.integers(1, 10**9),
        min_size=1,
    ),
    target=st.sampled_from(["HS12", "HS17", "HS22"]),
)
def test_bridging_conserves_value_per_flow_direction(
    wh: Path, tmp_path_factory: pytest.TempPathFactory, values: dict[str, int], target: str
) -> None:
    rows = [api_row(410, 392, c, "M", v) for c, v in values.items()]
    f = write_csv(tmp_path_factory.mktemp("bridge") / "b.csv", API_HEADER, rows)
    ingest_comtrade(f, home=wh, force=True)
    got = read_flows(home=wh, hs=target)
    assert got["v"].sum() == pytest.approx(sum(values.values()) / 1000, rel=1e-12)
    assert set(got["partner"]) == {"JPN"} and (got["v"] > 0).all()


def test_doctor_checks_the_sources_too(wh: Path, tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", API_HEADER, [api_row(410, 392, "281111", "M", 1000)])
    ingest_comtrade(a, home=wh)
    p = econsec("data", "doctor", "--format", "json", home=wh)
    assert p.returncode == 0 and json.loads(p.stdout)["files"] == 2  # BACI year + Comtrade file
    meta = wh / "sources" / "comtrade" / "meta.json"
    m = json.loads(meta.read_text())
    m["files"]["a"]["rows"] = 5
    meta.write_text(json.dumps(m))
    p = econsec("data", "doctor", "--format", "json", home=wh)
    assert p.returncode == 1
    problems = json.loads(p.stdout)["problems"]
    assert "comtrade: a: meta.json says 5 rows, the file holds 1" in problems


def test_malformed_csv_names_its_first_bad_line(wh: Path, tmp_path: Path) -> None:
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(
        "year,reporter,partner,cmd,flow,value\n2022,156,0,250490,M,1\n2,1,2,3,4,5,6\n"
    )
    with pytest.raises(DataError, match=r"ragged\.csv, line 3: 7 fields where the header has 6"):
        ingest_comtrade(ragged, home=wh)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"year,reporter,partner,cmd,flow,value\n2022,156,0,250490,M,\xff\n")
    with pytest.raises(DataError, match=r"binary\.csv, line 2: not UTF-8 text"):
        ingest_comtrade(binary, home=wh)
