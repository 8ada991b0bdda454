"""Source sensitivity: where BACI and importers' own reports put a world share apart, say so."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sources_helpers import API_HEADER, COUNTRIES, api_row, write_csv

from econsec import analysis
from econsec.report import build_review
from econsec.sources import ingest_comtrade
from econsec.sources.mirror import WHY, world_indispensability, world_shares
from econsec.warehouse.store import write_release_frames

# BACI kept China's own 46 (thousand USD) for China → Germany; Germany declared 15,700.
BACI = pl.DataFrame(
    {
        "t": [2022] * 4,
        "i": [156, 276, 842, 156],
        "j": [276, 392, 392, 392],
        "k": ["250490"] * 4,
        "v": [46.0, 500.0, 400.0, 54.0],
    }
)
REPORTS = [
    api_row(276, 156, "250490", "M", 15_700_000),
    api_row(392, 276, "250490", "M", 500_000),
    api_row(392, 842, "250490", "M", 400_000),
    api_row(392, 156, "250490", "M", 54_000),
]


@pytest.fixture
def wh(home: Path, tmp_path: Path) -> Path:
    write_release_frames(home, "HS17", "V202601", BACI, COUNTRIES)
    return home


def test_no_comtrade_no_note(wh: Path) -> None:
    res = analysis.indispensability(None, 2022, ["250490"], home=wh)
    assert not [n for n in res.notes if "Source sensitivity" in n]


def test_indispensability_and_review_carry_both_figures(wh: Path, tmp_path: Path) -> None:
    ingest_comtrade(write_csv(tmp_path / "m.csv", API_HEADER, REPORTS), home=wh)
    # BACI: China 100 of 1,000 = 10%; importers: 15,754 of 16,654 = 94.6%
    want = "China's share of world exports of 250490 in 2022 is 10.0% in BACI but 94.6%"
    res = analysis.indispensability(None, 2022, ["250490"], home=wh)
    assert any(want in n for n in res.notes), res.notes
    # Germany (the BACI leader, 50%) is 3.0% by importers' reports: noted too
    assert any("Germany's share" in n and "50.0% in BACI but 3.0%" in n for n in res.notes)
    r = build_review("JPN", 2022, rival="CHN", home=wh)
    assert any(want in n for n in r.notes), r.notes


@pytest.mark.realdata
@pytest.mark.slow
def test_graphite_and_tantalum_2022_on_the_real_sample(mirror: Path, home: Path) -> None:
    from econsec.warehouse.ingest import ingest_baci

    ingest_baci(mirror / "baci" / "BACI_HS17_V202601.zip", home=home)
    ingest_comtrade(mirror / "raw" / "comtrade_2022_critical_materials.csv.gz", home=home)
    ws = world_shares(2022, ["250490", "810320"], home=home).filter(pl.col("exporter") == "CHN")
    got = {r["product"]: (r["baci_share"], r["reported_share"]) for r in ws.iter_rows(named=True)}
    # BACI HS17 V202601 (2022, sample) vs UN Comtrade 2022 importers' reports (totals rows)
    assert got["250490"] == pytest.approx((0.436, 0.473), abs=5e-4)
    assert got["810320"] == pytest.approx((0.236, 0.286), abs=5e-4)
    graphite = "China's share of world exports of 250490 in 2022 is 43.6% in BACI but 47.3%"
    tantalum = "China's share of world exports of 810320 in 2022 is 23.6% in BACI but 28.6%"
    res = analysis.indispensability(None, 2022, ["250490", "810320"], home=home)
    assert any(graphite in n for n in res.notes) and any(tantalum in n for n in res.notes)
    r = build_review("DEU", 2022, products=["250490", "810320"], rival="CHN", home=home)
    assert any(graphite in n for n in r.notes) and any(tantalum in n for n in r.notes)
    # Germany's own report gives China a larger share of its graphite imports than BACI does
    own = "China supplies 68.6% of Germany's imports of 250490 in 2022 by Germany's own report"
    assert any(own in n and "but 51.4% in BACI" in n for n in r.notes), r.notes


@pytest.mark.realdata
def test_lithography_and_wafer_fab_tools_from_world_rows(mirror: Path, home: Path) -> None:
    from econsec.warehouse.ingest import ingest_baci

    ingest_baci(mirror / "baci" / "BACI_HS17_V202601.zip", home=home)
    rep = ingest_comtrade(mirror / "raw" / "comtrade_legacy_2016_2020_SME_world.csv", home=home)
    assert rep.rejects == 0  # Italy's legacy code 381 resolved through its ISO3
    df = world_indispensability(2019, ["848620"], home=home)
    top = df.head(3)
    assert top["exporter"].to_list() == ["JPN", "NLD", "USA"]
    bn = [round(v / 1e6, 2) for v in top["export_value"].to_list()]  # thousand USD → bn
    assert bn == [11.60, 10.57, 9.95]


def test_supplier_share_by_the_importers_own_report(wh: Path, tmp_path: Path) -> None:
    from econsec.sources.mirror import supplier_notes

    rows = [*REPORTS, api_row(276, 842, "250490", "M", 5_000_000)]
    ingest_comtrade(write_csv(tmp_path / "m.csv", API_HEADER, rows), home=wh)
    # Germany's own report: China 15,700 of 20,700 = 75.8%; BACI holds only China → Germany
    want = (
        "China supplies 75.8% of Germany's imports of 250490 in 2022 by Germany's own report "
        "(UN Comtrade) but 100.0% in BACI."
    )
    assert supplier_notes(2022, "DEU", "CHN", ["250490"], home=wh) == [
        f"Source sensitivity: {want}",
        WHY,
    ]
    assert supplier_notes(2022, "JPN", "CHN", ["250490"], home=wh) == []  # 5.7% either way
    r = build_review("DEU", 2022, rival="CHN", home=wh)
    assert any(want in n for n in r.notes), r.notes
    assert r.notes.count(WHY) == 1  # the explanation once, after the figures
