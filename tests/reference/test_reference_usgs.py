from __future__ import annotations

import warnings
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from econsec.errors import DataError
from econsec.reference import usgs

# A file with the quirks of the MCS 2024 world tables: BOM, CRLF, empty trailing columns,
# unit/estimate/variant in column names, NA/W/XX/e-prefix/bounds/free text, footnote digits,
# an "e" estimate mark on names, qualifiers, non-breaking spaces, totals and "Other countries".
FIXTURE = (
    "\ufeffSource,Country,Type,Prod_t_2022,Prod_t_est_2023,Prod_notes,Reserves_kt,"
    "Reserves_notes,,,\r\n"
    'MCS2024,United\xa0States1,"Mine production, widgets",W,W,,"1,200",,,,\r\n'
    'MCS2024,Burma,"Mine production, widgets",12000,e38000,,NA,,,,\r\n'
    'MCS2024,"Congo (Kinshasa)","Mine production, widgets","1,500",1600,,XX,,,,\r\n'
    'MCS2024,"Korea, Republic ofe","Mine production, widgets",7,8,,>130,,,,\r\n'
    'MCS2024,"Brazil (beneficiated)","Mine production, widgets",5,  NA ,,'
    "Less than ½ unit.,,,,\r\n"
    'MCS2024,Atlantis,"Mine production, widgets",1,2,lost,,,,,\r\n'
    'MCS2024,Other countries4,"Mine production, widgets",100,110,,900,,,,\r\n'
    'MCS2024,World total (rounded)2,"Mine production, widgets",13600,39700,,2200,,,,\r\n'
    ",,,,,,,,,,\r\n,,,,,,,,,,\r\n"
)


@pytest.fixture
def world(tmp_path: Path) -> Path:
    d = tmp_path / "world"
    d.mkdir()
    (d / "mcs2024-raree_world.csv").write_bytes(FIXTURE.encode("utf-8"))
    (d / "mcs2024-galli_world.csv").write_text(
        "Source,Country,Type,Prod_kg_2022,Prod_kg_est_2023,Prod_notes,Cap_kg_2023,Cap_notes\n"
        "MCS2024,Chinae,Primary production,600000,600000,estimated in 2022 also,1000000,\n"
        'MCS2024,World total (rounded),Primary production,610000,610000,,"1,100,000",\n'
    )
    return d


@pytest.mark.golden
def test_fixture_is_normalised(world: Path):
    with pytest.warns(usgs.UnmappedCountryWarning, match="Atlantis"):
        df = usgs.read_world(world)
    assert df.schema == pl.Schema(usgs.WORLD_SCHEMA)
    ree = df.filter(pl.col("commodity_code") == "raree")
    assert set(ree["commodity"]) == {"Rare earths"}
    assert ree.height == 8 * 2  # 8 country rows x 2 years, blank rows dropped

    def row(country: str, year: int) -> dict:
        r = ree.filter((pl.col("country") == country) & (pl.col("year") == year))
        assert r.height == 1, (country, year)
        return r.row(0, named=True)

    us = row("United States", 2023)
    assert (us["iso3"], us["production"], us["production_flag"]) == ("USA", None, "W")
    assert (us["reserves"], us["reserves_unit"], us["unit"]) == (1200.0, "kt", "t")
    assert us["estimated"] is True  # Prod_t_est_2023
    assert row("United States", 2022)["estimated"] is False
    mm = row("Burma", 2023)
    assert (mm["iso3"], mm["production"], mm["estimated"]) == ("MMR", 38000.0, True)
    assert mm["reserves"] is None and mm["reserves_flag"] == "NA"
    cd = row("Congo (Kinshasa)", 2022)
    assert (cd["iso3"], cd["production"], cd["reserves_flag"]) == ("COD", 1500.0, "XX")
    kr = row("Korea, Republic of", 2022)
    assert (kr["iso3"], kr["estimated"], kr["reserves"], kr["reserves_flag"]) == (
        "KOR",
        True,
        130.0,
        ">",
    )
    br = row("Brazil", 2023)
    assert (br["iso3"], br["qualifier"], br["production"], br["production_flag"]) == (
        "BRA",
        "beneficiated",
        None,
        "NA",
    )
    assert br["reserves_flag"] == "text" and "Less than" in br["note"]
    at = row("Atlantis", 2022)
    assert at["iso3"] is None and at["note"] == "lost"
    oth = row("Other countries", 2023)
    assert oth["is_other"] and not oth["is_total"] and oth["production"] == 110.0
    tot = row("World total (rounded)", 2023)
    assert tot["is_total"] and tot["production"] == 39700.0 and tot["iso3"] is None
    assert tot["source_file"] == "mcs2024-raree_world.csv" and tot["line"] == 9

    ga = df.filter(pl.col("commodity_code") == "galli")
    cn = ga.filter((pl.col("iso3") == "CHN") & (pl.col("year") == 2023)).row(0, named=True)
    assert (cn["production"], cn["unit"], cn["capacity"], cn["capacity_unit"]) == (
        600000.0,
        "kg",
        1000000.0,
        "kg",
    )
    assert cn["estimated"] is True
    cn22 = ga.filter((pl.col("iso3") == "CHN") & (pl.col("year") == 2022)).row(0, named=True)
    assert cn22["capacity"] is None  # no 2022 capacity column
    assert ga.filter(pl.col("is_total") & (pl.col("year") == 2023))["capacity"].item() == 1.1e6


