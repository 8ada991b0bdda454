"""The HS ↔ USGS map: cited, consistent, and covering the sample and the mineral baskets."""

from __future__ import annotations

import csv

import polars as pl
import pytest

from econsec.minerals.hsmap import STAGES, hs_usgs_map, usgs_codes_for
from econsec.reference import usgs
from econsec.reference._io import read_text

#: The 30 HS6 codes of the real BACI sample (shared/data/README.md).
SAMPLE = [
    "811010",
    "280480",
    "260600",
    "251110",
    "811212",
    "252800",
    "282200",
    "270112",
    "740311",
    "252910",
    "252922",
    "811292",
    "250490",
    "280429",
    "283691",
    "810411",
    "260200",
    "750210",
    "720293",
    "711021",
    "251010",
    "280470",
    "711011",
    "280469",
    "283692",
    "810320",
    "810820",
    "810194",
    "720292",
    "850511",
]


def basket_codes() -> set[tuple[str, str]]:
    out = set()
    for name in ("usgs-2022", "eu-crma", "us-eo14017"):
        for r in csv.DictReader(read_text("baskets", f"{name}.csv").splitlines()):
            if name != "us-eo14017" or "mineral" in r["category"]:
                out.add((r["hs_revision"], r["hs6"]))
    return out


def test_covers_the_sample_and_the_critical_mineral_baskets():
    m = hs_usgs_map()
    held = set(zip(m["hs_revision"].to_list(), m["hs6"].to_list(), strict=True))
    assert {("HS17", c) for c in SAMPLE} <= held
    missing = basket_codes() - held
    assert not missing, sorted(missing)


def test_rows_are_cited_and_consistent():
    m = hs_usgs_map()
    names = usgs.commodity_names()
    assert set(m["stage"].to_list()) <= set(STAGES)
    for r in m.iter_rows(named=True):
        assert r["source"].startswith("WCO Harmonized System"), r
        if r["usgs_code"]:
            assert r["usgs_code"] in names, r
            assert r["usgs_commodity"] == names[r["usgs_code"]], r
            assert "Mineral Commodity Summaries" in r["source"], r
        else:
            assert r["note"], r  # a code without a chapter says why
    assert m.select("hs_revision", "hs6", "usgs_code").is_duplicated().sum() == 0


@pytest.mark.parametrize(
    ("hs6", "codes"),
    [
        ("811292", {"galli", "germa", "indiu", "rheni", "vanad", "niobi", "zirco"}),
        ("850511", {"raree"}),
        ("250490", {"graph"}),
        ("270112", {""}),
    ],
)
def test_lookup(hs6: str, codes: set[str]):
    assert set(usgs_codes_for(hs6)["usgs_code"].to_list()) == codes


def test_lookup_prefers_the_asked_revision():
    hs22 = usgs_codes_for("811292", "HS22")
    assert set(hs22["hs_revision"].to_list()) == {"HS22"}
    assert "rheni" not in hs22["usgs_code"].to_list()  # rhenium left 8112.92 in HS 2022
    assert usgs_codes_for("000000").height == 0
    assert isinstance(hs_usgs_map(), pl.DataFrame)


def test_verbs_importable_from_the_package(tmp_path):
    import econsec as es
    import econsec.minerals  # the package shares the verb's name and stays callable

    (tmp_path / "mcs2024-galli_world.csv").write_text(
        "Source,Country,Type,Prod_kg_2023\nMCS2024,China,Primary production,1\n"
    )
    assert econsec.minerals is es.minerals
    assert es.minerals("galli", folder=tmp_path).params["commodities"] == ["galli"]
    assert es.rerouting.__doc__  # the verb's documentation
