"""The API on the real BACI 2024 sample against an independent polars computation.

The 2023 and 2024 CSVs are read straight from the release zip; the warehouse is written
from them with ``write_release_frames`` (the ingest has its own tests), the reference is
computed from the CSV frames with ``metrics_reference``.
"""

from __future__ import annotations

import io
import math
import os
import zipfile
from pathlib import Path

import metrics_reference as ref
import polars as pl
import pytest

from econsec import analysis
from econsec.countries import display_iso3, read_country_codes
from econsec.warehouse.store import write_release_frames

pytestmark = pytest.mark.realdata
ZIP = "baci/BACI_HS17_V202601.zip"


def _mirror() -> Path | None:
    env = os.environ.get("ECONSEC_MIRROR")
    for cand in (
        Path(env) if env and "://" not in env else None,
        Path(__file__).resolve().parents[3] / "shared" / "data",
    ):
        if cand is not None and (cand / ZIP).is_file():
            return cand
    return None


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    mirror = _mirror()
    if mirror is None:
        pytest.skip("real sample data absent: set ECONSEC_MIRROR to the shared data folder")
    with zipfile.ZipFile(mirror / ZIP) as z:
        names = z.namelist()
        flows = pl.concat(
            pl.read_csv(
                io.BytesIO(z.read(f"BACI_HS17_Y{y}_V202601.csv")),
                schema_overrides={"k": pl.Utf8, "q": pl.Float64},
            )
            for y in (2023, 2024)
        ).cast({"t": pl.Int16, "i": pl.Int16, "j": pl.Int16})
        cc = next(n for n in names if n.startswith("country_codes"))
        countries = read_country_codes(io.BytesIO(z.read(cc)), name=cc)
    home = tmp_path_factory.mktemp("real") / "home"
    write_release_frames(home, "HS17", "V202601", flows, countries, source=str(mirror / ZIP))
    iso3 = {int(c): display_iso3(str(i)) for c, i in countries.select("code", "iso3").rows()}
    return home, flows.select("t", "i", "j", "k", "v"), iso3


def _iso(df: pl.DataFrame, iso3: dict[int, str], *cols: str) -> pl.DataFrame:
    return df.with_columns(
        pl.col(c).replace_strict(iso3, default=None, return_dtype=pl.Utf8) for c in cols
    )


def _compare(got: pl.DataFrame, want: pl.DataFrame, keys: list[str], cols: list[str]) -> None:
    got, want = got.sort(keys), want.sort(keys)
    assert got.height == want.height > 0
    assert got.select(keys).equals(want.select(keys))
    for c in cols:
        for a, b in zip(got[c].to_list(), want[c].to_list(), strict=True):
            if isinstance(b, float):
                assert (math.isinf(a) and a == b) or math.isclose(a, b, rel_tol=1e-9), (c, a, b)
            else:
                assert a == b, (c, a, b)


def test_autonomy_all_importers_2024(real):
    home, flows, iso3 = real
    got = analysis.autonomy(year=2024, home=home, rival="CHN").to_polars()
    want = _iso(
        ref.autonomy(flows.filter(pl.col("t") == 2024), rival=[156]),
        iso3,
        "importer",
        "top_supplier",
    )
    _compare(
        got,
        want,
        ["importer", "product"],
        [
            "import_value",
            "n_suppliers",
            "top_supplier",
            "top_share",
            "hhi",
            "export_value",
            "import_export_ratio",
            "rival_share",
        ],
    )
    # 21,723 flows of 30 products: every importer x product pair once.
    assert got.height == flows.filter(pl.col("t") == 2024).select("j", "k").unique().height


def test_indispensability_all_exporters_2024(real):
    home, flows, iso3 = real
    got = analysis.indispensability(year=2024, home=home).to_polars()
    want = _iso(ref.indispensability(flows.filter(pl.col("t") == 2024)), iso3, "exporter")
    _compare(
        got,
        want,
        ["exporter", "product"],
        [
            "export_value",
            "world_share",
            "world_rank",
            "world_hhi",
            "n_dependents",
            "dependent_value",
            "replaceability",
        ],
    )


def test_geodep_2024_with_2023(real):
    home, flows, iso3 = real
    res = analysis.screen_geodep(year=2024, home=home)
    got = res.to_polars()
    want = _iso(ref.geodep(flows), iso3, "importer").filter(pl.col("year") == 2024)
    want = want.with_columns(flagged=pl.col("conditions_met") & pl.col("persistent"))
    _compare(
        got, want, ["importer", "product"], ["world_hhi", "conditions_met", "years_met", "flagged"]
    )
    s = res.summary()
    assert 0 < s["flagged"] < s["rows"]
    # With only 2023 and 2024 held, a persistent row needs both years, in either list: the
    # two lists are the same, nothing enters or leaves.
    assert (s["entering"], s["leaving"]) == (0, 0)


def test_japan_magnets_2024_figures(real):
    home, flows, _ = real
    r = analysis.autonomy("JPN", 2024, products="850511", rival="CHN", home=home).to_polars()
    raw = flows.filter((pl.col("t") == 2024) & (pl.col("j") == 392) & (pl.col("k") == "850511"))
    total = raw["v"].sum()
    assert r["import_value"][0] == pytest.approx(total)
    assert r["rival_share"][0] == pytest.approx(raw.filter(pl.col("i") == 156)["v"].sum() / total)
    assert r["n_suppliers"][0] == raw.height


# --- the front door on the real sample: countries under two codes, EU27 -----------------

