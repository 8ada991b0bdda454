"""Benchmark: autonomy + indispensability for every importer, exporter and product of one year.

Generates a synthetic BACI-shaped year (about 11M flows, 5,000 HS6 products, 220 countries)
with numpy/pyarrow straight into a synthetic warehouse, then times

* ``econsec.analysis.autonomy`` + ``econsec.analysis.indispensability`` for everything
  (DuckDB, ``--threads`` threads, 2 by default), and
* an equivalent pandas groupby computation of the same columns from the same Parquet file,

and prints one JSON line of results. Run by ``make bench``; not part of the test suite.

Usage::

    python benchmarks/bench_metrics.py [--rows 11000000] [--threads 2] [--years 1] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

YEAR = 2024
HS = "HS17"
RELEASE = "V209901"


def synthetic_year(
    rows: int, n_products: int, n_countries: int, year: int, seed: int
) -> pa.Table:
    """A BACI-shaped year: unique (i, j, k) flows, skewed exporter and importer sizes."""
    rng = np.random.default_rng(seed)
    codes = np.sort(rng.choice(np.arange(4, 900), n_countries, replace=False)).astype(np.int16)
    # Zipf-like country sizes give realistic concentration (a few large suppliers per product).
    w_exp = 1.0 / np.arange(1, n_countries + 1) ** 1.1
    w_imp = 1.0 / np.arange(1, n_countries + 1) ** 0.8
    rng.shuffle(w_exp)
    rng.shuffle(w_imp)
    w_exp /= w_exp.sum()
    w_imp /= w_imp.sum()
    keys: np.ndarray = np.empty(0, dtype=np.int64)
    while keys.size < rows:
        n = int((rows - keys.size) * 1.3) + 1000
        k = rng.integers(0, n_products, n, dtype=np.int64)
        i = rng.choice(n_countries, n, p=w_exp).astype(np.int64)
        j = rng.choice(n_countries, n, p=w_imp).astype(np.int64)
        ok = i != j
        new = (k[ok] * n_countries + i[ok]) * n_countries + j[ok]
        keys = np.unique(np.concatenate([keys, new]))
    keys = rng.permutation(keys)[:rows]
    j_idx = keys % n_countries
    i_idx = (keys // n_countries) % n_countries
    k_idx = keys // (n_countries * n_countries)
    v = np.round(rng.lognormal(3.0, 2.5, rows) * (1 + 50 * w_exp[i_idx]), 3)
    v = np.maximum(v, 0.001)
    q = np.where(rng.random(rows) < 0.1, np.nan, v * rng.lognormal(0, 1, rows))
    product_codes = pa.array([f"{c:06d}" for c in rng.choice(999_999, n_products, replace=False)])
    k_col = pa.DictionaryArray.from_arrays(pa.array(k_idx.astype(np.int32)), product_codes)
    return pa.table(
        {
            "t": pa.array(np.full(rows, year, dtype=np.int16)),
            "i": pa.array(codes[i_idx]),
            "j": pa.array(codes[j_idx]),
            "k": k_col.cast(pa.string()),
            "v": pa.array(v),
            "q": pa.array(q, from_pandas=True),
        }
    )


def write_warehouse(home: Path, tables: dict[int, pa.Table]) -> Path:
    """Lay the synthetic years out as a synthetic warehouse release."""
    import polars as pl

    from econsec.warehouse.schema import TRADE_SCHEMA, release_dir
    from econsec.warehouse.store import PARQUET_OPTS, write_meta

    rel = release_dir(home, HS, RELEASE)
    years = {}
    for y, tbl in tables.items():
        d = rel / f"year={y}"
        d.mkdir(parents=True, exist_ok=True)
        pq.write_table(tbl.cast(TRADE_SCHEMA), d / "part-0.parquet", **PARQUET_OPTS)
        years[str(y)] = {"rows": tbl.num_rows, "rejects": 0, "source": "synthetic"}
    first = next(iter(tables.values()))
    codes = sorted(set(first.column("i").to_pylist()) | set(first.column("j").to_pylist()))
    pl.DataFrame(
        {
            "code": pl.Series(codes, dtype=pl.Int16),
            "name": [f"Country {c}" for c in codes],
            "iso2": [f"{c:03d}"[:2] for c in codes],
            "iso3": [f"X{c:03d}"[-3:] if c >= 100 else f"X{c:02d}" for c in codes],
        }
    ).write_parquet(rel / "countries.parquet")
    prods = sorted(set(first.column("k").unique().to_pylist()))
    pl.DataFrame({"code": prods, "description": [""] * len(prods)}).write_parquet(
        rel / "products.parquet"
    )
    write_meta(rel, {"hs": HS, "release": RELEASE, "synthetic": True, "source": "benchmark",
                     "years": years})
    return rel


def pandas_baseline(path: Path, threshold: float = 0.5, r: float = 0.2) -> dict[str, int]:
    """The same autonomy and indispensability columns with pandas groupbys."""
    import pandas as pd

    df = pd.read_parquet(path, columns=["t", "i", "j", "k", "v"])
    imp_keys = ["t", "j", "k"]
    exp_keys = ["t", "i", "k"]
    g = df.groupby(imp_keys, sort=False)["v"]
    df["M"] = g.transform("sum")
    df["share"] = df["v"] / df["M"]
    df["rank"] = g.rank(method="first", ascending=False)
    aut = df.groupby(imp_keys, sort=False).agg(
        import_value=("v", "sum"), n_suppliers=("v", "size"), top_share=("share", "max"),
        hhi=("share", lambda s: float((s * s).sum())),
    )
    top = df.loc[df["rank"] == 1, [*imp_keys, "i"]].set_index(imp_keys)["i"]
    aut["top_supplier"] = top
    exp = df.groupby(exp_keys, sort=False)["v"].sum().rename("X").reset_index()
    aut = aut.reset_index().merge(
        exp.rename(columns={"i": "j"}), on=["t", "j", "k"], how="left"
    )
    aut["import_export_ratio"] = aut["import_value"] / aut["X"].fillna(0.0)

    world = exp.groupby(["t", "k"], sort=False)["X"].agg(W="sum").reset_index()
    df = df.merge(exp, on=exp_keys).merge(world, on=["t", "k"])
    df["cap"] = r * (df["W"] - df["X"] - df["M"] + df["v"])
    df["covered"] = np.minimum(df["v"], df["cap"])
    df["dep"] = df["share"] >= threshold
    df["dep_v"] = df["v"].where(df["dep"], 0.0)
    ind = df.groupby(exp_keys, sort=False).agg(
        export_value=("v", "sum"), n_dependents=("dep", "sum"), dependent_value=("dep_v", "sum"),
        covered=("covered", "sum"), X=("X", "first"), W=("W", "first"),
    ).reset_index()
    ind["world_share"] = ind["export_value"] / ind["W"]
    ind["world_rank"] = ind.groupby(["t", "k"])["export_value"].rank(method="min", ascending=False)
    hhi = (ind["world_share"] ** 2).groupby([ind["t"], ind["k"]]).transform("sum")
    ind["world_hhi"] = hhi
    pool = r * (ind["W"] - ind["X"])
    ind["replaceability"] = np.minimum(ind["covered"], pool) / ind["export_value"]
    return {"autonomy_rows": len(aut), "indispensability_rows": len(ind)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=11_000_000)
    ap.add_argument("--products", type=int, default=5_000)
    ap.add_argument("--countries", type=int, default=220)
    ap.add_argument("--years", type=int, default=1, help="synthetic years to time (all metrics)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline")
    ap.add_argument("--keep", type=Path, default=None, help="warehouse folder to keep")
    args = ap.parse_args(argv)

    os.environ.setdefault("POLARS_MAX_THREADS", str(args.threads))
    import ibis

    from econsec import analysis
    from econsec.engine import Warehouse

    home = args.keep or Path(tempfile.mkdtemp(prefix="econsec-bench-"))
    try:
        t0 = time.perf_counter()
        years = list(range(YEAR - args.years + 1, YEAR + 1))
        tables = {
            y: synthetic_year(args.rows, args.products, args.countries, y, seed=y) for y in years
        }
        write_warehouse(home, tables)
        del tables
        gen_s = time.perf_counter() - t0

        con = ibis.duckdb.connect(threads=args.threads)
        wh = Warehouse(home, con=con, allow_synthetic=True)

        t0 = time.perf_counter()
        aut = analysis.autonomy(year=YEAR, warehouse=wh)
        autonomy_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        ind = analysis.indispensability(year=YEAR, warehouse=wh)
        indisp_s = time.perf_counter() - t0
        econsec_s = autonomy_s + indisp_s

        result: dict[str, object] = {
            "benchmark": "autonomy+indispensability, one synthetic year",
            "rows": args.rows,
            "products": args.products,
            "countries": args.countries,
            "threads": args.threads,
            "generate_s": round(gen_s, 2),
            "autonomy_s": round(autonomy_s, 2),
            "indispensability_s": round(indisp_s, 2),
            "econsec_s": round(econsec_s, 2),
            "autonomy_rows": aut.to_polars().height,
            "indispensability_rows": ind.to_polars().height,
        }
        if args.years > 1:
            t0 = time.perf_counter()
            analysis.autonomy_trend(warehouse=wh)
            analysis.indispensability_trend(warehouse=wh)
            analysis.screen_geodep(YEAR, warehouse=wh)
            result["years"] = args.years
            result["all_years_s"] = round(time.perf_counter() - t0, 2)
        if not args.no_pandas:
            path = home / "baci" / f"hs={HS}" / f"release={RELEASE}" / f"year={YEAR}"
            t0 = time.perf_counter()
            pandas_baseline(path / "part-0.parquet")
            pandas_s = time.perf_counter() - t0
            result["pandas_s"] = round(pandas_s, 2)
            result["speedup"] = round(pandas_s / econsec_s, 1)
        result["max_rss_mb"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0
        )
        sys.stdout.write(json.dumps(result) + "\n")
    finally:
        if args.keep is None:
            shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
