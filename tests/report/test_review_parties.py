"""Who the review is of: a country listed under two codes, a bloc, degenerate rivals."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from econsec.cli.main import app
from econsec.report import build_review, write_review

runner = CliRunner()

CHN, DEU_OLD, FRA, USA, JPN = 156, 280, 251, 842, 392

# Magnets 850511: the bloc (Germany under its second code 280, France) buys 90 from China and
# 10 from the USA; Germany sells 500 to France (intra-bloc) and 60 to Japan.
ROWS = [
    (CHN, DEU_OLD, 60.0),
    (CHN, FRA, 30.0),
    (USA, FRA, 10.0),
    (DEU_OLD, FRA, 500.0),
    (DEU_OLD, JPN, 60.0),
    (USA, JPN, 50.0),
]


@pytest.fixture
def two_codes(make_warehouse, small_countries: pl.DataFrame) -> Path:
    old = pl.DataFrame(
        {"code": [DEU_OLD], "name": ["Fed. Rep. of Germany (...1990)"], "iso2": ["DE"]}
    ).with_columns(iso3=pl.lit("DEU"))
    countries = pl.concat([small_countries, old.cast(dict(small_countries.schema))])
    flows = pl.DataFrame(
        [(t, i, j, "850511", v) for t in (2023, 2024) for i, j, v in ROWS],
        schema=["t", "i", "j", "k", "v"],
        orient="row",
    )
    return make_warehouse(flows, countries=countries)


@pytest.mark.unit
def test_review_finds_a_country_under_its_second_code(two_codes: Path) -> None:
    r = build_review("DEU", 2024, rival="CHN", home=two_codes)
    assert (r.country, r.country_name, r.rival) == ("DEU", "Germany", "CHN")
    assert r.autonomy["import_value"].to_list() == pytest.approx([60.0])
    assert r.summary()["rival_share"] == pytest.approx(1.0)


@pytest.mark.unit
def test_review_of_a_bloc(two_codes: Path, tmp_path: Path) -> None:
    r = build_review("EU27", rival="CHN", home=two_codes)
    assert r.year == 2024 and r.country == "EU27"
    # One row per product for the bloc: its extra-bloc imports (China 90, USA 10).
    assert r.autonomy["importer"].to_list() == ["EU27"]
    assert r.autonomy["import_value"].to_list() == pytest.approx([100.0])
    assert r.summary()["rival_share"] == pytest.approx(0.9)
    # The frontier re-sources the bloc's extra-bloc imports (China supplies 90%).
    assert r.frontier.height > 0 and set(r.frontier["product"].to_list()) == {"850511"}
    assert any(n.startswith("EU27: 24 members") for n in r.notes)
    assert write_review(r, tmp_path / "eu.html").stat().st_size > 0


@pytest.mark.unit
def test_review_rival_that_is_the_reviewed_party(two_codes: Path) -> None:
    with pytest.raises(ValueError, match="the reviewed country"):
        build_review("DEU", 2024, rival="DEU", home=two_codes)
    with pytest.raises(ValueError, match="a member of EU27"):
        build_review("EU27", 2024, rival="FRA", home=two_codes)


@pytest.mark.unit
def test_review_cli_bloc(two_codes: Path, tmp_path: Path) -> None:
    out = tmp_path / "eu.html"
    args = ["review", "EU27", "--year", "2024", "--rival", "CHN", "--format", "json"]
    res = runner.invoke(app, [*args, "--out", str(out), "--home", str(two_codes)])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["country"] == "EU27" and d["rival"] == "CHN" and d["products"] == 1
    assert out.exists()


@pytest.mark.realdata
@pytest.mark.slow
def test_review_of_the_eu_on_the_sample(mirror: Path, home: Path) -> None:
    from econsec.warehouse.ingest import ingest_baci

    ingest_baci(mirror / "baci" / "BACI_HS17_V202601.zip", home=home)
    r = build_review("EU27", 2024, rival="CHN", home=home)
    assert r.country == "EU27"
    assert r.autonomy["importer"].unique().to_list() == ["EU27"]
    assert r.autonomy.height == r.autonomy["product"].n_unique() == 30
    assert 0 < r.summary()["rival_share"] < 1
    de = build_review("DEU", 2024, rival="CHN", home=home)
    assert de.country_name == "Germany" and de.autonomy.height == 30
