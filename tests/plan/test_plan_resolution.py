"""Plans resolve parties, groups, products and years like every other verb.

Small warehouses built here: a country listed under two CEPII codes whose flows use the
non-first one, a user group, a bloc importer, the year left out, integer product codes.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from plan_helpers import CHN, DEU, FLOWS, FRA, JPN, KOR, NLD, USA

from econsec.errors import NotFoundError
from econsec.plan import api

#: Germany's pre-1991 code, listed in BACI's country table with the same ISO3 as 276.
DEU_OLD = 280


def _frame(rows: list[tuple[int, int, str, float, float | None]], year: int = 2024):
    i, j, k, v, q = zip(*rows, strict=True)
    return pl.DataFrame(
        {"t": [year] * len(rows), "i": i, "j": j, "k": k, "v": v, "q": q},
        schema_overrides={"t": pl.Int16, "i": pl.Int16, "j": pl.Int16, "q": pl.Float64},
    )


def _recode(code: int) -> int:
    return DEU_OLD if code == DEU else code


@pytest.fixture
def two_codes_home(make_warehouse, small_countries: pl.DataFrame) -> Path:
    """The plan fixture's flows with Germany under 280, listed after 276 in the table."""
    old = pl.DataFrame(
        {"code": [DEU_OLD], "name": ["Fed. Rep. of Germany (...1990)"], "iso2": ["DE"]},
        schema_overrides={"code": small_countries["code"].dtype},
    ).with_columns(iso3=pl.lit("DEU"))
    countries = pl.concat([small_countries, old.select(small_countries.columns)])
    rows = [(_recode(i), _recode(j), k, v, q) for i, j, k, v, q in FLOWS]
    rows.append((CHN, DEU_OLD, "850511", 40.0, 4.0))
    rows.append((KOR, DEU_OLD, "850511", 10.0, 1.0))
    return make_warehouse(_frame(rows), countries=countries)


@pytest.fixture
def wh_home(make_warehouse) -> Path:
    return make_warehouse(_frame(list(FLOWS)))


# ---------------------------------------------------------------------------------------------
# a country under two codes


@pytest.mark.golden
def test_germany_under_its_second_code_is_a_friend(two_codes_home):
    # Same numbers as with 276 (test_friend_shore_capacity_binds): DEU is G7 and may expand
    # by its 2 t of redirectable sales; with it China can come down to 35 of 105 kUSD.
    res = api.plan(
        "JPN", 2024, "850511", "CHN", cap=0.1, strategy="friend-shore", group="G7",
        home=two_codes_home,
    )  # fmt: skip
    s = res.summary()
    assert s["lowest_feasible_cap"] == pytest.approx(35 / 105)
    ok = api.plan(
        "JPN", 2024, "850511", "CHN", cap=0.4, strategy="friend-shore", group="G7",
        home=two_codes_home,
    )  # fmt: skip
    deu = ok.to_polars().filter(pl.col("supplier") == "DEU").row(0, named=True)
    assert deu["allowed"] and deu["change_value"] > 0
    assert "C280" not in ok.to_polars()["supplier"].to_list()


@pytest.mark.golden
def test_germany_under_its_second_code_as_importer_and_pool(two_codes_home):
    # Germany (flows under 280) imports 50 of 850511, China 40 of it: 80%.
    res = api.plan("DEU", 2024, 850511, "CHN", cap=0.5, home=two_codes_home)
    row = res.plans.row(0, named=True)
    assert row["importer"] == "DEU" and row["import_value"] == pytest.approx(50.0)
    assert row["baseline_rival_share"] == pytest.approx(0.8)
    # The stockpile pool for Japan counts Germany's 100 kUSD of sales to France.
    st = api.stockpile("JPN", 2024, "850511", "CHN", ban_days=180, home=two_codes_home)
    assert st.to_polars()["redirectable_pool"][0] == pytest.approx(320.0 + 10.0)


# ---------------------------------------------------------------------------------------------
# groups and blocs


