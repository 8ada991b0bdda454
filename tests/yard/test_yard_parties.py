"""Who the yard is for and against: countries with two codes, blocs, user groups, products."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner
from yard_helpers import CATALOGUES, bloc_flows, flows, two_code_countries

from econsec.cli.main import app
from econsec.errors import NotFoundError
from econsec.yard import yard

ECONSEC = str(Path(sys.executable).with_name("econsec"))
runner = CliRunner()

#: World export HHI of 850511 in :func:`bloc_flows`: China 90, USA 60, Germany 560.
WORLD_HHI = (90**2 + 60**2 + 560**2) / 710**2


@pytest.fixture
def two_codes(make_warehouse, small_countries: pl.DataFrame) -> Path:
    """Germany listed under 276 and 280, its flows under 280 (as in BACI)."""
    return make_warehouse(bloc_flows(2024), countries=two_code_countries(small_countries))


def by_product(res) -> dict[str, dict]:
    return {r["product"]: r for r in res.scores.iter_rows(named=True)}


@pytest.mark.golden
def test_country_with_two_codes_is_found(two_codes: Path) -> None:
    # Germany's imports are under code 280, the table's second code for DEU.
    res = yard("DEU", 2024, rival="CHN", home=two_codes, trend=False)
    assert res.headline["importer"] == "DEU"
    assert res.headline["import_value"] == pytest.approx(60.0)
    row = by_product(res)["850511"]
    assert row["dependence"] == pytest.approx(1.0)
    assert row["export_value"] == pytest.approx(560.0)
    # As a supplier: Germany (60) leads the USA (50) into Japan, shown as DEU.
    res = yard("JPN", 2024, home=two_codes, trend=False)
    assert by_product(res)["850511"]["top_supplier"] == "DEU"


@pytest.mark.golden
def test_bloc_importer_extra_bloc_by_hand(two_codes: Path) -> None:
    res = yard(["DEU", "FRA"], 2024, rival="CHN", catalogues=CATALOGUES, home=two_codes)
    row = by_product(res)["850511"]
    # Extra-bloc imports only: China 90, USA 10 (Germany's 500 to France is intra-bloc).
    assert row["import_value"] == pytest.approx(100.0)
    assert row["concentration"] == pytest.approx(0.82)
    # USA can redirect 0.2 * 50; the bloc's own exports to Japan do not count: U = 1 - 10/90.
    assert row["substitution_gap"] == pytest.approx(8 / 9)
    assert row["score"] == pytest.approx(0.9 * 0.82 * 8 / 9)
    assert row["import_export_ratio"] == pytest.approx(100 / 60)
    # World concentration is the world market's: members stay separate exporters.
    assert row["world_hhi"] == pytest.approx(WORLD_HHI)
    assert res.headline["importer"] == "DEU+FRA"
    assert "extra-bloc imports" in res.params["meaning"][0]


@pytest.mark.unit
def test_group_importer_year_omitted(two_codes: Path) -> None:
    res = yard("EU27", rival="CHN", home=two_codes)
    assert res.headline["year"] == 2024 and res.params["year"] == 2024
    assert res.headline["importer"] == "EU27"
    assert res.headline["import_value"] == pytest.approx(100.0)
    assert res.frame["product"].to_list() == ["850511"]
    assert any(m.startswith("importer EU27 = 3 members") for m in res.params["meaning"])
    # The release lists 3 of the 27 members: the others are named in a note.
    assert any(n.startswith("EU27: 24 members not in") for n in res.notes)


@pytest.mark.unit
def test_user_group_as_rival_and_importer(two_codes: Path) -> None:
    (two_codes / "groups.toml").write_text(
        '[groups.MAKERS]\nmembers = ["CHN", "USA"]\n[groups.WEST]\nmembers = ["DEU", "FRA"]\n'
    )
    res = yard("FRA", 2024, rival_group="MAKERS", home=two_codes, trend=False)
    # France buys 30 from China and 10 from the USA, and 500 from Germany.
    assert by_product(res)["850511"]["dependence"] == pytest.approx(40 / 540)
    assert res.params["rival"] == "MAKERS"
    res = yard("WEST", 2024, rival="MAKERS", home=two_codes, trend=False)
    assert res.headline["importer"] == "WEST"
    assert by_product(res)["850511"]["import_value"] == pytest.approx(100.0)


@pytest.mark.unit
def test_integer_product_codes_and_headings(make_warehouse) -> None:
    home = make_warehouse(pl.concat([flows(2023), flows(2024)]))
    res = yard("JPN", 2024, 850511, rival="CHN", home=home, trend=False)
    assert res.scores["product"].to_list() == ["850511"]
    assert res.params["products"] == ["850511"]
    res = yard("JPN", 2024, [2805, "2804"], home=home, trend=False)
    assert sorted(res.scores["product"]) == ["280469", "280530"]
    with pytest.raises(NotFoundError, match="999999"):
        yard("JPN", 2024, "999999", home=home)


@pytest.mark.unit
def test_products_without_imports_are_noted(make_warehouse) -> None:
    home = make_warehouse(flows(2024))
    # Germany imports 850511 but not 870323 (it exports cars).
    res = yard("DEU", 2024, ["850511", "870323"], home=home, trend=False)
    assert res.scores["product"].to_list() == ["850511"]
    assert any("1 of the 2 products asked has no imports by DEU" in n for n in res.notes)
    res = yard("KOR", 2024, "850511", home=home, trend=False)
    assert res.frame.height == 0
    assert any("no imports by KOR in the products asked" in n for n in res.notes)
    # A basket's codes the release lacks are listed, not dropped silently.
    res = yard("JPN", 2024, "jp-espa", home=home, trend=False)
    assert any(n.startswith("basket jp-espa:") for n in res.notes)


@pytest.mark.unit
def test_degenerate_rivals(two_codes: Path) -> None:
    with pytest.raises(ValueError, match="own rival"):
        yard("DEU", 2024, rival="DEU", home=two_codes)
    with pytest.raises(ValueError, match="a member of EU27"):
        yard("EU27", 2024, rival="FRA", home=two_codes)
    with pytest.raises(ValueError, match="bloc"):
        yard("EU27", 2024, unaligned=1.0, home=two_codes)
    # A rival group overlapping the bloc: the members are left out, and said so.
    (two_codes / "groups.toml").write_text('[groups.MIX]\nmembers = ["CHN", "FRA"]\n')
    res = yard("EU27", 2024, rival_group="MIX", home=two_codes, trend=False)
    assert by_product(res)["850511"]["dependence"] == pytest.approx(0.9)
    assert any("FRA left out" in n for n in res.notes)


@pytest.mark.unit
def test_old_keyword_names_still_work(make_warehouse) -> None:
    home = make_warehouse(flows(2024))
    with pytest.warns(DeprecationWarning, match="rival"):
        old = yard("JPN", 2024, risky="CHN", home=home, trend=False)
    new = yard("JPN", 2024, rival="CHN", home=home, trend=False)
    assert old.scores.equals(new.scores)
    with pytest.warns(DeprecationWarning, match="rival_group"):
        yard("JPN", 2024, risky_group="BRICS", home=home, trend=False)
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="not both"):
        yard("JPN", 2024, rival="CHN", risky="KOR", home=home)


@pytest.mark.unit
def test_cli_bloc_json_in_a_subprocess(two_codes: Path) -> None:
    cmd = [ECONSEC, "yard", "EU27", "--rival", "CHN", "--format", "json", "--home"]
    r = subprocess.run([*cmd, str(two_codes)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["summary"]["importer"] == "EU27" and out["summary"]["year"] == 2024
    assert [p["product"] for p in out["rows"]] == ["850511"]
    assert out["rows"][0]["import_value"] == pytest.approx(100.0)
    # Notes go to stderr, stdout stays JSON.
    assert "note: EU27: 24 members" in r.stderr


@pytest.mark.unit
def test_cli_old_option_and_csv(two_codes: Path) -> None:
    cmd = ["yard", "DEU", "--risky", "CHN", "--no-trend", "--format", "csv", "--home"]
    r = runner.invoke(app, [*cmd, str(two_codes)])
    assert r.exit_code == 0, r.output
    rows = r.stdout.splitlines()
    assert rows[0].startswith("rank,product") and rows[1].startswith("1,850511")
    assert "--risky is deprecated" in r.stderr
    cmd = ["yard", "DEU", "--espa", "--espa-risky-share", "0.2", "--format", "json", "--home"]
    r = runner.invoke(app, [*cmd, str(two_codes)])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["params"]["espa"]["rival_share"] == 0.2
    assert "--espa-risky-share is deprecated" in r.stderr
    r = runner.invoke(app, ["yard", "EU27", "--rival", "DEU", "--home", str(two_codes)])
    assert r.exit_code == 2
    assert "a member of EU27" in r.stderr
