"""The same metric code on every Ibis backend, checked against reference computations.

Each case builds an Ibis expression with :mod:`econsec.metrics` over the same flows, runs it
on each backend in :data:`BACKENDS` and compares with a straightforward polars computation
(``tests/metrics/metrics_reference.py``). A backend lists the capabilities it has; a case
needing one it lacks is skipped with the reason. PySpark runs on the test session's one
local Spark session (``spark_con`` fixture), with econsec's compiler (ordered ``first`` as
``max_by``), and is checked against DuckDB too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir
import metrics_reference as ref
import numpy as np
import polars as pl
import pytest

from econsec.metrics import autonomy as aut
from econsec.metrics import indispensability as ind
from econsec.metrics import leverage as lev
from econsec.metrics import screens

pytestmark = pytest.mark.conformance

#: name -> (connect, capabilities). The polars backend has no window functions; PySpark's
#: connection comes from the session-wide ``spark_con`` fixture.
BACKENDS: dict[str, tuple[Callable[[], Any] | None, set[str]]] = {
    "duckdb": (lambda: ibis.duckdb.connect(threads=1), {"windows"}),
    "polars": (lambda: ibis.polars.connect(), set()),
    "pyspark": (None, {"windows"}),
}

COUNTRIES = np.array([4, 36, 156, 251, 276, 392, 410, 490, 528, 842], dtype=np.int16)
BLOC = [251, 276, 528]


def _flows() -> pl.DataFrame:
    """About 500 unique flows over 4 years and 5 products, with equal values (ties)."""
    rng = np.random.default_rng(20240601)
    n = 900
    t = rng.integers(2021, 2025, n)
    i = rng.choice(COUNTRIES, n)
    j = rng.choice(COUNTRIES, n)
    k = rng.choice(["250490", "280469", "810194", "850511", "854231"], n)
    v = np.where(rng.random(n) < 0.3, rng.integers(1, 4, n), rng.lognormal(3, 2, n).round(3))
    df = pl.DataFrame({"t": t, "i": i, "j": j, "k": k, "v": v.astype(float)})
    df = df.filter(pl.col("i") != pl.col("j")).unique(["t", "i", "j", "k"], keep="first")
    return df.cast({"t": pl.Int16, "i": pl.Int16, "j": pl.Int16}).sort(["t", "i", "j", "k"])


FLOWS = _flows()

Case = tuple[Callable[[ir.Table], ir.Table], Callable[[pl.DataFrame], pl.DataFrame], set[str]]

CASES: dict[str, Case] = {
    "autonomy": (
        lambda t: aut.autonomy(t, rival=[156, 392]),
        lambda df: ref.autonomy(df, rival=[156, 392]),
        set(),
    ),
    "autonomy_bloc": (
        lambda t: aut.autonomy(aut.collapse_bloc(t, BLOC, -1), importers=[-1]),
        lambda df: ref.autonomy(ref.collapse(df, BLOC, -1)).filter(pl.col("importer") == -1),
        set(),
    ),
    "supplier_shares": (aut.supplier_shares, ref.supplier_shares, {"windows"}),
    "world_concentration": (ind.world_concentration, ref.world, set()),
    "indispensability": (
        lambda t: ind.indispensability(t, threshold=0.4, redirect=0.3),
        lambda df: ref.indispensability(df, 0.4, 0.3),
        {"windows"},
    ),
    "geodep": (
        lambda t: screens.persistence(
            screens.geodep_conditions(t, import_hhi=0.3, world_hhi=0.2),
            ["importer", "product"],
        ),
        lambda df: ref.geodep(df, import_hhi=0.3, world_hhi=0.2),
        set(),
    ),
    "eu": (
        lambda t: screens.eu_conditions(t, BLOC, -1),
        lambda df: ref.eu(df, BLOC, -1),
        set(),
    ),
    "dependencies": (
        lambda t: lev.mutual_dependencies(t, 392, 156, tau=0.3, sigma=0.1),
        lambda df: pl.concat(
            [ref.dependencies(df, 392, 156, 0.3, 0.1), ref.dependencies(df, 156, 392, 0.3, 0.1)]
        ),
        set(),
    ),
    "threshold_screen": (
        lambda t: screens.threshold_screen(
            aut.autonomy(t),
            [screens.Condition("hhi", ">", 0.5), screens.Condition("n_suppliers", "<=", 2)],
            combine="any",
        ),
        lambda df: ref.autonomy(df).with_columns(
            flagged=(pl.col("hhi") > 0.5) | (pl.col("n_suppliers") <= 2)
        ),
        set(),
    ),
}

#: Columns compared per case (the reference may carry helpers); keys come first.
COMPARE = {
    "autonomy": [
        "year",
        "importer",
        "product",
        "import_value",
        "n_suppliers",
        "top_supplier",
        "top_share",
        "hhi",
        "export_value",
        "import_export_ratio",
        "rival_value",
        "rival_share",
    ],
    "autonomy_bloc": [
        "year",
        "importer",
        "product",
        "import_value",
        "n_suppliers",
        "top_supplier",
        "hhi",
        "import_export_ratio",
    ],
    "supplier_shares": ["year", "importer", "product", "supplier", "value", "share", "rank"],
    "world_concentration": [
        "year",
        "product",
        "world_exports",
        "n_exporters",
        "world_hhi",
        "top_exporter",
        "top_share",
    ],
    "indispensability": [
        "year",
        "exporter",
        "product",
        "export_value",
        "world_share",
        "world_rank",
        "n_exporters",
        "world_hhi",
        "n_dependents",
        "dependent_value",
        "replaceability",
    ],
    "geodep": [
        "year",
        "importer",
        "product",
        "conditions_met",
        "years_met",
        "persistent",
        "world_hhi",
    ],
    "eu": [
        "year",
        "product",
        "extra_imports",
        "intra_imports",
        "extra_hhi",
        "extra_share",
        "extra_exports",
        "extra_import_export_ratio",
        "top_supplier",
        "flagged",
    ],
    "dependencies": [
        "year",
        "importer",
        "supplier",
        "product",
        "value_at_stake",
        "import_share",
        "supplier_world_share",
    ],
    "threshold_screen": ["year", "importer", "product", "flagged"],
}
KEYS = {
    "dependencies": ["year", "importer", "product"],
    "supplier_shares": ["year", "importer", "product", "supplier"],
    "world_concentration": ["year", "product"],
    "indispensability": ["year", "exporter", "product"],
    "eu": ["year", "product"],
}


def _same(name: str, got: pl.DataFrame, want: pl.DataFrame) -> None:
    keys = KEYS.get(name, ["year", "importer", "product"])
    cols = COMPARE[name]
    got, want = got.select(cols).sort(keys), want.select(cols).sort(keys)
    assert got.height == want.height, (got.height, want.height)
    assert got.height > 0
    for c in cols:
        g, w = got[c].to_list(), want[c].to_list()
        if want[c].dtype.is_float():
            for a, b in zip(g, w, strict=True):
                assert (math.isinf(a) and a == b) or math.isclose(
                    a, b, rel_tol=1e-9, abs_tol=1e-12
                ), (c, a, b)
        else:
            assert [int(x) if isinstance(x, int) else x for x in g] == w, c


@pytest.fixture(
    scope="module",
    params=[pytest.param(b, marks=pytest.mark.spark) if b == "pyspark" else b for b in BACKENDS],
)
def backend(request):
    connect, caps = BACKENDS[request.param]
    con = request.getfixturevalue("spark_con") if connect is None else connect()
    return request.param, con, caps


@pytest.mark.parametrize("case", list(CASES))
def test_backend_matches_reference(backend, case):
    name, con, caps = backend
    build, reference, needs = CASES[case]
    missing = needs - caps
    if missing:
        pytest.skip(f"the {name} backend lacks {', '.join(sorted(missing))}")
    got = con.to_polars(build(ibis.memtable(FLOWS.to_arrow())))
    _same(case, got, reference(FLOWS))
    if name == "pyspark":
        # Spark against DuckDB directly too: every column, within 1e-9.
        want = ibis.duckdb.connect(threads=1).to_polars(build(ibis.memtable(FLOWS.to_arrow())))
        keys = KEYS.get(case, ["year", "importer", "product"])
        assert got.columns == want.columns
        _same_frames(got.sort(keys), want.sort(keys))


def _same_frames(got: pl.DataFrame, want: pl.DataFrame) -> None:
    assert got.height == want.height > 0
    for c in want.columns:
        g, w = got[c].to_list(), want[c].to_list()
        if want[c].dtype.is_float():
            for a, b in zip(g, w, strict=True):
                assert (
                    (a is None and b is None)
                    or a == b
                    or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
                ), (c, a, b)
        else:
            assert g == w, c