@pytest.mark.golden
def test_user_group_as_allowed_set_and_rival(wh_home):
    (wh_home / "groups.toml").write_text('[groups.FRIENDS]\nmembers = ["KOR", "AUS"]\n')
    # Friends may add Korea's 2 t and Australia's 0.6 t (a new supplier): China keeps 3.4 t.
    res = api.plan("JPN", 2024, "850511", "CHN", cap=0.1, strategy="friend-shore",
                   group="friends", home=wh_home)  # fmt: skip
    assert res.params["allowed_set"] == "FRIENDS"
    assert res.summary()["lowest_feasible_cap"] == pytest.approx(0.34)
    ok = api.plan("JPN", 2024, "850511", "CHN", cap=0.34, strategy="friend-shore",
                  group="friends", home=wh_home)  # fmt: skip
    up = ok.to_polars().filter(pl.col("change_value") > 0)["supplier"].to_list()
    assert sorted(up) == ["AUS", "KOR"]
    # A user group as the rival: KOR and AUS together (AUS sells Japan nothing).
    riv = api.plan("JPN", 2024, "850511", rival_group="FRIENDS", cap=0.5, home=wh_home)
    assert riv.params["rival"] == "FRIENDS"
    assert riv.summary()["baseline_rival_share"] == pytest.approx(0.2)
    assert any("FRIENDS = 2 members" in m for m in riv.params["meaning"])


def _bloc_home(make_warehouse) -> Path:
    rows = [
        *FLOWS,
        (FRA, NLD, "850511", 70.0, 7.0),  # intra-bloc: neither demand nor supply
        (NLD, USA, "850511", 20.0, 2.0),  # the bloc's extra-bloc exports
    ]
    return make_warehouse(_frame(rows))


@pytest.mark.golden
def test_bloc_importer_reallocates_extra_bloc_imports(make_warehouse):
    home = _bloc_home(make_warehouse)
    res = api.plan(["FRA", "NLD"], 2024, "850511", "CHN", cap=0.1, home=home)
    # Extra-bloc imports 820 (China 500). Capacity at r = 0.2 of sales outside the bloc:
    # KOR 4, USA 2, DEU 2 and JPN 10 (a new supplier, its sales to the USA): China keeps 483
    # of 820 - 500 + 483 + 18 = 821.
    s = res.summary()
    assert s["import_value"] == pytest.approx(820.0)
    assert s["baseline_rival_share"] == pytest.approx(500 / 820)
    assert s["lowest_feasible_cap"] == pytest.approx(483 / 821)
    assert res.params["importer"] == "FRA+NLD"
    assert "extra-bloc imports" in res.params["meaning"][0]
    ok = api.plan(["FRA", "NLD"], 2024, "850511", "CHN", cap=0.6, home=home)
    sup = set(ok.to_polars()["supplier"].to_list())
    assert not sup & {"FRA", "NLD"} and "JPN" in sup
    # Reshoring: the bloc's own output, up to 20% of its extra-bloc exports (4 kUSD).
    rs = api.plan(["FRA", "NLD"], 2024, "850511", "CHN", cap=0.1, strategy="reshore", home=home)
    dom = rs.to_polars().filter(pl.col("role") == "domestic")
    assert dom["supplier"].to_list() == ["FRA+NLD"]
    assert dom["capacity_value"][0] == pytest.approx(4.0 * dom["unit_value"][0] / 10.0)
    assert any("extra-bloc exports" in m for m in rs.params["meaning"])


@pytest.mark.unit
def test_group_as_importer_with_members_the_release_lacks(make_warehouse):
    home = _bloc_home(make_warehouse)
    res = api.plan("EU27", 2024, "850511", "CHN", cap=0.7, home=home)
    # The small table lists DEU, FRA and NLD of the EU: Germany's imports are extra-bloc
    # too, and its sales to France are intra-bloc.
    assert res.summary()["import_value"] == pytest.approx(820.0 - 100.0)
    assert any("EU27" in n and "left out" in n for n in res.notes)
    assert "DEU" not in res.to_polars()["supplier"].to_list()
    st = api.stockpile("EU27", 2024, "850511", "CHN", home=home)
    assert st.to_polars()["import_value"][0] == pytest.approx(720.0)
    assert st.params["meaning"]


@pytest.mark.unit
def test_degenerate_parties(make_warehouse):
    home = _bloc_home(make_warehouse)
    with pytest.raises(ValueError, match="own rival"):
        api.plan("JPN", 2024, "850511", "JPN", home=home)
    with pytest.raises(ValueError, match=r"own rival \(a member of G7\)"):
        api.plan("JPN", 2024, "850511", "G7", home=home)
    with pytest.raises(ValueError, match=r"shares members with the importer EU27.*FRA"):
        api.plan("EU27", 2024, "850511", ["CHN", "FRA"], home=home)
    with pytest.raises(NotFoundError, match="span Asia, Europe"):
        api.plan(["JPN", "FRA"], 2024, "850511", strategy="near-shore", home=home)
    near = api.plan(["KOR", "JPN", "FRA"], 2024, "850511", strategy="near-shore", home=home)
    assert near.params["allowed_set"] == "Asia"
    assert any("most of its members (not FRA)" in n for n in near.notes)
    with pytest.raises(TypeError, match="products="):
        api.plan("JPN", "850511", home=home)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one product"):
        api.plan("JPN", 2024, home=home)


