"""The front door on small data: a country under two CEPII codes, groups, blocs, notes.

BACI's country table lists Germany as 276 and 280 ("Fed. Rep. of Germany (...1990)"),
Belgium as 56 and 58, Sudan as 729 and 736; a release's flows may use either code. These
tests build a release whose flows use the *second* code, as the real sample does.
"""

from __future__ import annotations

import polars as pl
import pytest
from metrics_helpers import CHN, FRA, JPN, KOR, MAGNETS, NLD, USA, frame

import econsec as es
from econsec import analysis
from econsec.countries import CountryTable
from econsec.errors import NotFoundError

pytestmark = pytest.mark.unit
approx = pytest.approx
OLD_DEU = 280


@pytest.fixture
def countries(small_countries):
    """The small table plus Germany's second code, as in BACI's own table."""
    old = pl.DataFrame(
        {
            "code": [OLD_DEU],
            "name": ["Fed. Rep. of Germany (...1990)"],
            "iso2": ["DE"],
            "iso3": ["DEU"],
        },
        schema=small_countries.schema,
    )
    return pl.concat([small_countries, old])


FLOWS = frame(
    [
        (2024, CHN, OLD_DEU, MAGNETS, 50.0),
        (2024, JPN, OLD_DEU, MAGNETS, 25.0),
        (2024, FRA, OLD_DEU, MAGNETS, 25.0),
        (2024, OLD_DEU, FRA, MAGNETS, 40.0),
        (2024, CHN, FRA, MAGNETS, 60.0),
        (2024, OLD_DEU, JPN, MAGNETS, 10.0),
        (2024, CHN, JPN, MAGNETS, 90.0),
        (2024, KOR, USA, MAGNETS, 7.0),
        (2024, OLD_DEU, NLD, MAGNETS, 3.0),
    ]
)


PRODUCTS = pl.DataFrame(
    {"code": ["850511", "850519", "854231"], "description": ["magnets", "other", "chips"]}
)


@pytest.fixture
def wh(make_warehouse, countries):
    home = make_warehouse(FLOWS, countries=countries)
    PRODUCTS.write_parquet(home / "baci" / "hs=HS17" / "release=V202601" / "products.parquet")
    return home


def test_country_table_merges_codes(countries):
    ct = CountryTable(countries)
    assert ct.resolve("DEU") == ct.resolve(280) == ct.resolve("Germany") == ct.resolve("DE")
    assert ct.codes_of("DEU") == (276, 280)
    assert ct.aliases == {280: 276}
    assert ct.resolve("Taiwan") == ct.resolve("TWN") == 490
    assert ct.resolve("South Korea") == 410


@pytest.mark.parametrize("name", ["DEU", "Germany", "DE", 276, 280, "deu"])
def test_germany_reachable_by_every_name(wh, name):
    df = analysis.autonomy(name, 2024, home=wh).to_polars()
    r = df.row(0, named=True)
    assert (r["importer"], r["import_value"], r["top_supplier"]) == ("DEU", 100.0, "CHN")
    assert r["export_value"] == approx(53.0)  # 40 to FRA + 10 to JPN + 3 to NLD


def test_germany_as_supplier_exporter_and_side(wh):
    jp = analysis.autonomy("JPN", 2024, rival="DEU", home=wh).to_polars().row(0, named=True)
    assert jp["rival_value"] == 10.0 and jp["n_suppliers"] == 2
    ind = analysis.indispensability("DEU", 2024, home=wh).to_polars()
    assert ind["exporter"].to_list() == ["DEU"] and ind["export_value"][0] == 53.0
    lev = analysis.leverage("DEU", "CHN", 2024, tau=0.4, sigma=0.3, home=wh)
    assert lev.params["a_members"] == ["DEU"]
    assert lev.to_polars().filter(pl.col("importer") == "DEU").height == 1


