"""Japan's yard against China on the real BACI sample (HS17 release, 30 critical codes)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from econsec import analysis
from econsec.reference.groups import members
from econsec.warehouse.ingest import ingest_baci
from econsec.yard import yard


@pytest.mark.realdata
def test_japan_2024_against_china(mirror: Path, home: Path) -> None:
    ingest_baci(mirror / "baci" / "BACI_HS17_V202601.zip", home=home)
    res = yard("JPN", 2024, rival="CHN", home=home, since=2022)
    h = res.headline
    assert h["hs"] == "HS17" and h["products_imported"] == 30
    assert 0 < h["size"] < 30 and res.coverage >= 0.8
    # The yard fences a small share of imports: the point of a small yard.
    assert 0 < res.fence_cost < 0.1
    # Tungsten: Japan buys almost all of it from China, and it tops the yard.
    top = res.to_polars().row(0, named=True)
    assert top["product"] == "810194" and top["dependence"] > 0.9
    assert res.trend["year"].to_list() == [2022, 2023, 2024]
    espa = yard("JPN", 2024, rival="CHN", home=home, espa=True, trend=False)
    assert espa.headline["candidates"] < h["candidates"]
    assert set(espa.frame["product"]) <= set(espa.scores.filter("espa")["product"])


@pytest.mark.realdata
def test_unaligned_suppliers_from_un_votes(
    mirror: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECONSEC_MIRROR", str(mirror))
    ingest_baci(mirror / "baci" / "BACI_HS17_V202601.zip", home=home)
    res = yard("JPN", 2024, unaligned=1.5, home=home, trend=False)
    assert res.params["dependence"] == "rival share"
    # China votes far from Japan in the UN General Assembly: tungsten stays on top.
    assert res.to_polars()["product"][0] == "810194"
    # Germany's ideal point is found although its flows use its second CEPII code (280);
    # China is among the unaligned, so magnets depend on them at least as much as on China.
    de = yard("DEU", 2024, unaligned=1.5, home=home, trend=False)
    china = yard("DEU", 2024, "850511", rival="CHN", home=home, trend=False)
    dep = de.scores.filter(pl.col("product") == "850511")["dependence"][0]
    assert dep >= china.scores["dependence"][0] > 0.5


@pytest.mark.realdata
def test_germany_and_the_eu_on_the_sample(mirror: Path, home: Path) -> None:
    # BACI lists Germany as 276 and 280 and its flows use 280: Germany must still be found.
    ingest_baci(mirror / "baci" / "BACI_HS17_V202601.zip", home=home)
    de = yard("DEU", 2024, rival="CHN", home=home, trend=False)
    assert de.headline["products_imported"] == 30
    assert de.headline["import_value"] > 1e6  # thousand USD: over a billion dollars
    eu = yard("EU27", rival="CHN", home=home, trend=False)
    assert eu.headline["year"] == 2024 and eu.headline["importer"] == "EU27"
    # The bloc's extra-bloc imports, as the analysis computes them for the same bloc.
    aut = analysis.autonomy("EU27", 2024, home=home).to_polars()
    assert aut["importer"].unique().to_list() == ["EU27"]
    assert aut.height == aut["product"].n_unique() == eu.headline["products_imported"]
    assert eu.headline["import_value"] == pytest.approx(float(aut["import_value"].sum()))
    # Trade between members is left out: less than the members' imports added up.
    each = analysis.autonomy(members("EU27", on=2024), 2024, home=home).to_polars()
    assert each["importer"].n_unique() == 27
    assert 0 < eu.headline["import_value"] < float(each["import_value"].sum())
    assert "DEU" in eu.params["meaning"][0]
