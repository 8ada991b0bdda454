"""Japan's ESPA requirements as filters: each proxy on hand-made rows."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from econsec.yard.espa import EspaParams, espa_filters

INF = float("inf")


def rows() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "product": ["ok", "unlisted", "spread", "safe", "made-here", "named"],
            "weight": [0.2, 0.0, 0.4, 0.4, 0.4, 0.0],
            "top_share": [0.9, 0.9, 0.3, 0.9, 0.9, 0.9],
            "hhi": [0.8, 0.8, 0.2, 0.8, 0.8, 0.8],
            "dependence": [0.9, 0.9, 0.3, 0.1, 0.9, 0.9],
            "world_hhi": [0.2, 0.5, 0.5, 0.2, 0.5, 0.5],
            "import_export_ratio": [INF, 3.0, 3.0, 3.0, 0.5, 2.0],
        }
    )


@pytest.mark.golden
def test_each_requirement_by_hand() -> None:
    out = espa_filters(rows(), EspaParams(essential_products=frozenset({"named"})), has_rival=True)
    got = {r["product"]: r for r in out.iter_rows(named=True)}
    assert got["ok"]["espa"]
    assert not got["unlisted"]["espa_essential"]
    assert not got["spread"]["espa_dependence"]
    # rival share 0.1 < 0.3 and world HHI 0.2 < 0.4: no disruption risk.
    assert not got["safe"]["espa_disruption"]
    assert not got["made-here"]["espa_necessity"]
    assert got["named"]["espa"]
    assert out.filter("espa")["product"].to_list() == ["ok", "named"]


@pytest.mark.golden
def test_without_rivals_world_concentration_decides() -> None:
    out = espa_filters(rows(), has_rival=False)
    got = dict(zip(out["product"], out["espa_disruption"], strict=True))
    # "ok" has a 0.9 dependence but world HHI 0.2: no risk without rivals.
    assert got == {
        "ok": False,
        "unlisted": True,
        "spread": True,
        "safe": False,
        "made-here": True,
        "named": True,
    }


@pytest.mark.unit
def test_parameters_checked() -> None:
    with pytest.raises(ValueError, match="top_share"):
        EspaParams(top_share=2.0)
    with pytest.raises(ValueError, match="ratio"):
        EspaParams(ratio=-1)
    with pytest.raises(ValueError, match="world_hhi"):
        espa_filters(rows().drop("world_hhi"))


@pytest.mark.property
@given(t1=st.floats(0, 1), t2=st.floats(0, 1))
def test_stricter_thresholds_keep_fewer(t1: float, t2: float) -> None:
    lo, hi = sorted((t1, t2))
    a = espa_filters(rows(), EspaParams(top_share=lo, hhi=lo, world_hhi=lo), has_rival=True)
    b = espa_filters(rows(), EspaParams(top_share=hi, hhi=hi, world_hhi=hi), has_rival=True)
    assert set(b.filter("espa")["product"]) <= set(a.filter("espa")["product"])


@pytest.mark.unit
def test_old_names_still_work() -> None:
    with pytest.warns(DeprecationWarning, match="rival_share"):
        p = EspaParams(risky_share=0.05)
    assert p.rival_share == 0.05 and "risky_share" not in p.as_dict()
    with pytest.warns(DeprecationWarning, match="has_rival"):
        old = espa_filters(rows(), p, has_risky=True)
    assert old.equals(espa_filters(rows(), p, has_rival=True))
    # A rival share of 0.1 now counts as a disruption risk.
    assert old.filter(pl.col("product") == "safe")["espa_disruption"].item()
