"""Replay China → Japan bans on the real BACI sample (2010 in HS02, 2024 in HS17)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from econsec.engine import Warehouse
from econsec.scenarios import export_ban, load_scenario, run_scenario
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
