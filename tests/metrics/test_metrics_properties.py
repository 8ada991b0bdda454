"""Property tests of the metrics' invariants on random flows (hypothesis)."""

from __future__ import annotations

import metrics_reference as ref
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from metrics_helpers import COUNTRIES, flows, run, table
from polars.testing import assert_frame_equal

from econsec.metrics import autonomy as aut
from econsec.metrics import indispensability as ind
from econsec.metrics import screens

pytestmark = pytest.mark.property
# Metrics are computed per year, so each year of an example is an independent case: one
# query checks several cases, which keeps these tests fast.
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def close(a: pl.Series, b: pl.Series, tol: float = 1e-9) -> bool:
    """Element-wise |a - b| <= tol * (1 + |b|)."""
    return bool(((a - b).abs() <= tol * (1 + b.abs())).all())


@SETTINGS
@given(flows())
def test_supplier_shares_in_unit_interval_and_sum_to_one(df):
    s = run(aut.supplier_shares(table(df)))
    assert s["share"].min() >= 0.0 and s["share"].max() <= 1.0 + 1e-12
    sums = s.group_by(["year", "importer", "product"]).agg(pl.col("share").sum())
    assert close(sums["share"], pl.Series([1.0] * sums.height))
    ranks = s.group_by(["year", "importer", "product"]).agg(
        pl.col("rank").min().alias("lo"), pl.col("rank").max().alias("hi"), pl.len()
    )
    assert (ranks["lo"] == 1).all() and (ranks["hi"] == ranks["len"]).all()


@SETTINGS
@given(flows())
def test_hhi_between_one_over_n_and_one(df):
    a = run(aut.autonomy(table(df)))
    lower = 1.0 / a["n_suppliers"]
    assert ((a["hhi"] >= lower - 1e-9) & (a["hhi"] <= 1.0 + 1e-9)).all()
    assert ((a["top_share"] >= lower - 1e-9) & (a["top_share"] <= 1.0 + 1e-9)).all()
    # HHI is at most the top share (sum s^2 <= max s * sum s) and at least its square.
    assert (a["hhi"] <= a["top_share"] + 1e-9).all()
    assert (a["hhi"] >= a["top_share"] ** 2 - 1e-9).all()


@settings(SETTINGS, max_examples=8)
@given(flows(), st.randoms(use_true_random=False))
def test_invariant_to_row_order(df, rnd):
    idx = list(range(df.height))
    rnd.shuffle(idx)
    shuffled = df[idx]
    for build in (lambda t: aut.autonomy(t, rival=[156]), ind.indispensability):
        assert_frame_equal(run(build(table(df))), run(build(table(shuffled))), check_exact=False)


@SETTINGS
@given(flows(), st.sets(st.sampled_from(COUNTRIES), min_size=2, max_size=4))
def test_bloc_equals_aggregate_of_members_extra_bloc_flows(df, members):
    m = sorted(members)
    bloc = run(aut.autonomy(aut.collapse_bloc(table(df), m, -1), importers=[-1]))
    imports = df.filter(pl.col("j").is_in(m) & ~pl.col("i").is_in(m))
    exports = df.filter(pl.col("i").is_in(m) & ~pl.col("j").is_in(m))
    by_supplier = imports.group_by(["t", "k", "i"]).agg(pl.col("v").sum())
    expect = by_supplier.group_by(["t", "k"]).agg(
        import_value=pl.col("v").sum(),
        n_suppliers=pl.len(),
        hhi=(pl.col("v") ** 2).sum() / pl.col("v").sum() ** 2,
    )
    assert bloc.height == expect.height
    got = bloc.join(expect, left_on=["year", "product"], right_on=["t", "k"])
    assert got.height == expect.height
    assert close(got["import_value"], got["import_value_right"])
    assert (got["n_suppliers"] == got["n_suppliers_right"]).all()
    assert close(got["hhi"], got["hhi_right"])
    xv = exports.group_by(["t", "k"]).agg(x=pl.col("v").sum())
    chk = got.join(xv, left_on=["year", "product"], right_on=["t", "k"], how="left")
    assert close(chk["export_value"], chk["x"].fill_null(0.0))


@SETTINGS
@given(flows(), st.floats(0.01, 1.0), st.floats(0.0, 1.0))
def test_indispensability_bounds_and_reference(df, theta, r):
    out = run(ind.indispensability(table(df), threshold=theta, redirect=r))
    assert ((out["replaceability"] >= 0) & (out["replaceability"] <= 1 + 1e-12)).all()
    assert ((out["world_share"] > 0) & (out["world_share"] <= 1 + 1e-12)).all()
    shares = out.group_by(["year", "product"]).agg(pl.col("world_share").sum())
    assert close(shares["world_share"], pl.Series([1.0] * shares.height))
    assert (out["dependent_value"] <= out["export_value"] + 1e-9).all()
    if theta > 0.5:  # at most one supplier holds more than half of a market
        assert out["n_dependents"].sum() <= df.select("t", "j", "k").unique().height
    expect = ref.indispensability(df, theta, r)
    cols = ["world_share", "world_hhi", "replaceability", "dependent_value"]
    got = out.sort(["year", "exporter", "product"])
    assert got["world_rank"].to_list() == expect["world_rank"].to_list()
    assert got["n_dependents"].to_list() == expect["n_dependents"].to_list()
    for c in cols:
        assert close(got[c], expect[c]), c


@SETTINGS
@given(
    st.sets(st.tuples(st.sampled_from(["a", "b"]), st.integers(2015, 2024)), max_size=15),
    st.integers(1, 4),
    st.data(),
)
def test_persistence_matches_brute_force(met, window, data):
    min_years = data.draw(st.integers(1, window))
    years = list(range(2015, 2025))
    rows = [
        {"importer": key, "year": y, "conditions_met": (key, y) in met}
        for key in ("a", "b")
        for y in years
    ]
    t = table(
        pl.DataFrame(
            rows, schema={"importer": pl.Utf8, "year": pl.Int16, "conditions_met": pl.Boolean}
        )
    )
    out = run(screens.persistence(t, ["importer"], window=window, min_years=min_years))
    expect = ref.persistence_flags(met, years, window, min_years)
    for r in out.iter_rows(named=True):
        want = expect.get((r["importer"], r["year"]), 0)
        assert r["years_met"] == want
        assert r["persistent"] == (want >= min_years)
