""" "The last time this happened": past events beside a scenario and in the review."""

from __future__ import annotations

from pathlib import Path

import pytest

from econsec.engine import Warehouse
from econsec.report.backtest_html import precedent_lines
from econsec.report.scenario_html import render_html
from econsec.scenarios import export_ban

GAGE = "China: export licensing of gallium and germanium"
US_BAN = "ban on exports of gallium, germanium and antimony to the United States"


@pytest.mark.unit
def test_scenario_page_lists_matching_events(planted_home: Path) -> None:
    res = export_ban("CHN", "JPN", 2020, "811292", warehouse=Warehouse(planted_home))
    page = render_html(res)
    assert "The last time this happened" in page
    assert GAGE in page and "Planted: China stops 811292 to Japan" in page
    assert "econsec backtest run cn-gallium-germanium-2023" in page
    assert US_BAN not in page  # a ban on the United States is not a precedent for Japan
    other = export_ban("USA", "JPN", 2020, "811292", warehouse=Warehouse(planted_home))
    assert "The last time this happened" not in render_html(other)


@pytest.mark.unit
def test_precedent_lines_filter_imposer_target_and_products(home: Path) -> None:
    lines = precedent_lines(["CHN"], ["850511", "999999"], ["JPN"])
    assert len(lines) == 1 and "seven medium and heavy rare earths" in lines[0]
    assert "MOFCOM" not in lines[0] or "[" in lines[0]  # outcomes carry their citations
    stops = precedent_lines(["CHN"], ["811292"], ["USA"], tariff=False)
    assert len(stops) == 2 and all(s.count("The last time") == 1 for s in stops)
    # China's 2018 retaliation taxed every US good: a tariff precedent, not a stop's.
    tariffs = precedent_lines(["CHN"], ["811292"], ["USA"], tariff=True)
    assert len(tariffs) == 1 and "us-cn-section301-2018" in tariffs[0]
    assert precedent_lines(["FRA"], ["811292"], ["USA"]) == []


@pytest.mark.unit
def test_review_notes_name_past_events(planted_home: Path) -> None:
    from econsec.report.review import build_review

    rv = build_review("JPN", 2020, rival="CHN", warehouse=Warehouse(planted_home))
    hits = [n for n in rv.notes if n.startswith("The last time this happened")]
    assert any(GAGE in n for n in hits)
    assert any("econsec backtest run planted-ban-2021" in n for n in hits)
