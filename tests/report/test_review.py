import json
import re

import polars as pl
import pytest
from typer.testing import CliRunner

from econsec.cli.main import app
from econsec.report import build_review, write_review
from econsec.report import findings as fd

runner = CliRunner()

# Japan (392) imports magnets 850511 from China (156) and Germany (276), gallium 811292 from
# China and the USA (842); China imports 850511 from Japan. Two years, for the trend.
FLOWS = {
    "t": [2023, 2023, 2023, 2024, 2024, 2024, 2024, 2024, 2024],
    "i": [156, 276, 156, 156, 276, 156, 842, 392, 156],
    "j": [392, 392, 392, 392, 392, 392, 392, 156, 842],
    "k": ["850511", "850511", "811292", "850511", "850511", "811292", "811292", "850511", "850511"],
    "v": [60.0, 40.0, 10.0, 90.0, 10.0, 30.0, 10.0, 5.0, 100.0],
}


@pytest.mark.golden
def test_findings_sentences_by_hand():
    aut = pl.DataFrame(
        {
            "product": ["850511", "811292"],
            "import_value": [100.0, 40.0],
            "top_supplier": ["CHN", "CHN"],
            "top_share": [0.9, 0.75],
            "hhi": [0.82, 0.625],
            "rival_value": [90.0, 30.0],
            "rival_share": [0.9, 0.75],
        }
    )
    assert fd.scope_sentence(aut, "Japan", 2024) == (
        "In 2024, Japan imported $140 k of the 2 products reviewed."
    )
    # both HHIs > 0.4: 2 products, 100% of value; both top shares > 0.5
    assert fd.concentration_sentence(aut).startswith("2 of them (100% of the value)")
    # rival share = 120 / 140 = 86%
    s = fd.rival_sentence(aut, "CHN", {"850511": "Magnets: permanent"}, "China")
    assert s == (
        # median of the product shares .9 and .75 = .825
        "China supplies 86% of this import value (82% in the median product) and is the top "
        "supplier of 2 "
        "products, led by Magnets; 811292."
    )
    trend = pl.DataFrame({"year": [2010, 2015, 2024], "rival_share": [0.9, 0.95, 0.6]})
    assert fd.trend_sentence(trend, "China") == (
        "China's share of these imports was 90% in 2010 and 60% in 2024, peaking at 95% in 2015."
    )
    assert fd.money(1_234_567) == "$1.2 bn" and fd.money(350.8e3) == "$350.8 m"


@pytest.mark.unit
def test_review_on_a_small_warehouse(make_warehouse, home, tmp_path):
    make_warehouse(FLOWS)
    r = build_review("JPN", 2024, rival="CHN", home=home)
    aut = r.autonomy.sort("product")
    # 2024: 811292 = 30 CHN + 10 USA = 40 (HHI .75²+.25² = .625); 850511 = 90 + 10 = 100
    assert aut["import_value"].to_list() == [40.0, 100.0]
    assert aut["hhi"].to_list() == pytest.approx([0.625, 0.82])
    # rival share 2023: (60 + 10) / 110; 2024: (90 + 30) / 140
    assert r.trend["rival_share"].to_list() == pytest.approx([70 / 110, 120 / 140])
    s = r.summary()
    assert s["rival_share"] == pytest.approx(120 / 140)
    assert s["products"] == 2
    assert any("Japan depends on China" in h for h in r.headline)
    # China supplies >= 50% of both products: both get a cost–dependence frontier
    assert set(r.frontier["product"].to_list()) == {"850511", "811292"}
    path = write_review(r, tmp_path / "rev.html")
    html = path.read_text()
    for section in (
        "Headline findings",
        "most concentrated dependencies",
        "Supplier breakdown",
        "over time",
        "World-supply concentration",
        "Leverage",
        "GeoDep screen",
        "Methods and sources",
    ):
        assert section in html
    # offline: plotly.js inlined, nothing fetched from a CDN
    assert not re.search(r"<script[^>]+src=", html)
    assert "Plotly" in html and len(html) > 1_000_000


@pytest.mark.unit
def test_review_cli_writes_report_and_prints_summary(make_warehouse, home, tmp_path):
    make_warehouse(FLOWS)
    out = tmp_path / "r.html"
    res = runner.invoke(
        app,
        [
            "review",
            "JPN",
            "--year",
            "2024",
            "--rival",
            "CHN",
            "--out",
            str(out),
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["report"] == str(out) and out.exists()
    assert d["country"] == "JPN" and d["rival"] == "CHN" and d["products"] == 2
    res = runner.invoke(app, ["review", "JPX", "--year", "2024"])
    assert res.exit_code == 2 and "JPN" in res.output  # close match suggested
    res = runner.invoke(app, ["review", "JPN", "--year", "1990"])
    assert res.exit_code == 2 and "2023" in res.output  # the years held


@pytest.mark.realdata
@pytest.mark.slow
def test_review_on_the_real_sample(mirror, home, tmp_path):
    from econsec.warehouse.ingest import ingest_baci

    ingest_baci(mirror / "baci" / "BACI_HS17_V202601.zip", home=home)
    ingest_baci(mirror / "baci" / "BACI_HS02_V202601.zip", home=home)
    r = build_review("JPN", 2024, rival="CHN", home=home)
    assert r.autonomy.height == 30
    assert r.trend["year"].to_list() == list(range(2002, 2025))
    assert write_review(r, tmp_path / "j.html").stat().st_size > 1_000_000