@pytest.mark.unit
def test_no_warning_when_disabled(world: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        usgs.read_world(world, warn=False)


@pytest.mark.unit
def test_bad_header_names_file(tmp_path: Path):
    f = tmp_path / "mcs2024-xx_world.csv"
    f.write_text("Source,Nation,Type,Prod_t_2022\nMCS2024,China,x,1\n")
    with pytest.raises(DataError) as e:
        usgs.read_world_file(f)
    assert e.value.line == 1 and "mcs2024-xx_world.csv" in str(e.value)


@pytest.mark.unit
@pytest.mark.parametrize(
    "name, measure, unit, year, est, variant",
    [
        ("Prod_t_2022", "production", "t", 2022, False, ""),
        ("Prod_kt_Est_2023", "production", "kt", 2023, True, ""),
        ("Prod_Sponge_t_Est_2022", "production", "t", 2022, True, "sponge"),
        ("Cap_Pigment_t_2023", "capacity", "t", 2023, False, "pigment"),
        ("Reserves_mt", "reserves", "mt", None, False, ""),
        ("Reserves_ore_K2O_equiv_kt", "reserves", "kt", None, False, "ore k2o equiv"),
        ("Reserves_kt_2023", "reserves", "kt", 2023, False, ""),
    ],
)
def test_parse_column(name, measure, unit, year, est, variant):
    c = usgs.parse_column(name)
    assert c is not None
    assert (c.measure, c.unit, c.year, c.estimated, c.variant) == (
        measure,
        unit,
        year,
        est,
        variant,
    )


@pytest.mark.unit
def test_parse_column_ignores_notes_and_blanks():
    assert usgs.parse_column("Prod_notes") is None
    assert usgs.parse_column("") is None
    assert usgs.parse_column("Country") is None


@pytest.mark.property
@given(n=st.integers(0, 10**12), est=st.booleans(), pad=st.sampled_from(["", " ", "   "]))
def test_parse_value_round_trips_formatted_numbers(n, est, pad):
    cell = pad + ("e" if est else "") + f"{n:,}" + pad
    assert usgs.parse_value(cell) == (float(n), None, est)


@pytest.mark.property
@given(code=st.sampled_from(sorted(usgs.MISSING_CODES)), pad=st.sampled_from(["", "  "]))
def test_parse_value_missing_codes(code, pad):
    assert usgs.parse_value(pad + code) == (None, code, False)


@pytest.mark.unit
def test_figures(tmp_path: Path):
    f2 = tmp_path / "fig2.csv"
    f2.write_text(
        "\ufeffSource,Import_Share_Order,Commodity,Net_Import_Reliance_pct_2023,"
        "Major_Import_Sources_2019_2022,Notes\r\n"
        'MCS2024,1,"ARSENIC, all forms",100,"China, Morocco",x\r\n'
        'MCS2024,2,"RARE EARTHS",>95,"China, Republic of Korea",y\r\n'
    )
    nir = usgs.net_import_reliance(f2)
    assert nir["nir_pct"].to_list() == [100.0, 95.0]
    assert nir["nir_bound"].to_list() == [None, ">"]
    src = usgs.import_sources(f2)
    assert src.filter(pl.col("commodity") == "RARE EARTHS")["iso3"].to_list() == ["CHN", "KOR"]
    assert src["rank"].to_list() == [1, 2, 1, 2]
    f3 = tmp_path / "fig3.csv"
    f3.write_text("Source,Country,Commodity_Count,Map_Class\nMCS2024,South Korea,5,4 to 6\n")
    assert usgs.import_source_counts(f3).row(0) == ("South Korea", "KOR", 5, "4 to 6")


# ---------------------------------------------------------------------------------------------
# real data


@pytest.mark.realdata
def test_all_77_files(mirror: Path):
    d = mirror / "ref" / "usgs_mcs2024_world"
    with warnings.catch_warnings():
        warnings.simplefilter("error", usgs.UnmappedCountryWarning)
        df = usgs.read_world(d)
    assert df["source_file"].n_unique() == 77
    assert df["commodity_code"].n_unique() == 77
    # every named country resolved; only totals, "Other countries" and joint rows lack iso3
    assert (
        df.filter(pl.col("iso3").is_null() & ~pl.col("is_total") & ~pl.col("is_other")).height == 0
    )
    assert df["unit"].drop_nulls().is_in(list(usgs.UNITS)).all()

    ree = df.filter(pl.col("commodity_code") == "raree")
    # MCS 2024, Rare earths: China 240,000 t (2023, estimated); world total 350,000 t
    cn = ree.filter((pl.col("iso3") == "CHN") & (pl.col("year") == 2023)).row(0, named=True)
    assert cn["production"] == 240_000 and cn["unit"] == "t" and cn["reserves"] == 44_000_000
    world = ree.filter(pl.col("is_total") & (pl.col("year") == 2023))["production"].item()
    assert world == 350_000
    countries = ree.filter(~pl.col("is_total") & (pl.col("year") == 2023))["production"].sum()
    assert countries == pytest.approx(world, rel=0.02)  # the total is rounded
    # every file but pumice (published without one) has a world total row
    with_total = set(df.filter(pl.col("is_total"))["source_file"])
    assert with_total == set(df["source_file"]) - {"mcs2024-pumic_world.csv"}


@pytest.mark.realdata
def test_real_figures(mirror: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", usgs.UnmappedCountryWarning)
        nir = usgs.net_import_reliance(mirror / usgs.FIG2)
        src = usgs.import_sources(mirror / usgs.FIG2)
        cnt = usgs.import_source_counts(mirror / usgs.FIG3)
    assert nir.height == 63
    ga = nir.filter(pl.col("commodity") == "GALLIUM").row(0, named=True)
    assert ga["nir_pct"] == 100.0 and ga["sources"][:2] == ["Japan", "China"]
    assert src["iso3"].null_count() == 0
    assert cnt.height == 43 and cnt["iso3"].null_count() == 0
    assert cnt.filter(pl.col("iso3") == "CHN")["commodity_count"].item() == 24