FIVE = ["DEU", "BEL", "FRA", "JPN", "USA"]


def _codes_of(iso: str, iso3: dict[int, str]) -> list[int]:
    return [c for c, i in iso3.items() if i == iso]


@pytest.mark.parametrize("country", FIVE)
def test_every_product_of_the_raw_rows(real, country):
    """DEU (280 in the flows), BEL (58) and the others: values equal the raw rows."""
    home, flows, iso3 = real
    codes = _codes_of(country, iso3)
    raw = flows.filter(pl.col("t") == 2024)
    imp = raw.filter(pl.col("j").is_in(codes)).group_by("k").agg(pl.col("v").sum())
    exp = raw.filter(pl.col("i").is_in(codes)).group_by("k").agg(pl.col("v").sum())
    aut = analysis.autonomy(country, 2024, home=home).to_polars()
    assert aut.height == imp.height > 0
    got = dict(zip(aut["product"], aut["import_value"], strict=True))
    for k, v in imp.iter_rows():
        assert math.isclose(got[k], v, rel_tol=1e-12), (country, k)
    ind = analysis.indispensability(country, 2024, home=home).to_polars()
    got = dict(zip(ind["product"], ind["export_value"], strict=True))
    assert set(got) == set(exp["k"].to_list())
    for k, v in exp.iter_rows():
        assert math.isclose(got[k], v, rel_tol=1e-12), (country, k)
    geo = analysis.screen_geodep(country, 2024, persistence=False, home=home).to_polars()
    assert set(geo["product"].to_list()) == set(imp["k"].to_list())


def test_leverage_reaches_germany(real):
    home, _, _ = real
    res = analysis.leverage("DEU", "CHN", 2024, home=home)
    assert res.params["a_members"] == ["DEU"]
    assert res.exposure.filter(pl.col("exporter") == "DEU")["total_exports"][0] > 0


def test_eu27_equals_an_independent_extra_eu_computation(real):
    """Import value, HHI and top supplier of the EU27 for all 30 products (2024)."""
    from econsec.reference.groups import members

    home, flows, iso3 = real
    eu = {c for m in members("EU27", on=2024) for c in _codes_of(m, iso3)}
    raw = flows.filter(pl.col("t") == 2024)
    # Merge every code of a country (DEU 276/280, BEL 56/58) before computing supplier shares.
    canon = {c: min(_codes_of(i, iso3)) for c, i in iso3.items()}
    extra = (
        raw.filter(pl.col("j").is_in(eu) & ~pl.col("i").is_in(eu))
        .with_columns(pl.col("i").replace_strict(canon, default=pl.col("i")))
        .group_by("k", "i")
        .agg(pl.col("v").sum())
    )
    want = (
        extra.group_by("k")
        .agg(
            total=pl.col("v").sum(),
            hhi=(pl.col("v") ** 2).sum() / pl.col("v").sum() ** 2,
            top=pl.col("i").sort_by([pl.col("v"), pl.col("i")], descending=[True, False]).first(),
        )
        .sort("k")
    )
    got = analysis.autonomy(bloc="EU27", year=2024, home=home).to_polars().sort("product")
    assert got["product"].to_list() == want["k"].to_list()
    assert len(want) == 30
    for g, w in zip(got.iter_rows(named=True), want.iter_rows(named=True), strict=True):
        assert math.isclose(g["import_value"], w["total"], rel_tol=1e-12), g["product"]
        assert math.isclose(g["hhi"], w["hhi"], rel_tol=1e-9), g["product"]
        assert g["top_supplier"] == iso3[w["top"]], g["product"]
    # 811292 (gallium, germanium): China is the EU's top extra-EU supplier, not Germany.
    assert got.filter(pl.col("product") == "811292")["top_supplier"][0] == "CHN"
    screen = analysis.screen_eu("EU27", 2024, home=home).to_polars().sort("product")
    assert screen["extra_imports"].to_list() == pytest.approx(got["import_value"].to_list())


@pytest.mark.parametrize("hs", ["HS17", "HS02"])
def test_every_country_with_flows_is_reachable(hs):
    """Each code carrying flows resolves by its ISO3, ISO2 and name to the same country."""
    from econsec.countries import CountryTable

    mirror = _mirror()
    if mirror is None:
        pytest.skip("real sample data absent: set ECONSEC_MIRROR to the shared data folder")
    with zipfile.ZipFile(mirror / f"baci/BACI_{hs}_V202601.zip") as z:
        cc = next(n for n in z.namelist() if n.startswith("country_codes"))
        ct = CountryTable(read_country_codes(io.BytesIO(z.read(cc)), name=cc))
        used: set[int] = set()
        for n in z.namelist():
            if n.startswith(f"BACI_{hs}_Y"):
                f = pl.read_csv(io.BytesIO(z.read(n)), columns=["i", "j"])
                used |= set(f["i"].to_list()) | set(f["j"].to_list())
    rows = ct.frame.filter(pl.col("code").is_in(sorted(used)))
    assert rows.height > 150
    for code, name, iso2, iso3 in rows.select("code", "name", "iso2", "iso3").iter_rows():
        want = ct.canonical(code)
        assert ct.resolve(display_iso3(iso3)) == want, (code, iso3)
        assert ct.resolve(name) == want, (code, name)
        shared = ct.frame.filter(pl.col("iso2") == iso2)["iso3"].n_unique() > 1
        if iso2 and not shared:
            assert ct.resolve(iso2) == want, (code, iso2)
