from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econsec.errors import DataError, NotFoundError
from econsec.reference import groups as g

# ---------------------------------------------------------------------------------------------
# golden: dates from the official pages cited in groups.csv


@pytest.mark.golden
def test_eu_accessions_and_brexit():
    assert len(g.members("EU", date(1995, 1, 1))) == 15
    assert len(g.members("EU", date(2004, 4, 30))) == 15
    assert len(g.members("EU", date(2004, 5, 1))) == 25
    assert len(g.members("EU", date(2007, 1, 1))) == 27
    assert "HRV" not in g.members("EU", date(2013, 6, 30))
    assert len(g.members("EU", date(2013, 7, 1))) == 28
    # the UK's last day as a member is 2020-01-31
    assert "GBR" in g.members("EU", date(2020, 1, 31))
    assert "GBR" not in g.members("EU", date(2020, 2, 1))
    assert len(g.members("EU", date(2020, 2, 1))) == 27


@pytest.mark.golden
def test_year_means_first_of_july():
    assert g.reference_date(2013) == date(2013, 7, 1)
    assert "HRV" in g.members("EU", 2013)  # member from 2013-07-01
    assert "HRV" not in g.members("EU", 2012)
    assert "GBR" not in g.members("EU", 2020)  # left 2020-01-31
    assert "GBR" in g.members("EU", 2019)
    assert len(g.members("EU", 2004)) == 25  # joined 2004-05-01


@pytest.mark.golden
def test_fixed_compositions():
    eu27 = g.members("EU27")  # alias of EU27_2020
    assert len(eu27) == 27 and "GBR" not in eu27
    assert g.members("EU27", 1999) == eu27  # fixed composition, any date
    assert set(g.members("EU28", 1990)) == set(eu27) | {"GBR"}


@pytest.mark.golden
def test_oecd_nato_cptpp_rcep_dates():
    assert "COL" not in g.members("OECD", date(2020, 4, 27))
    assert "COL" in g.members("OECD", date(2020, 4, 28))
    assert "CRI" in g.members("OECD", date(2021, 5, 25))
    assert "LVA" in g.members("OECD", 2016)  # 2016-07-01: a member on 1 July
    assert "LTU" not in g.members("OECD", 2018)  # 2018-07-05: after 1 July
    assert "LTU" in g.members("OECD", 2019)
    assert len(g.members("OECD", date(2024, 1, 1))) == 38
    assert "FIN" in g.members("NATO", date(2023, 4, 4))
    assert "SWE" not in g.members("NATO", date(2024, 3, 6))
    assert len(g.members("NATO", date(2024, 3, 7))) == 32
    assert len(g.members("CPTPP", date(2018, 12, 30))) == 6
    assert "GBR" not in g.members("CPTPP", date(2024, 12, 14))
    assert len(g.members("CPTPP", date(2024, 12, 15))) == 12
    assert len(g.members("RCEP", date(2022, 1, 1))) == 10
    assert "KOR" in g.members("RCEP", date(2022, 2, 1))
    assert "MYS" in g.members("RCEP", date(2022, 3, 18))
    assert "IDN" in g.members("RCEP", date(2023, 1, 2))
    assert len(g.members("RCEP", date(2023, 6, 2))) == 14  # 15 signatories, Myanmar not in force


@pytest.mark.golden
def test_small_groups_and_brics():
    assert g.members("G7", 2024) == ["CAN", "DEU", "FRA", "GBR", "ITA", "JPN", "USA"]
    assert len(g.members("G20", 2024)) == 19  # the EU and the AU are not countries
    assert g.members("chips 4") == ["JPN", "KOR", "TWN", "USA"]
    assert g.members("Quad") == ["AUS", "IND", "JPN", "USA"]
    assert len(g.members("IPEF", 2023)) == 14
    assert set(g.members("BRICS", 2023)) == {"BRA", "RUS", "IND", "CHN", "ZAF"}
    b24 = g.members("BRICS", 2024)
    assert {"EGY", "ETH", "IRN", "ARE"} <= set(b24) and "IDN" not in b24
    assert "SAU" not in b24  # invited, membership not confirmed
    assert "IDN" in g.members("BRICS", date(2025, 1, 6))


@pytest.mark.unit
def test_names_case_insensitive_and_unknown():
    assert g.members("eu", 2010) == g.members("European Union", 2010)
    assert g.is_group("rcep") and g.is_group("G20") and not g.is_group("G8")
    with pytest.raises(NotFoundError) as e:
        g.members("G8")
    assert e.value.kind == "group"
    assert "G7" in e.value.suggestions


