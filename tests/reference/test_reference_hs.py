from __future__ import annotations

import io
import zipfile
from pathlib import Path

import ibis
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econsec.engine import Warehouse
from econsec.errors import DataError
from econsec.reference import hs

REVS = list(hs.REVISIONS)


def _weights(m: pl.DataFrame, code: str) -> dict[str, float]:
    sub = m.filter(pl.col("from_code") == code)
    return dict(zip(sub["to_code"].to_list(), sub["weight"].to_list(), strict=True))


# ---------------------------------------------------------------------------------------------
# golden: hand-computed from the links in concordance.csv


@pytest.mark.golden
def test_hs17_to_hs22_pv_split():
    w = _weights(hs.concordance("HS17", "HS22"), "854140")
    assert w == pytest.approx({"854141": 0.25, "854142": 0.25, "854143": 0.25, "854149": 0.25})


@pytest.mark.golden
def test_chain_hs02_to_hs22_composes_weights():
    # 8112.30 (germanium, HS02) -> 8112.92/8112.99 (1/2 each, HS07) -> HS2022 splits in three
    w = _weights(hs.concordance("HS02", "HS22"), "811230")
    assert w == pytest.approx(
        {c: 1 / 6 for c in ("811231", "811241", "811292", "811239", "811249", "811299")}
    )
    # 8456.91 -> 8486.20 in HS07, unchanged afterwards
    assert _weights(hs.concordance("HS02", "HS22"), "845691") == {"848620": 1.0}


@pytest.mark.golden
def test_backward_steps_split_equally_over_sources():
    back = hs.concordance("HS07", "HS02")
    assert _weights(back, "848620") == pytest.approx(
        {c: 0.2 for c in ("845691", "854311", "901041", "901042", "901049")}
    )
    assert _weights(back, "811292") == pytest.approx(
        {"811230": 1 / 3, "811240": 1 / 3, "811292": 1 / 3}
    )
    assert _weights(hs.concordance("HS22", "HS17"), "811231") == {"811292": 1.0}


@pytest.mark.golden
def test_trade_value_weights():
    vals = pl.DataFrame({"k": ["854141", "854142", "854143", "999999"], "v": [1.0, 2.0, 7.0, 5.0]})
    w = _weights(hs.concordance("HS17", "HS22", weights=vals), "854140")
    assert w == pytest.approx({"854141": 0.1, "854142": 0.2, "854143": 0.7, "854149": 0.0})
    # a split whose destinations carry no value keeps its equal weights
    assert _weights(hs.concordance("HS17", "HS22", weights=vals), "854150") == pytest.approx(
        {"854151": 0.5, "854159": 0.5}
    )


@pytest.mark.golden
def test_convert_flows_small():
    flows = pl.DataFrame(
        {
            "t": [2020, 2020, 2020],
            "i": [156, 156, 392],
            "j": [842, 842, 842],
            "k": ["854140", "850511", "811292"],
            "v": [100.0, 40.0, 30.0],
            "q": [8.0, None, 3.0],
        }
    )
    out = hs.convert_flows(ibis.memtable(flows), "HS17", "HS22").to_polars()
    out = out.sort("i", "k")
    assert out.columns == ["t", "i", "j", "k", "v", "q"]
    got = {(r["i"], r["k"]): (r["v"], r["q"]) for r in out.iter_rows(named=True)}
    assert got[(156, "850511")] == (40.0, None)
    for k in ("854141", "854142", "854143", "854149"):
        assert got[(156, k)] == pytest.approx((25.0, 2.0))
    for k in ("811231", "811241", "811292"):
        assert got[(392, k)] == pytest.approx((10.0, 1.0))
    assert out["v"].sum() == pytest.approx(170.0, rel=1e-15)


@pytest.mark.unit
def test_convert_codes_includes_identity():
    df = hs.convert_codes(["850511", "854150", 2846_10], "HS17", "HS22")
    assert df.filter(pl.col("from_code") == "850511").rows() == [("850511", "850511", 1.0)]
    assert df.filter(pl.col("from_code") == "284610")["weight"].to_list() == [1.0]
    assert df.filter(pl.col("from_code") == "854150").height == 2


