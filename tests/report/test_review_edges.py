"""The review for any pair: no dependence either way, absent rivals, near-empty years."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from econsec.report import build_review, write_review
from econsec.report.render import render_review

ECONSEC = str(Path(sys.executable).with_name("econsec"))

# Japan imports magnets from China and Germany; the USA imports gallium from Germany only;
# Brazil (76) and India (699) are in the country table but never trade.
FLOWS = {
    "t": [2023, 2023, 2024, 2024, 2024, 2024],
    "i": [156, 276, 156, 276, 276, 392],
    "j": [392, 392, 392, 392, 842, 156],
    "k": ["850511", "850511", "850511", "850511", "811292", "850511"],
    "v": [60.0, 40.0, 90.0, 10.0, 25.0, 5.0],
}


def _html(r: object, tmp_path: Path) -> str:
    return write_review(r, tmp_path / "r.html").read_text(encoding="utf-8")  # type: ignore[arg-type]


@pytest.mark.unit
def test_pair_with_no_dependence_either_way(make_warehouse, home, tmp_path):
    make_warehouse(FLOWS)
    # The USA buys gallium from Germany only; China sells the USA nothing.
    r = build_review("USA", 2024, rival="CHN", home=home)
    assert r.leverage.height == 0
    assert r.leverage_summary["a_depends_on_b"] == {"products": 0, "value_at_stake": 0.0}
    assert r.summary()["rival_share"] == 0.0
    html = _html(r, tmp_path)
    assert "USA does not depend on CHN for any product at these thresholds." in html
    assert "CHN does not depend on USA for any product at these thresholds." in html
    assert "no product where CHN supplies at least half" in html


@pytest.mark.unit
def test_rival_absent_from_the_data(make_warehouse, home, tmp_path):
    make_warehouse(FLOWS)
    r = build_review("JPN", 2024, rival="BRA", home=home)
    assert r.rival == "BRA"
    assert r.summary()["rival_share"] == 0.0
    html = _html(r, tmp_path)
    assert "Leverage: JPN and BRA" in html
    assert "BRA supplied none of these imports in any year held." in html


@pytest.mark.unit
def test_country_without_imports(make_warehouse, home, tmp_path):
    make_warehouse(FLOWS)
    r = build_review("IND", 2024, rival="CHN", home=home)
    assert r.autonomy.height == 0 and r.summary()["import_value"] == 0.0
    html = _html(r, tmp_path)
    assert "In 2024, India recorded no imports of the products reviewed." in html
    assert "No world exports of the reviewed products were recorded in 2024." in html
    assert "No product to show: IND recorded no imports" in html
    assert "No imports to break down by supplier in 2024." in html


@pytest.mark.unit
def test_year_with_a_single_row(make_warehouse, home, tmp_path):
    one = {"t": [2024], "i": [156], "j": [392], "k": ["850511"], "v": [1.5]}
    make_warehouse(one)
    for rival in ("CHN", "USA", None):
        r = build_review("JPN", 2024, rival=rival, home=home)
        html = render_review(r, generated="2026-01-01", version="test")
        assert "Economic-security review" in html


@pytest.mark.unit
def test_review_without_rival_renders_no_rival_sections(make_warehouse, home, tmp_path):
    make_warehouse(FLOWS)
    html = _html(build_review("JPN", 2024, home=home), tmp_path)
    assert "Leverage:" not in html and "over time" not in html


@pytest.mark.unit
def test_template_bugs_surface(make_warehouse, home):
    # StrictUndefined: a name missing from the context is an error, never an empty cell.
    import jinja2

    from econsec.report import render

    make_warehouse(FLOWS)
    r = build_review("JPN", 2024, rival="CHN", home=home)
    tpl = render._ENV.from_string("{{ r.no_such_field }}")
    with pytest.raises(jinja2.UndefinedError):
        tpl.render(r=r)


@pytest.mark.unit
def test_cli_reviews_a_pair_without_dependence(make_warehouse, home, tmp_path):
    make_warehouse(FLOWS)
    out = tmp_path / "usa.html"
    cmd = [ECONSEC, "review", "USA", "--year", "2024", "--rival", "CHN", "-o", str(out)]
    p = subprocess.run([*cmd, "--format", "json"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["country"] == "USA" and d["rival"] == "CHN" and d["rival_share"] == 0.0
    assert out.stat().st_size > 100_000


@pytest.mark.unit
def test_rival_equal_to_the_country_is_a_clear_error(make_warehouse, home):
    make_warehouse(FLOWS)
    with pytest.raises(ValueError, match="rival JPN is the reviewed country"):
        build_review("JPN", 2024, rival="JPN", home=home)


def _sample_importers(aut: pl.DataFrame) -> list[str]:
    """Importers covering the shapes that broke reviews: fewest products, the largest, one
    that China never leads, and the two rivals themselves."""
    by = aut.group_by("importer").agg(
        n=pl.len(),
        value=pl.col("import_value").sum(),
        chn=(pl.col("top_supplier") == "CHN").sum(),
    )
    picks = [
        *by.sort(["n", "importer"]).head(2)["importer"].to_list(),
        *by.sort(["value", "importer"], descending=[True, False]).head(1)["importer"].to_list(),
        *by.filter(pl.col("chn") == 0).sort("importer").head(1)["importer"].to_list(),
        "CHN",
        "USA",
    ]
    return list(dict.fromkeys(picks))


@pytest.mark.realdata
@pytest.mark.slow
def test_every_importer_reviews_against_china_and_the_usa(mirror, home, tmp_path):
    # The full sweep (215 importers x 2 rivals, about ten minutes) runs with
    # ECONSEC_REVIEW_ALL=1; by default a sample covering the degenerate shapes.
    import os

    from econsec import analysis
    from econsec.engine import Warehouse
    from econsec.warehouse.ingest import ingest_baci

    ingest_baci(mirror / "baci" / "BACI_HS17_V202601.zip", home=home)
    wh = Warehouse(home)
    aut = analysis.autonomy(None, 2024, warehouse=wh).to_polars()
    everyone = sorted(aut["importer"].unique().to_list())
    assert len(everyone) > 200
    who = everyone if os.environ.get("ECONSEC_REVIEW_ALL") == "1" else _sample_importers(aut)
    rendered = 0
    for country in who:
        for rival in ("CHN", "USA"):
            if country == rival:
                continue
            r = build_review(country, 2024, rival=rival, warehouse=wh)
            assert r.country == country and r.headline
            if rendered < 2 or country in ("CHN", "USA"):
                html = render_review(r, generated="2026-01-01", version="test")
                assert f"Leverage: {country} and {rival}" in html
                rendered += 1


@pytest.mark.golden
def test_sentences_for_empty_and_single_cases():
    from econsec.report import findings as fd

    empty = pl.DataFrame(schema={"product": pl.Utf8, "import_value": pl.Float64, "hhi": pl.Float64})
    assert fd.scope_sentence(empty, "India", 2024) == (
        "In 2024, India recorded no imports of the products reviewed."
    )
    assert fd.concentration_sentence(empty) is None
    none = {
        "a_depends_on_b": {"products": 0, "value_at_stake": 0.0},
        "b_depends_on_a": {"products": 0, "value_at_stake": 0.0},
    }
    assert fd.leverage_sentence(none, "USA", "Russia") == (
        "Neither USA nor Russia depends on the other for any of these products at these thresholds."
    )
    assert fd.geodep_sentence(1, 2024).startswith("1 product meets")
    assert fd.count(1) == "1 product" and fd.count(0) == "0 products"
