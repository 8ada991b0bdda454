"""Benchmark: autonomy + indispensability for every importer, exporter and product of one year.

Generates a synthetic BACI-shaped year (about 11M flows, 5,000 HS6 products, 220 countries)
with numpy/pyarrow straight into a synthetic warehouse, then times

* ``econsec.analysis.autonomy`` + ``econsec.analysis.indispensability`` for everything
  (DuckDB, ``--threads`` threads, 2 by default), and
* an equivalent pandas groupby computation of the same columns from the same Parquet file,

each in a fresh process pinned to ``--threads`` cores, and prints one JSON line of results.
With ``--years N`` (e.g. 30) it also times autonomy and indispensability for each of the N
synthetic years and the GeoDep screen of the last one, and reports peak memory. Run by
``make bench``; not part of the test suite.

Usage::

    python benchmarks/bench_metrics.py [--rows 11000000] [--threads 2] [--years 1] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
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


def synthetic_year(rows: int, n_products: int, n_countries: int, year: int, seed: int) -> pa.Table:
    """A BACI-shaped year: unique (i, j, k) flows sorted like BACI, skewed country sizes.

    Each product draws its flows without replacement (Gumbel top-k) from exporter and importer
    weights: Zipf-like country sizes with product-specific noise, so every product has its own
    few dominant suppliers, as in real trade.
    """
    rng = np.random.default_rng(seed)
    c = n_countries
    codes = np.sort(rng.choice(np.arange(4, 900), c, replace=False)).astype(np.int16)
    size_e = -1.1 * np.log(np.arange(1, c + 1))
    size_m = -0.8 * np.log(np.arange(1, c + 1))
    rng.shuffle(size_e)
    rng.shuffle(size_m)
    # Flows per product: skewed around rows / n_products, at most every off-diagonal pair.
    n_k = rng.lognormal(0.0, 0.6, n_products)
    n_k = np.minimum(np.maximum(1, n_k / n_k.sum() * rows), c * (c - 1)).astype(np.int64)
    n_k[np.argmax(n_k)] += rows - n_k.sum()
    off = ~np.eye(c, dtype=bool).ravel()
    keys, logv = [], []
    chunk = 64
    for k0 in range(0, n_products, chunk):
        ks = np.arange(k0, min(k0 + chunk, n_products))
        le = size_e[None, :] + rng.normal(0.0, 1.5, (ks.size, c))
        score = (le[:, :, None] + size_m[None, None, :]).reshape(ks.size, c * c)
        g = score + rng.gumbel(size=score.shape)
        g[:, ~off] = -np.inf
        for r, k in enumerate(ks):
            top = np.argpartition(g[r], -n_k[k])[-n_k[k] :]
            keys.append(top * n_products + k)
            logv.append(le[r, top // c])
    key = np.concatenate(keys)
    lv = np.concatenate(logv)
    order = np.argsort(key, kind="stable")  # (i, j, k) order, as BACI files are sorted
    key, lv = key[order], lv[order]
    k_idx = key % n_products
    pair = key // n_products
    i_idx, j_idx = pair // c, pair % c
    v = np.round(np.exp(3.0 + lv + rng.normal(0.0, 1.5, key.size)), 3)
    v = np.maximum(v, 0.001)
    q = np.where(rng.random(key.size) < 0.1, np.nan, v * rng.lognormal(0, 1, key.size))
    product_codes = pa.array(
        [f"{p:06d}" for p in np.sort(rng.choice(999_999, n_products, replace=False))]
    )
    k_col = pa.DictionaryArray.from_arrays(pa.array(k_idx.astype(np.int32)), product_codes)
    return pa.table(
        {
            "t": pa.array(np.full(key.size, year, dtype=np.int16)),
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
    write_meta(
        rel,
        {"hs": HS, "release": RELEASE, "synthetic": True, "source": "benchmark", "years": years},
    )
    return rel


def pandas_baseline(
    path: Path, countries: Path, threshold: float = 0.5, r: float = 0.2
) -> dict[str, int]:
    """The same autonomy and indispensability frames with vectorised pandas groupbys.

    Like the API: ISO3 country codes, rows sorted by year, country code and product.
    """
    import pandas as pd

    iso3 = pd.read_parquet(countries).set_index("code")["iso3"]
    df = pd.read_parquet(path, columns=["t", "i", "j", "k", "v"])
    imp_keys = ["t", "j", "k"]
    exp_keys = ["t", "i", "k"]
    df["M"] = df.groupby(imp_keys, sort=False)["v"].transform("sum")
    df["share"] = df["v"] / df["M"]
    df["s2"] = df["share"] * df["share"]
    g = df.groupby(imp_keys, sort=False)
    aut = g.agg(
        import_value=("v", "sum"),
        n_suppliers=("v", "size"),
        top_share=("share", "max"),
        hhi=("s2", "sum"),
    )
    # Rows are sorted by exporter, so idxmax's first maximum is the lowest supplier code.
    aut["top_supplier"] = df.loc[g["v"].idxmax().to_numpy(), "i"].to_numpy()
    exp = df.groupby(exp_keys, sort=False)["v"].sum().rename("X").reset_index()
    aut = aut.reset_index().merge(exp.rename(columns={"i": "j"}), on=["t", "j", "k"], how="left")
    x = aut["X"].fillna(0.0)
    aut["import_export_ratio"] = np.where(x == 0, np.inf, aut["import_value"] / x)

    world = exp.groupby(["t", "k"], sort=False)["X"].agg(W="sum").reset_index()
    df = df.merge(exp, on=exp_keys).merge(world, on=["t", "k"])
    df["cap"] = np.maximum(r * (df["W"] - df["X"] - df["M"] + df["v"]), 0.0)
    df["covered"] = np.minimum(df["v"], df["cap"])
    df["dep"] = df["share"] >= threshold
    df["dep_v"] = df["v"].where(df["dep"], 0.0)
    ind = (
        df.groupby(exp_keys, sort=False)
        .agg(
            export_value=("v", "sum"),
            n_dependents=("dep", "sum"),
            dependent_value=("dep_v", "sum"),
            covered=("covered", "sum"),
            W=("W", "first"),
        )
        .reset_index()
    )
    ind["world_share"] = ind["export_value"] / ind["W"]
    ind["world_rank"] = ind.groupby(["t", "k"])["export_value"].rank(method="min", ascending=False)
    ind["w2"] = ind["world_share"] ** 2
    ind["world_hhi"] = ind.groupby(["t", "k"])["w2"].transform("sum")
    pool = r * (ind["W"] - ind["export_value"])
    ind["replaceability"] = np.minimum(ind["covered"], pool) / ind["export_value"]
    aut = aut.sort_values(["t", "j", "k"])
    ind = ind.sort_values(["t", "k", "world_rank", "i"])
    for frame, cols in ((aut, ["j", "top_supplier"]), (ind, ["i"])):
        for c in cols:
            frame[c] = frame[c].map(iso3)
    return {"autonomy_rows": len(aut), "indispensability_rows": len(ind)}


def _pin(threads: int) -> None:
    """Run on ``threads`` cores (DuckDB, polars and, where possible, the OS scheduler)."""
    os.environ["POLARS_MAX_THREADS"] = str(threads)
    if hasattr(os, "sched_getaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) > threads:
            os.sched_setaffinity(0, cpus[:threads])


def _peak_mb() -> float:
    # VmHWM belongs to this process image; ru_maxrss would also carry the peak of the
    # parent that generated the data (Linux keeps it across fork and exec).
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child_econsec(home: Path, threads: int, years: int) -> dict[str, object]:
    """Time autonomy and indispensability for everything (and, over several years, all)."""
    _pin(threads)
    import ibis

    from econsec import analysis
    from econsec.engine import Warehouse

    wh = Warehouse(home, con=ibis.duckdb.connect(threads=threads), allow_synthetic=True)
    out: dict[str, object] = {}
    # Warm up (lazy imports, first compilation) on one product, as pandas is imported first.
    one = wh.products()["code"][0]
    analysis.autonomy(year=YEAR, products=[one], warehouse=wh)
    analysis.indispensability(year=YEAR, products=[one], warehouse=wh)
    t0 = time.perf_counter()
    aut = analysis.autonomy(year=YEAR, warehouse=wh)
    out["autonomy_s"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    ind = analysis.indispensability(year=YEAR, warehouse=wh)
    out["indispensability_s"] = round(time.perf_counter() - t0, 2)
    out["econsec_s"] = round(float(out["autonomy_s"]) + float(out["indispensability_s"]), 2)
    out["autonomy_rows"] = len(aut)
    out["indispensability_rows"] = len(ind)
    out["econsec_peak_mb"] = _peak_mb()
    if years > 1:
        # Every metric for every year, one year at a time (results dropped), then the GeoDep
        # screen of the last year with persistence over its neighbours.
        t0 = time.perf_counter()
        for y in wh.years():
            analysis.autonomy(year=y, warehouse=wh)
            analysis.indispensability(year=y, warehouse=wh)
        analysis.screen_geodep(year=YEAR, warehouse=wh)
        out["all_metrics_all_years_s"] = round(time.perf_counter() - t0, 1)
        out["all_years_peak_mb"] = _peak_mb()
    return out


def child_pandas(home: Path, threads: int) -> dict[str, object]:
    """Time the pandas baseline on the same Parquet file."""
    _pin(threads)
    import pandas  # noqa: F401  (imported before timing, as econsec is warmed up)

    rel = home / "baci" / f"hs={HS}" / f"release={RELEASE}"
    t0 = time.perf_counter()
    pandas_baseline(rel / f"year={YEAR}" / "part-0.parquet", rel / "countries.parquet")
    return {"pandas_s": round(time.perf_counter() - t0, 2), "pandas_peak_mb": _peak_mb()}


def _run_child(*args: str) -> dict[str, object]:
    p = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if p.returncode != 0:
        raise RuntimeError(f"benchmark child {args} failed:\n{p.stderr[-3000:]}")
    result: dict[str, object] = json.loads(p.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=11_000_000)
    ap.add_argument("--products", type=int, default=5_000)
    ap.add_argument("--countries", type=int, default=220)
    ap.add_argument("--years", type=int, default=1, help="synthetic years (>1: all metrics)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline")
    ap.add_argument("--keep", type=Path, default=None, help="warehouse folder to keep/reuse")
    ap.add_argument("--child", choices=["econsec", "pandas"], help=argparse.SUPPRESS)
    ap.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child == "econsec":
        sys.stdout.write(json.dumps(child_econsec(args.home, args.threads, args.years)) + "\n")
        return 0
    if args.child == "pandas":
        sys.stdout.write(json.dumps(child_pandas(args.home, args.threads)) + "\n")
        return 0

    home = args.keep or Path(tempfile.mkdtemp(prefix="econsec-bench-"))
    try:
        t0 = time.perf_counter()
        years = list(range(YEAR - args.years + 1, YEAR + 1))
        if not (home / "baci").exists():
            tables = {
                y: synthetic_year(args.rows, args.products, args.countries, y, seed=y)
                for y in years
            }
            write_warehouse(home, tables)
            del tables
        gen_s = time.perf_counter() - t0
        result: dict[str, object] = {
            "benchmark": "metrics",
            "job": "autonomy + indispensability, every importer, exporter and product",
            "rows": args.rows,
            "products": args.products,
            "countries": args.countries,
            "threads": args.threads,
            "generate_s": round(gen_s, 1),
        }
        common = ["--home", str(home), "--threads", str(args.threads)]
        result.update(_run_child("--child", "econsec", "--years", str(args.years), *common))
        if not args.no_pandas:
            result.update(_run_child("--child", "pandas", *common))
            result["speedup_vs_pandas"] = round(
                float(result["pandas_s"]) / float(result["econsec_s"]), 1
            )
        targets = {"econsec_s": "<= 10 (2 cores)", "speedup_vs_pandas": ">= 5"}
        if args.years > 1:
            result["years"] = args.years
            targets["all_metrics_all_years_s"] = "<= 300 (30 years)"
            targets["all_years_peak_mb"] = "< 4096"
        result["targets"] = targets
        sys.stdout.write(json.dumps(result) + "\n")
    finally:
        if args.keep is None:
            shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
