"""Integrity of the built-in catalogues: codes, sources, duplicates, revisions."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from importlib import resources
from pathlib import Path

import polars as pl
import pytest

from econsec import baskets as bk
from econsec.errors import DataError

NAMES = ["us-eo14017", "jp-espa", "eu-crma", "usgs-2022", "semiconductor-chokepoints"]
DATA = resources.files("econsec").joinpath("data", "baskets")


@pytest.mark.unit
def test_index_lists_every_catalogue_file() -> None:
    idx = bk.catalogue_index()
    assert idx["name"].to_list() == NAMES
    files = sorted(p.name for p in DATA.iterdir() if p.name.endswith(".csv"))
    assert files == sorted([f"{n}.csv" for n in NAMES] + ["catalogues.csv"])
    for row in idx.iter_rows(named=True):
        for c in ("title", "issuer", "date", "hs_revision", "licence", "notes"):
            assert row[c].strip(), (row["name"], c)
        assert re.match(r"^\d{4}-\d{2}-\d{2}$", row["date"])


@pytest.mark.unit
@pytest.mark.parametrize("name", NAMES)
def test_catalogue_entries_are_valid(name: str) -> None:
    df = bk.read_catalogue(name)
    assert tuple(df.columns) == bk.ENTRY_COLUMNS
    assert set(df["basket"]) == {name}
    assert set(df["hs_revision"]) <= set(bk.EXPLICIT_HS)
    for r in df.iter_rows(named=True):
        assert re.fullmatch(r"\d{6}", r["hs6"]) or (r["hs6"] == "" and r["note"]), r
        assert r["source"].strip() and r["source_date"].strip(), r
    assert df.select("item", "hs_revision", "hs6").is_duplicated().sum() == 0


@pytest.mark.unit
@pytest.mark.parametrize("name", NAMES)
def test_mapping_between_revisions_keeps_every_item(name: str) -> None:
    base = bk.load_basket(name, hs="HS17")
    items = set(base.filter(pl.col("hs6") != "")["item"])
    for hs in ("HS02", "HS22"):
        other = bk.load_basket(name, hs=hs)
        assert set(other["item"]) == set(base["item"])
        assert set(other.filter(pl.col("hs6") != "")["item"]) == items, hs
        assert set(other["hs_revision"]) == {hs}


@pytest.mark.golden
def test_catalogue_sizes_match_the_official_lists() -> None:
    # USGS 2022 final list (87 FR 10381): 50 minerals.
    assert bk.load_basket("usgs-2022")["item"].n_unique() == 50
    # CRMA: 17 strategic (Annex I) + the 34 critical of Annex II, 16 of them also strategic.
    eu = bk.load_basket("eu-crma").unique("item")
    assert eu.filter(pl.col("category") == "strategic").height == 17
    assert eu.filter(pl.col("category") == "critical").height == 34 - 16
    # US 100-day review: four supply chains.
    assert bk.load_basket("us-eo14017")["category"].n_unique() == 4
    # Japan: 11 products of 2022-12 plus advanced electronic components of 2024-02.
    jp = bk.load_basket("jp-espa")
    assert jp["category"].n_unique() == 12
    assert set(jp.filter(pl.col("source_date") == "2024-02")["category"]) == {
        "advanced electronic components"
    }


@pytest.mark.unit
def test_cloud_programs_are_kept_without_a_code() -> None:
    jp = bk.load_basket("jp-espa")
    cloud = jp.filter(pl.col("category") == "cloud programs")
    assert cloud.height == 1 and cloud["hs6"][0] == "" and cloud["note"][0]
    assert "" not in bk.basket_codes("jp-espa")


@pytest.mark.unit
def test_chokepoints_hold_the_named_codes() -> None:
    codes = set(bk.basket_codes("semiconductor-chokepoints"))
    assert {
        "848620",
        "370790",
        "281111",
        "392099",
        "391190",
        "381800",
        "280429",
        "253090",
        "284690",
        "280530",
        "850511",
        "811292",
        "811299",
    } <= codes
    # 390690 is acrylic polymers, not polyimide: it must not come back.
    assert "390690" not in codes


@pytest.mark.golden
def test_fluorinated_polyimide_is_film_of_other_plastics() -> None:
    df = bk.load_basket("semiconductor-chokepoints").filter(
        pl.col("item") == "fluorinated polyimide"
    )
    assert sorted(df["hs6"].to_list()) == ["391190", "392099"]
    film = df.filter(pl.col("hs6") == "392099").row(0, named=True)
    assert "3920.99" in film["source"] and "METI" in film["source"]
    assert film["broad"] and "polyimide film of all grades" in film["broad_note"]


# Residual ("n.e.c.") subheadings and codes shared with other materials.
CATCH_ALLS = ("253090", "370790", "392099", "391190", "811292", "811299", "282560", "293399")


@pytest.mark.unit
@pytest.mark.parametrize("name", NAMES)
def test_catch_all_codes_are_marked_broad_with_a_note(name: str) -> None:
    df = bk.read_catalogue(name)
    assert df.schema["broad"] == pl.Boolean
    for r in df.iter_rows(named=True):
        assert r["broad"] == bool(r["broad_note"].strip()), r
        if r["hs6"] in CATCH_ALLS:
            assert r["broad"], r
    # Codes that are the item itself are not broad: silicon wafers, cerium compounds.
    assert not df.filter(pl.col("hs6").is_in(["381800", "284610", "850760"]))["broad"].any()


@pytest.mark.unit
def test_broad_depends_on_the_item() -> None:
    usgs = bk.load_basket("usgs-2022")
    # 280530 holds every rare-earth metal: broad for dysprosium, not for "rare-earth metals".
    assert usgs.filter((pl.col("item") == "dysprosium") & (pl.col("hs6") == "280530"))["broad"][0]
    us = bk.load_basket("us-eo14017")
    assert not us.filter(pl.col("hs6") == "280530")["broad"][0]
    eu = bk.load_basket("eu-crma")
    helium = eu.filter(pl.col("item") == "helium")
    assert not helium["broad"][0]  # helium is the bulk of 280429
    chips = bk.load_basket("semiconductor-chokepoints").filter(pl.col("hs6") == "280429")
    assert chips["broad"][0] and "helium" in chips["broad_note"][0]


@pytest.mark.unit
def test_changed_codes_have_explicit_rows() -> None:
    assert bk.basket_codes("eu-crma", "HS22").count("811231") == 1
    haf = bk.load_basket("usgs-2022", hs="HS22").filter(pl.col("item") == "hafnium")
    assert haf["hs6"].to_list() == ["811231"]
    gal = bk.load_basket("usgs-2022", hs="HS22").filter(pl.col("item") == "gallium")
    assert gal["hs6"].to_list() == ["811292"]
    assert "850780" in bk.basket_codes("jp-espa", "HS02")
    assert "850760" not in bk.basket_codes("jp-espa", "HS02")
    assert "880730" in bk.basket_codes("jp-espa", "HS22")
    assert {"252810", "252890"} <= set(bk.basket_codes("eu-crma", "HS02"))
    assert "848620" not in bk.basket_codes("semiconductor-chokepoints", "HS02")


@pytest.mark.unit
def test_broad_codes_carry_a_note() -> None:
    for name in NAMES:
        df = bk.load_basket(name)
        for code in ("811292", "850511", "284690", "280530", "253090", "280429"):
            hit = df.filter(pl.col("hs6") == code)
            assert hit.height == 0 or (hit["note"] != "").all(), (name, code)


@pytest.mark.unit
def test_read_catalogue_names_line_and_field() -> None:
    head = ",".join(bk.ENTRY_COLUMNS)
    good = "eu-crma,x,critical,HS17,811292,src,2024-04-11,,false,"
    with pytest.raises(DataError, match=r"line 3.*'hs6'.*6-digit"):
        bk.read_catalogue(
            "eu-crma", f"{head}\n{good}\neu-crma,y,critical,HS17,81129,s,2024,,false,\n"
        )
    with pytest.raises(DataError, match=r"line 2.*'source'"):
        bk.read_catalogue("eu-crma", f"{head}\neu-crma,x,c,HS17,811292,,2024-04-11,,false,\n")
    with pytest.raises(DataError, match=r"line 3.*duplicate"):
        bk.read_catalogue("eu-crma", f"{head}\n{good}\n{good}\n")
    with pytest.raises(DataError, match=r"'hs_revision'"):
        bk.read_catalogue("eu-crma", f"{head}\neu-crma,x,c,HS18,811292,s,2024-04-11,,false,\n")
    with pytest.raises(DataError, match=r"'hs6'.*note"):
        bk.read_catalogue("eu-crma", f"{head}\neu-crma,x,c,HS17,,s,2024-04-11,,false,\n")
    with pytest.raises(DataError, match=r"line 2.*'broad'.*true or false"):
        bk.read_catalogue("eu-crma", f"{head}\neu-crma,x,c,HS17,811292,s,2024-04-11,,yes,\n")
    with pytest.raises(DataError, match=r"line 2.*'broad_note'"):
        bk.read_catalogue("eu-crma", f"{head}\neu-crma,x,c,HS17,811292,s,2024-04-11,,true,\n")
    old = "basket,item,category,hs_revision,hs6,source,source_date,note"
    with pytest.raises(DataError, match=r"line 1.*missing columns.*broad"):
        bk.read_catalogue("eu-crma", f"{old}\neu-crma,x,c,HS17,811292,s,2024-04-11,\n")


@pytest.mark.realdata
def test_every_hs17_code_is_in_baci_product_table(mirror: Path) -> None:
    zp = mirror / "baci" / "BACI_HS17_V202601.zip"
    with zipfile.ZipFile(zp) as z:
        name = next(n for n in z.namelist() if n.startswith("product_codes_HS17"))
        text = z.read(name).decode("utf-8")
    table = {r["code"].zfill(6) for r in csv.DictReader(io.StringIO(text))}
    assert len(table) > 5300  # the V202601 sample holds 5,384 HS17 codes
    for name in NAMES:
        missing = set(bk.basket_codes(name, "HS17")) - table
        assert not missing, (name, sorted(missing))


@pytest.mark.realdata
def test_polyimide_codes_match_the_baci_product_table(mirror: Path) -> None:
    zp = mirror / "baci" / "BACI_HS17_V202601.zip"
    with zipfile.ZipFile(zp) as z:
        name = next(n for n in z.namelist() if n.startswith("product_codes_HS17"))
        text = z.read(name).decode("utf-8")
    desc = {r["code"].zfill(6): r["description"] for r in csv.DictReader(io.StringIO(text))}
    assert desc["390690"].startswith("Acrylic polymers")  # why 390690 was wrong
    assert "plates, sheets, film" in desc["392099"] and "n.e.c." in desc["392099"]
    assert "primary forms" in desc["391190"] and "n.e.c." in desc["391190"]
    # Every code marked broad is a code BACI trades under.
    for nm in NAMES:
        df = bk.read_catalogue(nm).filter(pl.col("broad") & (pl.col("hs_revision") == "HS17"))
        for code in set(df["hs6"].to_list()):
            assert code in desc, (nm, code)
