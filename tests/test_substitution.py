import ibis
import polars as pl
import pytest

from econsec.substitution import HORIZONS, redirect_fraction, redirectable_supply


def _flows(rows):
    df = pl.DataFrame(rows, schema=["t", "i", "j", "k", "v"], orient="row")
    return ibis.memtable(df.cast({"t": pl.Int16, "i": pl.Int16, "j": pl.Int16}))


@pytest.mark.golden
def test_capacity_is_fraction_of_sales_to_other_destinations():
    f = _flows(
        [
            (2024, 1, 9, "a", 10.0),
            (2024, 1, 8, "a", 5.0),
            (2024, 2, 9, "a", 3.0),
            (2024, 2, 7, "a", 20.0),
            (2024, 3, 8, "a", 4.0),
        ]
    )
    got = (
        redirectable_supply(f, [9], fraction=0.2, exclude_exporters=[3])
        .to_polars()
        .sort("exporter")
    )
    # exporter 1 sells 5 elsewhere than 9 → 1.0; exporter 2 sells 20 elsewhere → 4.0
    assert got["exporter"].to_list() == [1, 2]
    assert got["other_sales"].to_list() == [5.0, 20.0]
    assert got["capacity"].to_list() == pytest.approx([1.0, 4.0])


@pytest.mark.unit
def test_fractions_by_horizon_and_validation():
    assert redirect_fraction() == HORIZONS["3-12m"] == 0.2
    assert redirect_fraction("12m+") == 0.5
    assert redirect_fraction("0-3m", redirect=0.3) == 0.3
    with pytest.raises(ValueError, match="allowed"):
        redirect_fraction("6m")
    with pytest.raises(ValueError):
        redirect_fraction(redirect=1.5)