@pytest.mark.unit
def test_same_revision_is_identity_and_unknown_revision_rejected():
    assert hs.concordance("HS17", "HS17").height == 0
    with pytest.raises(ValueError, match="HS92"):
        hs.concordance("HS92", "HS17")


@pytest.mark.unit
def test_convert_flows_on_a_warehouse(make_warehouse):
    home = make_warehouse(
        {
            "t": [2021, 2021, 2022],
            "i": [156, 392, 156],
            "j": [842, 842, 410],
            "k": ["854140", "811100", "850511"],
            "v": [10.0, 6.0, 2.0],
            "q": [1.0, 3.0, None],
        }
    )
    wh = Warehouse(home)
    t = wh.trade([2021, 2022])
    out = hs.convert_flows(t, "HS17", "HS22").to_polars()
    assert out["v"].sum() == pytest.approx(18.0, rel=1e-15)
    assert set(out["k"]) == {
        "854141",
        "854142",
        "854143",
        "854149",
        "811111",
        "811112",
        "811119",
        "850511",
    }
    # weights from the same warehouse's flows (in the target nomenclature) are accepted too
    w = hs.concordance("HS17", "HS22", weights=t)
    assert w.height > 0


@pytest.mark.unit
def test_describe_reads_release_products(make_warehouse, small_countries):
    home = make_warehouse({"t": [2021], "i": [156], "j": [842], "k": ["850511"], "v": [1.0]})
    from econsec.warehouse.store import write_release_frames

    write_release_frames(
        home,
        "HS22",
        "V202601",
        pl.DataFrame({"t": [2022], "i": [156], "j": [842], "k": ["854143"], "v": [1.0]}),
        small_countries,
        pl.DataFrame({"code": ["854143"], "description": ["PV modules"]}),
    )
    df = hs.describe(["854143", "10111"], "HS22", Warehouse(home))
    assert df.rows() == [("854143", "PV modules"), ("010111", None)]


# ---------------------------------------------------------------------------------------------
# validation of concordance files


HEADER = "from_hs,from_code,to_hs,to_code,weight,source\n"


@pytest.mark.unit
@pytest.mark.parametrize(
    "body, line, field",
    [
        ("HS17,854140,HS22,854141,1/2,x\nHS17,854140,HS22,854142,1/3,x\n", 3, "weight"),
        ("HS02,854140,HS12,854141,1,x\n", 2, "to_hs"),
        ("HS17,85414,HS22,854141,1,x\n", 2, "from_code"),
        ("HS17,854140,HS22,854141,one,x\n", 2, "weight"),
        ("HS17,854140,HS22,854141,0,x\n", 2, "weight"),
        ("HS16,854140,HS22,854141,1,x\n", 2, "from_hs"),
        ("HS17,854140,HS22,854141,1/2,x\nHS17,854140,HS22,854141,1/2,x\n", 3, "to_code"),
    ],
)
def test_parse_links_errors_name_line_and_field(body, line, field):
    with pytest.raises(DataError) as e:
        hs.parse_links("# comment\n" + HEADER + body, path="my.csv")
    assert e.value.path == "my.csv"
    assert e.value.line == line + 1  # the comment line counts
    assert e.value.field == field


@pytest.mark.unit
def test_user_links_file(tmp_path: Path):
    f = tmp_path / "links.csv"
    f.write_text(HEADER + "HS17,111111,HS22,222222,0.25,me\nHS17,111111,HS22,333333,0.75,me\n")
    m = hs.concordance("HS02", "HS22", links=f)
    assert _weights(m, "111111") == {"222222": 0.25, "333333": 0.75}


@pytest.mark.unit
def test_shipped_links_weights_sum_to_one_exactly_enough():
    links = hs.shipped_links()
    sums = links.group_by("from_hs", "from_code").agg(pl.col("weight").sum())
    assert (sums["weight"] - 1.0).abs().max() <= 1e-15
    assert links["source"].str.len_chars().min() > 0


# ---------------------------------------------------------------------------------------------
# property


ALL_CODES = sorted(set(hs.shipped_links()["from_code"]) | set(hs.shipped_links()["to_code"]))
UNCHANGED = ["850511", "284610", "284690", "280530", "381800", "720293", "260600"]