def test_bloc_counts_members_under_either_code(wh):
    # EU27 includes DEU (code 280 in the flows), FRA and NLD: extra-bloc imports only.
    r = analysis.autonomy("EU27", 2024, home=wh).to_polars().row(0, named=True)
    assert r["importer"] == "EU27"
    # CHN→DEU 50 + JPN→DEU 25 + CHN→FRA 60; FRA→DEU and DEU→FRA are intra-bloc.
    assert r["import_value"] == approx(50 + 25 + 60)
    assert r["top_supplier"] == "CHN"
    assert r["export_value"] == approx(10.0)  # DEU→JPN; DEU→FRA and DEU→NLD are intra-bloc
    same = analysis.autonomy(bloc="EU27", year=2024, home=wh).to_polars()
    assert same.row(0, named=True)["import_value"] == r["import_value"]
    eu = analysis.screen_eu("EU27", 2024, home=wh)
    assert eu.to_polars()["intra_imports"][0] == approx(25 + 40 + 3)
    assert "DEU" in eu.params["members"]


def test_group_meaning_and_mixed_importers(wh):
    res = analysis.autonomy(["EU27", "JPN"], 2024, home=wh)
    assert sorted(res.to_polars()["importer"].to_list()) == ["EU27", "JPN"]
    assert any("extra-bloc imports" in m for m in res.params["meaning"])


def test_user_group_everywhere(wh):
    (wh / "groups.toml").write_text(
        '[groups.FRIENDS]\nname = "Friends"\nmembers = ["DEU", "JPN"]\n'
    )
    r = analysis.autonomy("FRA", 2024, rival_group="FRIENDS", home=wh).to_polars()
    assert r["rival_value"][0] == 40.0
    lev = analysis.leverage("FRIENDS", "CHN", 2024, home=wh)
    assert lev.params["a"] == "FRIENDS" and lev.params["a_members"] == ["DEU", "JPN"]


def test_year_omitted_is_latest_and_int_products(wh):
    res = es.autonomy("DEU", products=850511, home=wh)
    assert res.params["year"] == 2024 and res.params["products"] == [MAGNETS]


def test_valid_code_without_flows_is_a_note(wh):
    res = analysis.autonomy("DEU", 2024, products=["850511", "854231"], home=wh)
    assert res.to_polars().height == 1
    assert any("854231" in n and "no flows" in n for n in res.notes)
    empty = analysis.autonomy("BRA", 2024, home=wh)
    assert empty.to_polars().height == 0
    assert any("empty" in n for n in empty.notes)


@pytest.mark.parametrize(
    ("product", "match"),
    [("999999", "product table"), ("abcdef", "neither an HS code"), ("8505111", "6 digits")],
)
def test_bad_products_are_errors(wh, product, match):
    with pytest.raises(NotFoundError, match=match):
        analysis.autonomy("DEU", 2024, products=product, home=wh)


def test_degenerate_requests(wh):
    with pytest.raises(ValueError, match="same country"):
        analysis.leverage("DEU", "Germany", 2024, home=wh)
    with pytest.raises(ValueError, match="one country"):
        analysis.screen_eu("DEU", 2024, home=wh)
    with pytest.raises(NotFoundError, match="country or group"):
        analysis.autonomy("Germny", 2024, home=wh)


def test_top_level_verbs_and_result_protocol(wh):
    res = es.autonomy("DEU", 2024)
    for attr in ("frame", "params", "notes", "summary", "to_polars", "to_pandas", "to_dict"):
        assert hasattr(res, attr)
    d = res.to_dict()
    assert d["rows"][0]["importer"] == "DEU" and d["params"]["year"] == 2024
    assert set(d) == {"params", "notes", "summary", "rows"}


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("CÃ´te d'Ivoire", "Côte d'Ivoire"),
        ("CuraÃ§ao", "Curaçao"),
        ("TÃ¼rkiye", "Türkiye"),
        ("Côte d'Ivoire", "Côte d'Ivoire"),
        ("Ãland", "Ãland"),  # not a round trip: left as it is
    ],
)
def test_country_names_encoded_twice_are_repaired(raw, name):
    from econsec.countries import repair_mojibake

    assert repair_mojibake(raw) == name
