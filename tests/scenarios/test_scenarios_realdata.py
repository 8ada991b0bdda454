"""Replay China → Japan bans on the real BACI sample (2010 in HS02, 2024 in HS17)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from econsec.engine import Warehouse
from econsec.scenarios import coalition_control, export_ban, load_scenario, run_scenario
from econsec.warehouse.ingest import ingest_baci

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"


@pytest.fixture(scope="module")
def real_wh(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    # Module-scoped (ingest once), so the function-scoped ``mirror`` fixture cannot be used;
    # the same lookup: ECONSEC_MIRROR, else ../shared/data.
    env = os.environ.get("ECONSEC_MIRROR")
    cands = [Path(env)] if env and "://" not in env else []
    cands.append(Path(__file__).resolve().parents[3] / "shared" / "data")
    mirror = next((c for c in cands if c.is_dir()), None)
    if mirror is None:
        pytest.skip("real sample data absent: set ECONSEC_MIRROR to the shared data folder")
    home = tmp_path_factory.mktemp("real-home")
    for hs in ("HS17", "HS02"):
        ingest_baci(mirror / "baci" / f"BACI_{hs}_V202601.zip", home=home)
    return Warehouse(home)


@pytest.mark.realdata
def test_magnet_ban_2010_and_2024(real_wh: Warehouse) -> None:
    out = {}
    for year in (2010, 2024):
        res = export_ban("CHN", "JPN", year, "850511", warehouse=real_wh)
        t = res.totals()
        assert res.hs == ("HS02" if year == 2010 else "HS17")
        assert 0 < t["lost_imports"] <= t["baseline_imports"]
        assert 0 <= t["shortfall"] <= t["lost_imports"]
        assert res.measures[0].pain["exporter"].to_list() == ["CHN"]
        zero = export_ban("CHN", "JPN", year, "850511", redirect=0.0, warehouse=real_wh)
        assert zero.totals()["shortfall"] == pytest.approx(zero.totals()["lost_imports"])
        out[year] = t
    # Japan's magnet imports grew (current USD) between the two years.
    assert out[2024]["baseline_imports"] > out[2010]["baseline_imports"]


@pytest.mark.realdata
def test_shipped_examples_run(real_wh: Warehouse) -> None:
    for f in sorted(EXAMPLES.glob("*.toml")):
        res = run_scenario(load_scenario(f), warehouse=real_wh, draws=50)
        assert res.products().height > 0, f.name
        assert res.uncertainty is not None


def _raw(wh: Warehouse, exporters: list[int], importers: list[int], k: str) -> float:
    """Sum of the release's own rows, whatever code a country carries in them."""
    t = wh.trade(2024, hs="HS17", release="V202601")
    t = t.filter(t.i.isin(exporters) & t.j.isin(importers) & (t.k == k))
    return float(t.v.sum().to_pyarrow().as_py() or 0.0)


@pytest.mark.realdata
def test_germany_is_found_whatever_code_its_flows_use(real_wh: Warehouse) -> None:
    res = export_ban("CHN", "DEU", 2024, "850511", warehouse=real_wh)
    row = res.to_polars().row(0, named=True)
    assert row["importer"] == "DEU"
    assert row["lost_imports"] == pytest.approx(_raw(real_wh, [156], [276, 280], "850511"))
    assert row["lost_imports"] > 0 and res.notes == ()


@pytest.mark.realdata
def test_eu27_as_coalition_and_as_target(real_wh: Warehouse) -> None:
    from econsec.query import Resolver

    r = Resolver(real_wh, 2024)
    eu = r.group("EU27")
    res = coalition_control("EU27", "CHN", 2024, "semiconductor-chokepoints", warehouse=real_wh)
    m = res.measures[0]
    assert m.leakers is not None
    assert not set(eu.members) & set(m.leakers["supplier"].to_list())
    assert res.totals()["lost_imports"] > 0
    # A bloc target: the EU's imports from outside the EU, Germany's and Belgium's included.
    ban = export_ban("CHN", "EU27", 2024, "850511", redirect=0.0, warehouse=real_wh)
    row = ban.to_polars().row(0, named=True)
    every = [c for p in eu.members for c in r.countries.codes_of(p)]
    outside = [int(c) for c in r.countries.codes if c not in set(every)]
    assert row["importer"] == "EU27"
    assert row["baseline_imports"] == pytest.approx(_raw(real_wh, outside, every, "850511"))
    assert row["lost_imports"] == pytest.approx(_raw(real_wh, [156], every, "850511"))


@pytest.mark.realdata
def test_basket_codes_absent_from_an_older_release_are_noted(real_wh: Warehouse) -> None:
    res = export_ban("CHN", "JPN", 2010, "jp-espa", warehouse=real_wh)
    assert res.hs == "HS02"
    # The sample's HS02 product table lists only the codes traded: the rest are named.
    (note,) = [n for n in res.notes if n.startswith("basket jp-espa:")]
    assert "not in the HS02 product table" in note and "280530" in note
    assert res.to_polars().height > 0