@pytest.mark.property
@settings(max_examples=40, deadline=None)
@given(a=st.sampled_from(REVS), b=st.sampled_from(REVS))
def test_weights_sum_to_one_for_every_pair(a, b):
    m = hs.concordance(a, b)
    if m.height:
        s = m.group_by("from_code").agg(pl.col("weight").sum())["weight"]
        assert (s - 1.0).abs().max() < 1e-12
        assert (m["weight"] > 0).all()


@pytest.mark.property
@settings(max_examples=40, deadline=None)
@given(a=st.sampled_from(REVS), b=st.sampled_from(REVS))
def test_unchanged_codes_round_trip_to_themselves(a, b):
    there = hs.convert_codes(UNCHANGED, a, b)
    assert there["to_code"].to_list() == UNCHANGED and (there["weight"] == 1.0).all()
    back = hs.convert_codes(there["to_code"].to_list(), b, a)
    assert back["to_code"].to_list() == UNCHANGED


@pytest.mark.property
@settings(max_examples=40, deadline=None)
@given(
    a=st.sampled_from(REVS),
    b=st.sampled_from(REVS),
    rows=st.lists(
        st.tuples(
            st.sampled_from([2018, 2019]),
            st.sampled_from([4, 156, 392]),
            st.sampled_from(ALL_CODES + UNCHANGED),
            st.floats(0.0, 1e9, allow_nan=False, allow_infinity=False),
        ),
        min_size=1,
        max_size=30,
    ),
)
def test_convert_flows_conserves_value(a, b, rows):
    flows = pl.DataFrame(
        {
            "t": [r[0] for r in rows],
            "i": [r[1] for r in rows],
            "j": [842] * len(rows),
            "k": [r[2] for r in rows],
            "v": [r[3] for r in rows],
            "q": [1.0] * len(rows),
        }
    )
    out = hs.convert_flows(ibis.memtable(flows), a, b).to_polars()
    before = flows.group_by("t", "i").agg(pl.col("v").sum(), pl.col("q").sum()).sort("t", "i")
    after = out.group_by("t", "i").agg(pl.col("v").sum(), pl.col("q").sum()).sort("t", "i")
    assert before["t"].to_list() == after["t"].to_list()
    for x, y in zip(before["v"].to_list(), after["v"].to_list(), strict=True):
        assert y == pytest.approx(x, rel=1e-12, abs=1e-6)
    for x, y in zip(before["q"].to_list(), after["q"].to_list(), strict=True):
        assert y == pytest.approx(x, rel=1e-12)


# ---------------------------------------------------------------------------------------------
# real data: the HS17 side of the links exists in BACI's HS17 product table


@pytest.mark.realdata
def test_hs17_codes_of_links_exist_in_baci_hs17(mirror: Path):
    z = mirror / "baci" / "BACI_HS17_V202601.zip"
    if not z.exists():
        pytest.skip("BACI HS17 zip absent")
    with zipfile.ZipFile(z) as zf:
        name = next(n for n in zf.namelist() if n.startswith("product_codes_HS17"))
        products = pl.read_csv(io.BytesIO(zf.read(name)), schema_overrides={"code": pl.Utf8})
    codes = set(products["code"].str.zfill(6))
    links = hs.shipped_links()
    hs17 = set(links.filter(pl.col("from_hs") == "HS17")["from_code"]) | set(
        links.filter(pl.col("to_hs") == "HS17")["to_code"]
    )
    assert hs17 <= codes, sorted(hs17 - codes)
    # codes deleted in HS2017 are gone from the HS17 table
    gone = set(links.filter(pl.col("to_hs") == "HS17")["from_code"]) - hs17
    assert not (gone & codes), sorted(gone & codes)


@pytest.mark.unit
def test_convert_flows_without_quantities():
    flows = pl.DataFrame({"t": [2020], "i": [4], "j": [842], "k": ["854150"], "v": [3.0]})
    out = hs.convert_flows(ibis.memtable(flows), "HS17", "HS22").to_polars().sort("k")
    assert out.columns == ["t", "i", "j", "k", "v"]
    assert out["k"].to_list() == ["854151", "854159"] and out["v"].to_list() == [1.5, 1.5]