# ---------------------------------------------------------------------------------------------
# years, products, notes


@pytest.mark.unit
def test_year_omitted_is_the_latest_and_integer_products(make_warehouse):
    old = _frame([(CHN, JPN, "850511", 90.0, 9.0), (KOR, JPN, "850511", 10.0, 1.0)], 2023)
    home = make_warehouse(pl.concat([old, _frame(list(FLOWS))]))
    res = api.plan("JPN", products=850511, home=home)
    assert res.params["year"] == 2024 and res.params["products"] == ["850511"]
    assert res.summary()["baseline_rival_share"] == pytest.approx(0.6)
    past = api.plan("JPN", 2023, [850511], home=home)
    assert past.summary()["baseline_rival_share"] == pytest.approx(0.9)
    st = api.stockpile("JPN", products="8505", home=home)
    assert st.params["year"] == 2024 and st.to_polars()["product"].to_list() == ["850511"]


@pytest.mark.unit
def test_notes_for_products_without_imports_or_rival(wh_home):
    res = api.plan("JPN", 2024, ["850511", "280429"], "USA", cap=0.5, home=wh_home)
    assert any("1 product asked has no imports of JPN in 2024: 280429" in n for n in res.notes)
    none = api.plan("JPN", 2024, "811292", "USA", home=wh_home)
    assert any("supplies none" in n and "811292" in n for n in none.notes)
    st = api.stockpile("JPN", 2024, "280429", home=wh_home)
    assert st.frame.height == 0
    assert any("nothing to plan" in n for n in st.notes)
    assert res.frontier([0.5]).notes == res.notes


# ---------------------------------------------------------------------------------------------
# the console script


def _econsec(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("econsec")
    return subprocess.run(
        [str(exe), *args, "--home", str(home)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "ECONSEC_HOME": str(home), "COLUMNS": "200"},
    )


@pytest.mark.slow
def test_console_script_json_csv_and_notes(two_codes_home):
    p = _econsec(
        two_codes_home, "plan", "JPN", "--product", "850511", "--product", "280429",
        "--rival", "CHN", "--cap", "0.4", "--strategy", "friend-shore", "--group", "G7",
        "--format", "json",
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["params"]["year"] == 2024
    assert out["product"] == "850511" and out["feasible"] is True
    deu = [s for s in out["suppliers"] if s["supplier"] == "DEU"]
    assert deu and deu[0]["allowed"] is True and deu[0]["change_value"] > 0
    assert "note: 1 product asked has no imports of JPN in 2024: 280429" in p.stderr
    p = _econsec(two_codes_home, "plan", "DEU", "-p", "850511", "--cap", "0.8", "-f", "csv")
    assert p.returncode == 0, p.stderr
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    assert {r["supplier"] for r in rows} == {"CHN", "KOR"}


@pytest.mark.unit
def test_merge_bloc_sums_quantities_only_when_all_are_known():
    import ibis

    from econsec.plan.assembly import BLOC_CODE, merge_bloc

    flows = ibis.memtable(
        _frame(
            [
                (CHN, FRA, "850511", 10.0, 1.0),
                (CHN, NLD, "850511", 30.0, 2.0),
                (KOR, FRA, "850511", 10.0, 1.0),
                (KOR, NLD, "850511", 5.0, None),
                (FRA, NLD, "850511", 7.0, 1.0),
                (NLD, USA, "850511", 4.0, 0.5),
            ]
        ).to_arrow()
    )
    out = ibis.duckdb.connect().to_polars(merge_bloc(flows, [FRA, NLD], BLOC_CODE))
    got = {(i, j): (v, q) for i, j, v, q in out.select("i", "j", "v", "q").rows()}
    assert got == {
        (CHN, BLOC_CODE): (40.0, 3.0),
        (KOR, BLOC_CODE): (15.0, None),
        (BLOC_CODE, USA): (4.0, 0.5),
    }
