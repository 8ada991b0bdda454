"""Back-tests from the importer's own reports: Comtrade (annual) and national customs (monthly).

Planted: Japan licenses hydrogen fluoride (281111) to Korea from 1 March 2021 (a quarter of
the flow stated lost); BACI holds no 281111, so the importer's reports are used.

Comtrade (Korea's imports, USD and kg): from Japan 100,000 (50,000 kg) in 2020, 40,000
(20,000 kg) in 2021, 10,000 in 2022; from China 30,000 in 2020 and 80,000 in 2021.

Korea's customs, line 2811111000, USD a month: Japan 12,000 from March 2020 to February 2021,
then 2,000; China 1,000 a month until April 2021, then 7,000 — China makes up half of
Japan's former sales in the third month.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from econsec.backtest import backtest, parse_event
from econsec.engine import Warehouse
from econsec.sources import ingest_comtrade, ingest_national

ECONSEC = Path(sys.executable).parent / "econsec"

EVENT = {
    "id": "planted-licensing-hf",
    "title": "Planted: Japan licenses hydrogen fluoride to Korea",
    "date": "2021-03-01",
    "sources": [{"key": "t", "citation": "Test fixture: planted reports"}],
    "measures": [
        {
            "kind": "licensing",
            "imposer": ["JPN"],
            "target": ["KOR"],
            "share": 0.25,
            "share_basis": "a quarter of the flow held up",
            "sources": ["t"],
            "products": {"HS17": ["281111"]},
            "national": {"KOR": ["2811111000"]},
        }
    ],
}


def _comtrade(path: Path) -> Path:
    rows = [
        [2020, 410, 392, "281111", "M", 100000, 50000, 50000, 8],
        [2021, 410, 392, "281111", "M", 40000, 20000, 20000, 8],
        [2022, 410, 392, "281111", "M", 10000, "", "", 8],
        [2020, 410, 156, "281111", "M", 30000, "", "", 8],
        [2021, 410, 156, "281111", "M", 80000, "", "", 8],
    ]
    header = ["year", "reporter", "partner", "cmd", "flow", "value", "netwgt", "qty", "qtyunit"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def _national(path: Path) -> Path:
    lines = ["hs10,partner,year,month,export_usd,export_kg,import_usd,import_kg"]
    for n in range(30):  # March 2020 to August 2022
        y, mth = 2020 + (2 + n) // 12, (2 + n) % 12 + 1
        after = n >= 12
        jpn = 2000 if after else 12000
        chn = 7000 if n >= 14 else 1000
        lines.append(f"2811111000,Japan,{y},{mth},0,0,{jpn},1")
        lines.append(f"2811111000,China,{y},{mth},0,0,{chn},1")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def reported_home(planted_home: Path, tmp_path: Path) -> Path:
    ingest_comtrade(_comtrade(tmp_path / "kor_comtrade.csv"), home=planted_home)
    ingest_national(_national(tmp_path / "kor_customs.csv"), "KOR", home=planted_home)
    return planted_home


@pytest.mark.unit
def test_rows_come_from_the_importers_reports(reported_home: Path) -> None:
    res = backtest(parse_event(EVENT), warehouse=Warehouse(reported_home))
    y1, y2 = res.frame.to_dicts()
    assert y1["source"] == "Comtrade (importer's report)"
    assert (y1["importer"], y1["supplier"], y1["product"]) == ("KOR", "JPN", "281111")
    assert (y1["outcome_year"], y2["outcome_year"]) == (2021, 2022)
    assert y1["observed_change"] == pytest.approx(-60.0)
    assert y2["observed_change"] == pytest.approx(-90.0)
    assert y1["predicted_change"] == y2["predicted_change"] == pytest.approx(-25.0)
    assert y1["observed_replacement"] == pytest.approx(50.0)
    assert y2["observed_replacement"] == pytest.approx(-30.0)
    assert y1["predicted_replacement"] is None  # needs every exporter's sales
    assert y1["base_unit_value"] == pytest.approx(2.0)
    assert y1["outcome_unit_value"] == pytest.approx(2.0)
    assert any("UN Comtrade" in n for n in res.notes)
    assert any("not covered" in n for n in res.notes)


@pytest.mark.unit
def test_monthly_view_says_who_replaced_and_how_fast(reported_home: Path) -> None:
    res = backtest(parse_event(EVENT), warehouse=Warehouse(reported_home))
    m = {(r["partner"], r["period"]): r for r in res.monthly.to_dicts()}
    assert m[("JPN", "12 months before")]["monthly_imports"] == pytest.approx(12.0)
    assert m[("CHN", "12 months before")]["monthly_imports"] == pytest.approx(1.0)
    assert m[("JPN", "months 1-6 after")]["monthly_imports"] == pytest.approx(2.0)
    assert m[("CHN", "months 1-6 after")]["monthly_imports"] == pytest.approx(5.0)
    assert m[("CHN", "months 7-18 after")]["change_vs_before"] == pytest.approx(6.0)
    assert m[("CHN", "months 7-18 after")]["share"] == pytest.approx(7 / 9)
    (line,) = [s for s in res.statements if s.startswith("2811111000")]
    assert "from 12 to 2 thousand USD a month" in line
    assert "CHN +6" in line and "within 3 month(s)" in line
    from econsec.report.backtest_html import render_backtest

    page = render_backtest(res)
    assert "2811111000: imports by partner" in page and "Who replaced the imposer" in page
    assert ">Comtrade (importer" in page


@pytest.mark.unit
def test_console_script_shows_the_monthly_view(reported_home: Path) -> None:
    events = reported_home / "events"
    (events / "hf.toml").write_text(
        """
id = "planted-licensing-hf"
title = "Planted: Japan licenses hydrogen fluoride to Korea"
date = 2021-03-01
[[sources]]
key = "t"
citation = "Test fixture: planted reports"
[[measures]]
kind = "licensing"
imposer = ["JPN"]
target = ["KOR"]
share = 0.25
share_basis = "a quarter of the flow held up"
sources = ["t"]
[measures.products]
HS17 = ["281111"]
[measures.national]
KOR = ["2811111000"]
""",
        encoding="utf-8",
    )
    env = {**os.environ, "ECONSEC_HOME": str(reported_home)}
    r = subprocess.run(
        [str(ECONSEC), "backtest", "run", "planted-licensing-hf", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert {x["partner"] for x in d["monthly"]} == {"JPN", "CHN"}
    assert d["rows"][0]["source"] == "Comtrade (importer's report)"
