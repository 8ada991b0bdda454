"""The review's "who mines, who refines, who exports" section (refiner ≠ miner)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from econsec.minerals.beside import side_by_side
from econsec.report import build_review, write_review
from econsec.report import findings as fd

COPPER = (
    "Source,Country,Type,Prod_kt_2022,Prod_kt_est_2023,Prod_notes,Reserves_kt,Reserves_notes\n"
    'MCS2024,Chile,"Mine production, recoverable copper content",5330,5000,,190000,\n'
    'MCS2024,Peru,"Mine production, recoverable copper content",2450,2600,,120000,\n'
    'MCS2024,World total (rounded),"Mine production, recoverable copper content",8800,10000,,'
    "450000,\n"
    'MCS2024,China,"Refinery production, copper",11100,12000,,,\n'
    'MCS2024,Chile,"Refinery production, copper",2150,2000,,,\n'
    'MCS2024,World total (rounded),"Refinery production, copper",14000,16000,,,\n'
)
# Japan (392) imports copper cathodes 740311 from China (156) and Australia (36); China is the
# world's leading exporter (160 of 200).
FLOWS = {
    "t": [2024, 2024, 2024],
    "i": [156, 36, 156],
    "j": [392, 392, 842],
    "k": ["740311", "740311", "740311"],
    "v": [60.0, 40.0, 100.0],
}


@pytest.fixture
def usgs_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "mirror" / "ref" / "usgs_mcs2024_world"
    d.mkdir(parents=True)
    (d / "mcs2024-coppe_world.csv").write_text(COPPER)
    monkeypatch.setenv("ECONSEC_MIRROR", str(tmp_path / "mirror"))
    return d


@pytest.mark.golden
def test_side_by_side_by_hand():
    supply = pl.DataFrame(
        {
            "product": ["740311", "740311", "260500"],
            "commodity": ["Copper", "Copper", "Cobalt"],
            "stage": ["mine", "refined", "mine"],
            "year": [2023, 2023, 2023],
            "top_iso3": ["CHL", "CHN", "COD"],
            "top_share": [0.5, 0.75, 0.74],
            "map_note": [None, None, None],
        }
    )
    world = pl.DataFrame(
        {"product": ["740311", "260500"], "exporter": ["CHL", "COD"], "world_share": [0.3, 0.6]}
    )
    side = side_by_side(supply, world)
    cu = side.filter(pl.col("product") == "740311").row(0, named=True)
    assert (cu["miner"], cu["refiner"], cu["exporter"], cu["differs"]) == (
        "CHL",
        "CHN",
        "CHL",
        True,
    )
    co = side.filter(pl.col("product") == "260500").row(0, named=True)
    assert (co["refiner"], co["differs"]) == (None, False)
    assert fd.miner_refiner_sentence(side) == (
        "For 1 of the 2 minerals behind these products, the leading refiner or exporter is not "
        "the leading miner, e.g. copper for 740311: mined most in CHL (50%), refined most in "
        "CHN (75%), exported most by CHL (30%)."
    )
    assert fd.miner_refiner_sentence(side.clear()) is None


def test_review_shows_miner_refiner_exporter(make_warehouse, home, usgs_mirror, tmp_path):
    make_warehouse(FLOWS)
    r = build_review("JPN", 2024)
    row = r.minerals.row(0, named=True)
    assert (row["product"], row["miner"], row["refiner"], row["exporter"]) == (
        "740311",
        "CHL",
        "CHN",
        "CHN",
    )
    assert row["mine_share"] == pytest.approx(0.5) and row["export_share"] == pytest.approx(0.8)
    assert any("leading refiner or exporter is not the leading miner" in s for s in r.headline)
    html = write_review(r, tmp_path / "r.html").read_text()
    assert "Who mines, who refines, who exports" in html and "Copper" in html


def test_review_without_usgs_tables_says_so(make_warehouse, home, tmp_path, monkeypatch):
    monkeypatch.setenv("ECONSEC_MIRROR", str(tmp_path / "nowhere"))
    make_warehouse(FLOWS)
    r = build_review("JPN", 2024)
    assert r.minerals.height == 0
    assert any("USGS) not shown" in n for n in r.notes)
    assert "Who mines" not in write_review(r, tmp_path / "r.html").read_text()
