from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from econsec.errors import DataError, NotFoundError
from econsec.reference import unga

HEADER = (
    "ccode,iso3c,countryname,year,idealpointfp,idealpointall,idealpointlegacy,"
    "nvotesfp,nvotesall,nvotesLegacy\n"
)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    f = tmp_path / "ideal.csv"
    f.write_text(
        HEADER
        + "2,USA,United States,2023.0,2.9,3.0,3.1,80,100,90\n"
        + "710,CHN,China,2023.0,-1.4,-1.5,-1.6,80,100,90\n"
        + "200,GBR,United Kingdom,2023.0,2.0,2.25,2.3,80,100,90\n"
        + "437,CIV,CÃ´te dâ\x80\x99Ivoire,2023.0,0.1,0.2,0.3,80,100,90\n"
        # 2024: idealpointall empty -> idealpointfp used
        + "2,USA,United States,2024.0,2.5,,,70,,\n"
        + "710,CHN,China,2024.0,-1.0,,,70,,\n"
        # a row without iso3c: its ccode is USA's elsewhere in the file (legacy only)
        + "2,,,2022.0,,,3.3,,,10\n"
        # South Yemen is labelled YAR in the release
        + "680,YAR,Yemen People's Republic,1980.0,-1.0,-1.2,-1.1,50,60,55\n"
        + "678,YAR,Yemen Arab Republic,1980.0,0.0,0.1,0.2,50,60,55\n",
        encoding="utf-8",
    )
    return f


@pytest.mark.golden
def test_alignment_is_absolute_distance(small: Path):
    assert unga.alignment("USA", "CHN", 2023, path=small) == pytest.approx(4.5)
    assert unga.alignment("usa", "gbr", 2023, path=small) == pytest.approx(0.75)
    # 2024 has no idealpointall: idealpointfp is used
    assert unga.alignment("CHN", "USA", 2024, path=small) == pytest.approx(3.5)
    assert unga.alignment("USA", "CHN", 2023, path=small, column="fp") == pytest.approx(4.3)


@pytest.mark.golden
def test_ideal_points_columns_and_repairs(small: Path):
    p = unga.ideal_points(small)
    assert p.columns == list(unga.IDEAL_SCHEMA)
    src = dict(zip(p["year"].to_list(), p["source_column"].to_list(), strict=True))
    assert src[2023] == "idealpointall" and src[2024] == "idealpointfp"
    assert p.filter(pl.col("iso3") == "CIV")["country"].item() == "Côte d’Ivoire"
    yemens = p.filter(pl.col("year") == 1980).sort("iso3")
    assert yemens["iso3"].to_list() == ["YAR", "YMD"]
    legacy = unga.ideal_points(small, column="legacy").filter(pl.col("year") == 2022)
    assert legacy["iso3"].to_list() == ["USA"] and legacy["ideal_point"].item() == 3.3


@pytest.mark.golden
def test_alignment_matrix(small: Path):
    m = unga.alignment_matrix(2023, path=small, countries=["USA", "CHN", "GBR"])
    assert m.height == 6
    d = {(a, b): x for a, b, x in m.iter_rows()}
    assert d[("CHN", "GBR")] == pytest.approx(3.75) and d[("GBR", "CHN")] == d[("CHN", "GBR")]


@pytest.mark.unit
def test_errors(small: Path, tmp_path: Path):
    with pytest.raises(NotFoundError, match="year"):
        unga.alignment("USA", "CHN", 1999, path=small)
    with pytest.raises(NotFoundError, match="country"):
        unga.alignment("USA", "GBR", 2024, path=small)
    with pytest.raises(ValueError, match="column"):
        unga.ideal_points(small, column="best")
    bad = tmp_path / "bad.csv"
    bad.write_text("ccode,year\n2,2020\n")
    with pytest.raises(DataError):
        unga.read_raw(bad)


@pytest.mark.property
@given(
    theta=st.dictionaries(
        st.sampled_from(["USA", "CHN", "JPN", "KOR", "DEU", "IND", "BRA"]),
        st.floats(-3, 3, allow_nan=False),
        min_size=3,
        max_size=7,
    )
)
def test_distance_is_a_metric(theta):
    pts = pl.DataFrame({"iso3": list(theta), "ideal_point": list(theta.values())})
    m = unga.pairwise_distances(pts)
    d = {(a, b): x for a, b, x in m.iter_rows()}
    assert m.height == len(theta) * (len(theta) - 1)
    keys = list(theta)
    for a in keys:
        for b in keys:
            if a == b:
                continue
            assert d[(a, b)] >= 0 and d[(a, b)] == d[(b, a)]
            for c in keys:
                if c not in (a, b):
                    assert d[(a, b)] <= d[(a, c)] + d[(c, b)] + 1e-12


@pytest.mark.realdata
def test_real_ideal_points(mirror: Path):
    f = mirror / unga.FILE
    p = unga.ideal_points(f)
    assert p.group_by("iso3", "year").len()["len"].max() == 1
    assert p["year"].max() == 2024
    assert set(p.filter(pl.col("year") == 2024)["source_column"]) == {"idealpointfp"}
    assert set(p.filter(pl.col("year") == 2023)["source_column"]) == {"idealpointall"}
    assert unga.alignment("USA", "CHN", 2020, path=f) > unga.alignment("USA", "GBR", 2020, path=f)
    assert unga.alignment("USA", "JPN", 2024, path=f) < unga.alignment("USA", "RUS", 2024, path=f)
    assert p.filter(pl.col("year") == 2020).height >= 190
