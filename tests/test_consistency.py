"""The same inputs through every verb: one resolution, the same meaning everywhere.

The warehouse lists Germany under two CEPII codes (276 and 280) and its flows use 280, as in
BACI's sample releases; it holds 2023 and 2024 so that an omitted year must mean 2024. The
inputs — Germany, a user group, a bloc as importer, an integer product code, the year
omitted — go through the analysis verbs, the yard, the scenarios, the plans and the review.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import polars as pl
import pytest

import econsec as es
from econsec.errors import NotFoundError

pytestmark = pytest.mark.unit
approx = pytest.approx

M = 850511
CHN, JPN, KOR, USA, FRA, NLD, OLD_DEU = 156, 392, 410, 842, 251, 528, 280
FLOWS_2024 = [
    (CHN, OLD_DEU, 50.0),
    (JPN, OLD_DEU, 25.0),
    (FRA, OLD_DEU, 25.0),
    (KOR, OLD_DEU, 5.0),
    (OLD_DEU, FRA, 40.0),
    (CHN, FRA, 60.0),
    (USA, FRA, 4.0),
    (OLD_DEU, JPN, 10.0),
    (CHN, JPN, 90.0),
    (KOR, USA, 7.0),
    (OLD_DEU, NLD, 3.0),
]


@pytest.fixture
def wh(make_warehouse, small_countries):
    old = pl.DataFrame(
        {"code": [OLD_DEU], "name": ["Fed. Rep. of Germany (...1990)"], "iso2": ["DE"]}
        | {"iso3": ["DEU"]},
        schema=small_countries.schema,
    )
    rows = [(2024, i, j, str(M), v) for i, j, v in FLOWS_2024]
    rows += [(2023, i, j, str(M), v / 2) for i, j, v in FLOWS_2024]  # 2023: half of 2024
    flows = pl.DataFrame(
        rows,
        schema={"t": pl.Int16, "i": pl.Int16, "j": pl.Int16, "k": pl.Utf8, "v": pl.Float64},
        orient="row",
    )
    home = make_warehouse(flows, countries=pl.concat([small_countries, old]))
    (home / "groups.toml").write_text(
        '[groups.FRIENDS]\nname = "Friends"\nmembers = ["DEU", "JPN"]\n'
    )
    return home


def _quiet(fn, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # no verb uses an old keyword
        return fn(*a, **kw)


# Germany's 2024 imports of magnets: CHN 50 + JPN 25 + FRA 25 + KOR 5.
DEU_IMPORTS, DEU_FROM_CHN = 105.0, 50.0
# The EU27 bloc (DEU, FRA, NLD here): extra-bloc imports CHN 110, JPN 25, KOR 5, USA 4.
EU_IMPORTS, EU_FROM_CHN = 144.0, 110.0


def test_germany_the_year_omitted_and_an_integer_code_everywhere(wh):
    kw = {"products": M, "home": wh}
    aut = _quiet(es.autonomy, "DEU", rival="CHN", **kw)
    shares = _quiet(es.supplier_shares, "DEU", **kw)
    ind = _quiet(es.indispensability, "DEU", **kw)
    geo = _quiet(es.screen_geodep, "DEU", persistence=False, **kw)
    yard = _quiet(es.yard, "DEU", rival="CHN", trend=False, **kw)
    ban = _quiet(es.export_ban, "CHN", "DEU", **kw)
    stock = _quiet(es.stockpile, "DEU", rival="CHN", **kw)
    plan = _quiet(es.plan, "DEU", rival="CHN", cap=0.5, **kw)
    results = [aut, shares, ind, geo, yard, ban, stock, plan]
    for r in results:
        assert r.params["year"] == 2024, type(r).__name__
        for attr in ("frame", "params", "notes", "summary", "to_polars", "to_pandas", "to_dict"):
            assert hasattr(r, attr), (type(r).__name__, attr)
        assert isinstance(r.to_dict(), dict)
    for r in (aut, ind, geo, yard, stock, plan):
        assert r.params["products"] == [str(M)], type(r).__name__
    assert aut.frame["import_value"][0] == approx(DEU_IMPORTS)
    assert aut.frame["rival_value"][0] == approx(DEU_FROM_CHN)
    assert shares.frame["value"].sum() == approx(DEU_IMPORTS)
    assert ind.frame["export_value"][0] == approx(53.0)
    assert geo.frame["import_value"][0] == approx(DEU_IMPORTS)
    assert yard.frame["product"].to_list() == [str(M)]
    assert ban.frame["baseline_imports"][0] == approx(DEU_IMPORTS)
    assert ban.frame["lost_imports"][0] == approx(DEU_FROM_CHN)
    assert stock.frame["import_value"][0] == approx(DEU_IMPORTS)
    assert stock.frame["rival_value"][0] == approx(DEU_FROM_CHN)
    assert plan.summary()["import_value"] == approx(DEU_IMPORTS)
    review = es.build_review("DEU", rival="CHN", home=wh)
    assert review.year == 2024
    assert review.autonomy.filter(pl.col("product") == str(M))["import_value"][0] == approx(
        DEU_IMPORTS
    )


def test_a_bloc_as_importer_means_extra_bloc_imports_everywhere(wh):
    kw = {"products": M, "home": wh}
    aut = es.autonomy("EU27", **kw)
    yard = es.yard("EU27", rival="CHN", trend=False, **kw)
    ban = es.export_ban("CHN", "EU27", **kw)
    stock = es.stockpile("EU27", rival="CHN", **kw)
    plan = es.plan("EU27", rival="CHN", cap=0.9, **kw)
    assert aut.frame["importer"].to_list() == ["EU27"]
    assert aut.frame["import_value"][0] == approx(EU_IMPORTS)
    assert ban.frame["importer"].to_list() == ["EU27"]
    assert ban.frame["baseline_imports"][0] == approx(EU_IMPORTS)
    assert ban.frame["lost_imports"][0] == approx(EU_FROM_CHN)
    assert stock.frame["import_value"][0] == approx(EU_IMPORTS)
    assert plan.summary()["import_value"] == approx(EU_IMPORTS)
    assert yard.params["importer"] == "EU27"
    for r in (aut, yard, ban, stock, plan):
        text = " ".join(r.params["meaning"])
        assert "extra-bloc" in text and "DEU" in text, type(r).__name__
    review = es.build_review("EU27", rival="CHN", home=wh)
    assert review.autonomy["importer"].unique().to_list() == ["EU27"]


def test_a_user_group_everywhere(wh):
    kw = {"products": M, "home": wh}
    # FRIENDS = DEU (code 280 in the flows) + JPN; France buys 40 from DEU and 0 from JPN.
    aut = es.autonomy("FRA", rival_group="FRIENDS", **kw)
    assert aut.frame["rival_value"][0] == approx(40.0)
    yard = es.yard("FRA", rival_group="FRIENDS", trend=False, **kw)
    assert yard.params["rival"] in ("FRIENDS", ["FRIENDS"])
    stock = es.stockpile("FRA", rival_group="FRIENDS", **kw)
    assert stock.frame["rival_value"][0] == approx(40.0)
    ban = es.export_ban("FRIENDS", "FRA", **kw)
    assert ban.frame["lost_imports"][0] == approx(40.0)
    coal = es.coalition_control("FRIENDS", "FRA", **kw)
    assert coal.frame["importer"].to_list() == ["FRA"]
    lev = es.leverage("FRIENDS", "CHN", **kw)
    assert lev.params["a_members"] == ["DEU", "JPN"]
    tar = es.tariff("FRA", "FRIENDS", rate=0.25, **kw)
    assert tar.params["year"] == 2024


@pytest.mark.parametrize(
    "call",
    [
        lambda h: es.autonomy("Atlantis", home=h),
        lambda h: es.indispensability("Atlantis", home=h),
        lambda h: es.leverage("Atlantis", "CHN", home=h),
        lambda h: es.yard("Atlantis", home=h),
        lambda h: es.export_ban("CHN", "Atlantis", products=M, home=h),
        lambda h: es.plan("Atlantis", products=M, home=h),
        lambda h: es.build_review("Atlantis", home=h),
    ],
)
def test_an_unknown_name_is_the_same_error_everywhere(wh, call):
    with pytest.raises(NotFoundError, match="unknown country or group 'Atlantis'"):
        call(wh)


@pytest.mark.parametrize(
    "call",
    [
        lambda h: es.leverage("DEU", "Germany", home=h),
        lambda h: es.tariff("USA", "USA", products=M, rate=0.1, home=h),
        lambda h: es.export_ban("DEU", "DEU", products=M, home=h),
        lambda h: es.plan("DEU", products=M, rival="DEU", home=h),
        lambda h: es.yard("DEU", rival="DEU", home=h),
        lambda h: es.build_review("DEU", rival="DEU", home=h),
    ],
)
def test_a_country_against_itself_is_an_error_everywhere(wh, call):
    with pytest.raises(ValueError):
        call(wh)


@pytest.mark.parametrize(
    "call",
    [
        lambda h: es.autonomy("DEU", products="abcdef", home=h),
        lambda h: es.yard("DEU", products="abcdef", home=h),
        lambda h: es.export_ban("CHN", "DEU", products="abcdef", home=h),
        lambda h: es.plan("DEU", products="abcdef", home=h),
    ],
)
def test_a_text_neither_code_nor_basket_is_the_same_error_everywhere(wh, call):
    with pytest.raises(NotFoundError, match="neither an HS code"):
        call(wh)


# --- the same through the console script -------------------------------------------------


def _econsec(home, *args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("econsec")
    return subprocess.run(
        [str(exe), *args, "--home", str(home)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "ECONSEC_HOME": str(home), "COLUMNS": "200"},
    )


def _json(p: subprocess.CompletedProcess[str]) -> object:
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)  # the whole of stdout is the document


@pytest.mark.slow
def test_console_script_resolves_like_the_api(wh):
    aut = _json(_econsec(wh, "autonomy", "--importer", "Germany", "-p", "850511", "-f", "json"))
    assert aut[0]["importer"] == "DEU" and aut[0]["import_value"] == approx(DEU_IMPORTS)
    eu = _json(_econsec(wh, "autonomy", "--importer", "EU27", "-p", "850511", "-f", "json"))
    assert [r["importer"] for r in eu] == ["EU27"]
    assert eu[0]["import_value"] == approx(EU_IMPORTS)
    ban = _json(_econsec(wh, "scenario", "ban", "--from", "CHN", "--to", "DE", "-p", "850511",
                         "--format", "json"))  # fmt: skip
    assert ban["rows"][0]["baseline_imports"] == approx(DEU_IMPORTS)
    p = _econsec(wh, "autonomy", "--importer", "DEU", "-p", "999999", "-f", "csv")
    assert p.returncode != 0 and "999999" in p.stderr and not p.stdout
    p = _econsec(wh, "leverage", "DEU", "280", "-f", "json")
    assert p.returncode != 0 and "same country" in p.stderr