@pytest.mark.unit
def test_reference_date_forms():
    assert g.reference_date("2021-05-25") == date(2021, 5, 25)
    assert g.reference_date("2021") == date(2021, 7, 1)
    assert g.reference_date(None) == date.today()
    with pytest.raises(ValueError):
        g.reference_date("25/05/2021")


@pytest.mark.unit
def test_list_groups_frame():
    df = g.list_groups()
    assert df.columns == ["group", "name", "n_members", "source", "as_of"]
    assert {
        "EU",
        "G7",
        "G20",
        "OECD",
        "NATO",
        "QUAD",
        "CPTPP",
        "RCEP",
        "IPEF",
        "CHIPS4",
        "ASEAN",
        "BRICS",
    } <= set(df["group"])
    assert (df["n_members"] > 0).all()
    assert df["source"].str.len_chars().min() > 0


@pytest.mark.unit
def test_shipped_data_is_consistent():
    known = g.iso3_codes()
    for grp in g.all_groups().values():
        assert grp.source and grp.spells.height > 0
        assert set(grp.spells["iso3"]) <= known
        s = grp.spells.drop_nulls(["start", "end"])
        assert (s["start"] <= s["end"]).all()


# ---------------------------------------------------------------------------------------------
# property


@pytest.mark.property
@settings(max_examples=60, deadline=None)
@given(
    d=st.dates(min_value=date(1950, 1, 1), max_value=date(2030, 12, 31)),
    name=st.sampled_from(["EU", "OECD", "NATO", "RCEP", "CPTPP", "ASEAN", "BRICS", "G20"]),
)
def test_members_on_a_date_are_a_subset_of_all_spells(d, name):
    now = g.members(name, d)
    ever = set(g.membership(name, all_dates=True)["iso3"])
    assert set(now) <= ever
    assert now == sorted(set(now))


@pytest.mark.property
@settings(max_examples=40, deadline=None)
@given(year=st.integers(1958, 2030))
def test_year_equals_first_of_july(year):
    assert g.members("EU", year) == g.members("EU", date(year, 7, 1))
    assert 6 <= len(g.members("EU", year)) <= 28


# ---------------------------------------------------------------------------------------------
# user groups


@pytest.mark.unit
def test_user_groups_from_explicit_file(tmp_path: Path):
    f = tmp_path / "mine.toml"
    f.write_text('[groups.SEMI]\nmembers = ["jpn", "KOR", "TWN"]\ndescription = "chips"\n')
    assert g.members("semi", extra=f) == ["JPN", "KOR", "TWN"]
    assert g.is_group("SEMI", extra=f)
    assert "SEMI" in set(g.list_groups(extra=f)["group"])


@pytest.mark.unit
def test_user_groups_from_home(home: Path):
    (home / "groups.toml").write_text('[groups.EAST]\nmembers = ["CHN", "JPN"]\n')
    assert g.members("east") == ["CHN", "JPN"]


@pytest.mark.unit
def test_user_groups_bad_toml_names_file_and_line(tmp_path: Path):
    f = tmp_path / "bad.toml"
    f.write_text('[groups.X]\nmembers = ["JPN"\n')
    with pytest.raises(DataError) as e:
        g.members("X", extra=f)
    assert str(f) in str(e.value) and e.value.line is not None


@pytest.mark.unit
def test_user_groups_unknown_iso3_names_key_and_line(tmp_path: Path):
    f = tmp_path / "bad.toml"
    f.write_text('# my groups\n[groups.X]\nmembers = ["JPN",\n  "JPX"]\n')
    with pytest.raises(DataError) as e:
        g.members("X", extra=f)
    assert e.value.field == "groups.X.members"
    assert e.value.line == 4
    assert "JPN" in str(e.value)  # suggestion


@pytest.mark.unit
@pytest.mark.parametrize(
    "body, field",
    [
        ('[groups.X]\ndescription = "no members"\n', "groups.X.members"),
        ('[groups.X]\nmembers = "JPN"\n', "groups.X.members"),
        ('[groups.X]\nmembers = ["JPN"]\ncolour = "red"\n', "groups.X"),
        ('[groups.EU]\nmembers = ["JPN"]\n', "groups.EU"),
        ('title = "no groups"\n', "groups"),
    ],
)
def test_user_groups_invalid(tmp_path: Path, body: str, field: str):
    f = tmp_path / "bad.toml"
    f.write_text(body)
    with pytest.raises(DataError) as e:
        g.all_groups(extra=f)
    assert e.value.field == field


@pytest.mark.unit
def test_missing_explicit_file(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        g.members("EU", extra=tmp_path / "nope.toml")
