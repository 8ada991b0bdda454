"""Scenarios resolve parties, groups, products and years like every other verb.

The two-codes warehouse lists Germany under 276 and 280 and Belgium under 56 and 58 (as
BACI's country table does) while its flows use 280 and 58, the codes the first table row
does not give.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from scen_helpers import CHN, FRA, JPN, KOR, USA
from typer.testing import CliRunner

from econsec.cli.main import app
from econsec.engine import Warehouse
from econsec.errors import NotFoundError
from econsec.scenarios import coalition_control, export_ban, run_scenario, tariff
from econsec.scenarios.assembly import split_products
from econsec.scenarios.results import MeasureResult, ScenarioResult
from econsec.scenarios.spec import parse_scenario

ECONSEC = Path(sys.executable).parent / "econsec"
runner = CliRunner()
DEU_OLD, BEL_OLD = 280, 58

TWO_CODES = pl.DataFrame(
    {
        "code": [156, 392, 410, 842, 276, 280, 56, 58, 251, 528],
        "name": [
            "China",
            "Japan",
            "Rep. of Korea",
            "USA",
            "Germany",
            "Fed. Rep. of Germany (...1990)",
            "Belgium",
            "Belgium-Luxembourg (...1998)",
            "France",
            "Netherlands",
        ],
        "iso2": ["CN", "JP", "KR", "US", "DE", "DE", "BE", "BE", "FR", "NL"],
        "iso3": ["CHN", "JPN", "KOR", "USA", "DEU", "DEU", "BEL", "BEL", "FRA", "NLD"],
    }
)

#: 850511 in 2024, thousand USD; Germany and Belgium under their older codes.
TWO_CODE_FLOWS = [
    (CHN, DEU_OLD, 200.0),
    (KOR, DEU_OLD, 100.0),
    (USA, DEU_OLD, 50.0),
    (DEU_OLD, CHN, 100.0),
    (BEL_OLD, CHN, 50.0),
    (FRA, CHN, 20.0),
    (USA, CHN, 30.0),
    (DEU_OLD, BEL_OLD, 40.0),
    (KOR, JPN, 10.0),
]


@pytest.fixture
def two_codes(make_warehouse) -> Warehouse:  # type: ignore[no-untyped-def]
    f = pl.DataFrame(
        {
            "t": [2024] * len(TWO_CODE_FLOWS),
            "i": [x[0] for x in TWO_CODE_FLOWS],
            "j": [x[1] for x in TWO_CODE_FLOWS],
            "k": ["850511"] * len(TWO_CODE_FLOWS),
            "v": [x[2] for x in TWO_CODE_FLOWS],
        }
    )
    return Warehouse(make_warehouse(f, countries=TWO_CODES))


@pytest.mark.golden
def test_a_country_under_its_second_code_is_found(two_codes: Warehouse) -> None:
    # Germany imports 350 under code 280; China's 200 stop. Other exporters' sales outside
    # Germany: KOR→JPN 10, USA→CHN 30, BEL→CHN 50, FRA→CHN 20 = 110; at r = 0.5, 55 replaced.
    res = export_ban("CHN", "DEU", 2024, "850511", redirect=0.5, warehouse=two_codes)
    row = res.to_polars().row(0, named=True)
    assert row["importer"] == "DEU"
    assert row["baseline_imports"] == pytest.approx(350.0)
    assert row["lost_imports"] == pytest.approx(200.0)
    assert row["replaced"] == pytest.approx(55.0)
    assert res.notes == ()
    # As the imposer too: Germany's 100 to China (its 40 to Belgium is not to the target).
    res = export_ban("Germany", "CHN", 2024, 850511, redirect=0.0, warehouse=two_codes)
    assert res.totals()["lost_imports"] == pytest.approx(100.0)
    assert res.measures[0].pain["exporter"].to_list() == ["DEU"]


@pytest.mark.golden
def test_coalition_members_under_their_second_code_do_not_leak(two_codes: Warehouse) -> None:
    # EU27 members in the table: DEU, BEL, FRA, NLD. They sell China 100 + 50 + 20 = 170.
    # Non-members leak: the USA's 30, plus what the USA (50 elsewhere) and Korea (110
    # elsewhere) redirect at r = 0.2: 32 of the 170, shared 10 and 22.
    res = coalition_control("EU27", "CHN", 2024, "850511", redirect=0.2, warehouse=two_codes)
    m = res.measures[0]
    assert m.leakers is not None and m.access is not None
    leak = dict(zip(m.leakers["supplier"], m.leakers["leakage"], strict=True))
    assert leak == pytest.approx({"USA": 40.0, "KOR": 22.0})
    assert res.totals()["lost_imports"] == pytest.approx(170.0)
    acc = m.access.row(0, named=True)
    # World supply open to China: every exporter's 850511 but China's own: 100 + 50 (to
    # Germany) + 10 (KOR→JPN) + 170 + 30 (to China) + 40 (DEU→BEL) = 400; members 210.
    assert acc["world_supply"] == pytest.approx(400.0)
    assert acc["coalition_supply"] == pytest.approx(210.0)
    assert any(s.startswith("coalition EU27 = 4 members") for s in res.params["meaning"])


@pytest.mark.golden
def test_a_bloc_target_counts_its_extra_bloc_imports(two_codes: Warehouse) -> None:
    # EU27 imports from outside: 350 (Germany); DEU→BEL 40 is between members.
    res = export_ban("CHN", "EU27", 2024, "850511", redirect=0.0, warehouse=two_codes)
    row = res.to_polars().row(0, named=True)
    assert (row["importer"], row["baseline_imports"]) == ("EU27", pytest.approx(350.0))
    assert row["lost_imports"] == pytest.approx(200.0)
    # A bloc importer of a tariff: the customs union's imports from China.
    t = tariff("EU27", "CHN", 2024, "850511", rate=0.25, warehouse=two_codes)
    assert t.to_polars()["importer"].to_list() == ["EU27"]
    assert t.measures[0].frame["from_target"].to_list() == pytest.approx([200.0])


@pytest.mark.unit
def test_a_user_group_is_a_party(small_wh: Warehouse, home: Path) -> None:
    (home / "groups.toml").write_text('[groups.MYGROUP]\nmembers = ["CHN", "KOR"]\n')
    # CHN and KOR stop 850511 to Japan together: 60 + 30 of its 100.
    res = export_ban(imposer="MYGROUP", target="JPN", products="850511", warehouse=small_wh)
    assert res.totals()["lost_imports"] == pytest.approx(90.0)
    assert res.params["meaning"][0].startswith("imposer MYGROUP = 2 members")
    # China is a member: it cannot ban exports to its own group.
    with pytest.raises(ValueError, match="CHN on both sides"):
        export_ban("CHN", "MYGROUP", products="850511", warehouse=small_wh)
    # As a target bloc: the USA sells 850511 to Japan and Germany only.
    res = export_ban("USA", ["MYGROUP"], products="850511", redirect=0.0, warehouse=small_wh)
    assert res.to_polars()["importer"].to_list() == []
    assert res.notes == (
        "no flows from USA to MYGROUP in the 1 product asked in 2024: the measure changes nothing",
    )


@pytest.mark.unit
def test_year_omitted_is_the_latest_held(small_wh: Warehouse) -> None:
    # small_wh holds 2010 (HS02) and 2024 (HS17).
    res = export_ban("CHN", "JPN", products=850511, redirect=0.2, warehouse=small_wh)
    assert (res.year, res.hs, res.params["year"]) == (2024, "HS17", 2024)
    spec = parse_scenario(
        {"measures": [{"kind": "export_ban", "suppliers": "CHN", "targets": "JPN", "products": 85}]}
    )
    assert spec.year is None
    assert run_scenario(spec, warehouse=small_wh).year == 2024


@pytest.mark.unit
def test_products_are_codes_chapters_or_baskets_in_one_parameter(small_wh: Warehouse) -> None:
    a = export_ban("CHN", "JPN", 2024, 850511, redirect=0.2, warehouse=small_wh)
    b = export_ban("CHN", "JPN", 2024, [85], redirect=0.2, warehouse=small_wh)
    c = export_ban("CHN", "JPN", 2024, "jp-espa", redirect=0.2, warehouse=small_wh)
    assert a.to_polars().equals(b.to_polars())
    assert a.measures[0].params["hs6"] == ["850511"]
    # jp-espa lists both products of the small release; its other codes are left out, and
    # said so.
    assert c.to_polars()["product"].to_list() == ["811292", "850511"]
    assert any(n.startswith("basket jp-espa:") for n in c.notes)
    assert split_products([30110, "811292", 85, "jp-espa", " "]) == (
        ["030110", "811292", "85"],
        ["jp-espa"],
    )
    with pytest.raises(NotFoundError, match=r"measures\[0\]\.products"):
        export_ban("CHN", "JPN", 2024, "no-such-basket", warehouse=small_wh)


@pytest.mark.unit
def test_products_without_flows_are_noted(small_wh: Warehouse) -> None:
    # China sells Germany 850511 but no 811292.
    res = export_ban("CHN", ["DEU", "FRA"], 2024, ["850511", "811292"], warehouse=small_wh)
    assert res.notes == (
        "no flows from CHN to FRA in the products asked in 2024",
        "1 of 2 products asked has no flows from CHN to DEU+FRA in 2024: 811292",
    )


@pytest.mark.unit
def test_degenerate_measures_are_refused(small_wh: Warehouse) -> None:
    with pytest.raises(ValueError, match="USA on both sides"):
        tariff("USA", "USA", 2024, rate=0.2, warehouse=small_wh)
    with pytest.raises(ValueError, match="JPN on both sides"):
        coalition_control(["JPN", "KOR"], "JPN", 2024, "850511", warehouse=small_wh)
    with pytest.raises(ValueError, match="DEU is in both DEU and EU27"):
        export_ban("CHN", ["DEU", "EU27"], 2024, "850511", warehouse=small_wh)
    with pytest.raises(ValueError, match="IO propagation needs country importers"):
        export_ban("CHN", "EU27", 2024, "850511", warehouse=small_wh, io="no-table")


@pytest.mark.unit
def test_former_keywords_still_work_with_a_warning(small_wh: Warehouse) -> None:
    new = export_ban("CHN", "JPN", 2024, "850511", warehouse=small_wh)
    with pytest.warns(DeprecationWarning, match="(suppliers|targets)= is deprecated"):
        old = export_ban(
            suppliers="CHN", targets="JPN", year=2024, products="850511", warehouse=small_wh
        )
    assert old.to_polars().equals(new.to_polars())
    with pytest.raises(TypeError, match="not both"), pytest.warns(DeprecationWarning):
        export_ban("CHN", "JPN", suppliers="KOR", products="850511", warehouse=small_wh)


@pytest.mark.unit
def test_results_follow_the_result_protocol(small_wh: Warehouse) -> None:
    res = export_ban("CHN", "JPN", 2024, "850511", redirect=0.2, warehouse=small_wh)
    assert isinstance(res, ScenarioResult) and isinstance(res.measures[0], MeasureResult)
    assert res.to_polars().equals(res.frame) and res.to_pandas().shape == res.frame.shape
    assert res.summary()["shortfall"] == pytest.approx(22.0)
    d = res.to_dict()
    assert set(d) >= {"params", "notes", "summary", "rows", "measures"}
    json.dumps(d)
    m = res.measures[0]
    assert m.frame.equals(m.products) and m.summary()["pain_ratio"] == pytest.approx(60 / 22)
    assert m.to_dict()["mutual_pain"][0]["exporter"] == "CHN"


@pytest.mark.slow
def test_console_script_json_and_notes_on_stderr(small_home: Path) -> None:
    args = ["scenario", "ban", "--from", "CHN", "--to", "DEU,FRA", "--product", "850511"]
    args += ["--product", "811292", "--format", "json", "--home", str(small_home)]
    p = subprocess.run([str(ECONSEC), *args], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["params"]["year"] == 2024
    # France buys 850511 from Germany only: listed, nothing lost, and said so.
    assert {r["importer"]: r["lost_imports"] for r in d["rows"]} == {"DEU": 200.0, "FRA": 0.0}
    assert "note: 1 of 2 products asked has no flows from CHN to DEU+FRA" in p.stderr


@pytest.mark.unit
def test_cli_csv_stays_a_document_and_degenerate_requests_are_one_line(small_home: Path) -> None:
    args = ["scenario", "ban", "--from", "CHN", "--to", "DEU,FRA", "--product", "850511"]
    r = runner.invoke(
        app, [*args, "--product", "811292", "--format", "csv", "--home", str(small_home)]
    )
    assert r.exit_code == 0, r.output
    rows = pl.read_csv(r.stdout.encode())
    assert sorted(rows["importer"].to_list()) == ["DEU", "FRA"] and "note:" not in r.stdout
    assert "note: no flows from CHN to FRA" in r.stderr
    bad = ["scenario", "tariff", "--imposer", "USA", "--on", "USA", "--rate", "0.2"]
    r = runner.invoke(app, [*bad, "--home", str(small_home)])
    assert r.exit_code == 2 and "USA on both sides" in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
