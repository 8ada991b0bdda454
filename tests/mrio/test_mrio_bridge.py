"""HS -> IO-sector bridges: validation, precedence, regions, shipped files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import polars as pl
import pytest

from econsec.errors import DataError, NotFoundError
from econsec.mrio.bridge import available_bridges, hs_to_sectors, load_bridge, read_bridge

HEADER = "hs,sector,weight,source,date,note\n"
SECTORS = "sector,name,source\na,A,test\nb,B,test\nc,C,test\n"


def _bridge(tmp_path: Path, body: str):
    (tmp_path / "s.csv").write_text(SECTORS, encoding="utf-8")
    (tmp_path / "b.csv").write_text(HEADER + body, encoding="utf-8")
    return read_bridge(
        tmp_path / "b.csv",
        tmp_path / "s.csv",
        name="t",
        rest_of_world="ROW",
        region_aliases={"ROU": "ROM"},
    )


@pytest.mark.unit
def test_longest_code_wins(tmp_path: Path) -> None:
    b = _bridge(
        tmp_path,
        "85,a,1,src,2026-01-01,\n8505,b,1,src,2026-01-01,\n"
        "850511,c,0.25,src,2026-01-01,\n850511,a,0.75,src,2026-01-01,\n",
    )
    lk = b.lookup(["850511", "850519", "851000"]).sort("product", "sector")
    assert lk.rows() == [
        ("850511", "a", 0.75, "850511"),
        ("850511", "c", 0.25, "850511"),
        ("850519", "b", 1.0, "8505"),
        ("851000", "a", 1.0, "85"),
    ]


@pytest.mark.golden
def test_hs_to_sectors_hand_computed(tmp_path: Path) -> None:
    b = _bridge(tmp_path, "85,a,1,src,d,\n850511,c,0.25,src,d,\n850511,a,0.75,src,d,\n")
    shock = pl.DataFrame(
        {
            "importer_iso3": ["JPN", "ROU", "NAM"],
            "product": ["850511", "850511", "850400"],
            "value": [100.0, 40.0, 8.0],
        }
    )
    out = hs_to_sectors(shock, b, regions=["JPN", "ROM"])
    assert out.rows() == [
        ("JPN", "a", 75.0),
        ("JPN", "c", 25.0),
        ("ROM", "a", 30.0),
        ("ROM", "c", 10.0),
        ("ROW", "a", 8.0),
    ]
    kept = hs_to_sectors(shock, b)  # no table regions: ISO3 codes kept, aliases applied
    assert set(kept["region"]) == {"JPN", "ROM", "NAM"}


@pytest.mark.unit
@pytest.mark.parametrize(
    ("body", "line", "field", "msg"),
    [
        ("851,a,1,s,d,\n", 2, "hs", "2, 4 or 6 digits"),
        ("85,z,1,s,d,\n", 2, "sector", "unknown sector 'z'"),
        ("85,a,1.5,s,d,\n", 2, "weight", r"\(0, 1\]"),
        ("85,a,x,s,d,\n", 2, "weight", "not a number"),
        ("85,a,1,,d,\n", 2, "source", "empty source"),
        ("84,a,1,s,d,\n85,a,0.5,s,d,\n85,b,0.4,s,d,\n", 3, "weight", "sum to 0.9"),
        ("85,a,0.5,s,d,\n85,a,0.5,s,d,\n", 2, "sector", "twice"),
    ],
)
def test_bridge_validation_names_file_line_field(tmp_path, body, line, field, msg) -> None:
    with pytest.raises(DataError, match=msg) as e:
        _bridge(tmp_path, body)
    assert e.value.line == line and e.value.field == field
    assert Path(str(e.value.path)).name == "b.csv"


@pytest.mark.unit
def test_unknown_product_and_bad_input(tmp_path: Path) -> None:
    b = _bridge(tmp_path, "85,a,1,s,d,\n")
    with pytest.raises(DataError, match=r"no bridge row for 1 product.*010121"):
        b.lookup(["850511", "010121"])
    with pytest.raises(DataError, match="6-digit"):
        b.lookup(["8505"])
    with pytest.raises(DataError, match="lacks columns"):
        hs_to_sectors(pl.DataFrame({"product": ["850511"], "value": [1.0]}), b)
    with pytest.raises(NotFoundError, match="unknown bridge 'nope'"):
        load_bridge("nope")


@pytest.mark.unit
def test_shipped_bridges_cover_their_classifications() -> None:
    assert {"wiod13", "icio23"} <= set(available_bridges())
    w, i = load_bridge("wiod13"), load_bridge("icio23")
    assert w.sectors.height == 35 and i.sectors.height == 45
    assert w.rows["source"].str.len_chars().min() > 0 and "date" in w.rows.columns
    # every HS chapter 01-97 (77 is reserved) has a row
    chapters = {f"{c:02d}" for c in range(1, 98) if c != 77}
    for b in (w, i):
        assert chapters <= set(b.rows.filter(pl.col("hs").str.len_chars() == 2)["hs"])
    assert w.lookup(["850511"])["sector"].to_list() == ["c14"]  # permanent magnets
    assert i.lookup(["850511"])["sector"].to_list() == ["C27"]
    assert w.region("ROU", ["ROM", "RoW"]) == "ROM" and w.region("NAM", ["ROM"]) == "RoW"


@pytest.mark.realdata
def test_every_baci_hs17_product_maps(mirror: Path) -> None:
    with zipfile.ZipFile(mirror / "baci" / "BACI_HS17_V202601.zip") as z:
        name = next(n for n in z.namelist() if n.startswith("product_codes"))
        codes = pl.read_csv(z.open(name), infer_schema=False)["code"].to_list()
    for bridge in ("wiod13", "icio23"):
        lk = load_bridge(bridge).lookup(codes)
        assert lk["product"].n_unique() == len(set(codes))
        sums = lk.group_by("product").agg(pl.col("weight").sum())["weight"]
        assert sums.min() == pytest.approx(1.0) and sums.max() == pytest.approx(1.0)
