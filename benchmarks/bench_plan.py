"""Benchmark: plans for every product of a basket for one importer on a synthetic full year.

Draws a BACI-shaped year (11M flows, 5,000 HS6 codes including the basket's, 220 countries
including Japan and China) with :func:`econsec.warehouse.synth.draw_flows` into a synthetic
warehouse, then times ``econsec.plan.plan("JPN", basket=..., rival="CHN")`` (one LP per
product, infeasible ones diagnosed) and prints one JSON line. Target: at most 10 s.

Usage::

    python benchmarks/bench_plan.py [--rows 11000000] [--basket jp-espa] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

YEAR = 2024
TARGET_S = 10.0


def country_table(codes: np.ndarray):
    import polars as pl

    real = {392: ("Japan", "JP", "JPN"), 156: ("China", "CN", "CHN")}
    rows = [
        (int(c), *real.get(int(c), (f"Country {c}", f"{c:03d}"[:2], f"X{c:03d}"[-3:])))
        for c in codes
    ]
    return pl.DataFrame(rows, schema=["code", "name", "iso2", "iso3"], orient="row")


def build(home: Path, rows: int, basket: str, seed: int = 0) -> int:
    import polars as pl

    from econsec.baskets import basket_codes
    from econsec.warehouse.store import write_release_frames
    from econsec.warehouse.synth import draw_flows

    rng = np.random.default_rng(seed)
    others = np.setdiff1d(np.arange(4, 900), [156, 392])
    countries = np.sort(np.concatenate([[156, 392], rng.choice(others, 218, replace=False)]))
    codes = basket_codes(basket, "HS17")
    filler = [f"{c:06d}" for c in rng.choice(np.arange(10_000, 999_999), 6_000, replace=False)]
    products = np.array(list(dict.fromkeys([*codes, *filler]))[:5_000])
    tbl = draw_flows(YEAR, rows, countries, products, seed=seed)
    write_release_frames(
        home,
        "HS17",
        "V209901",
        pl.from_arrow(tbl),
        country_table(countries),
        synthetic=True,
        source="benchmark",
    )
    return len(codes)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=11_000_000)
    ap.add_argument("--basket", default="jp-espa")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, help="warehouse folder to keep")
    args = ap.parse_args(argv)

    import ibis

    from econsec.engine import Warehouse
    from econsec.plan import plan

    home = args.keep or Path(tempfile.mkdtemp(prefix="econsec-bench-plan-"))
    try:
        t0 = time.perf_counter()
        n_codes = build(home, args.rows, args.basket)
        gen_s = time.perf_counter() - t0
        wh = Warehouse(home, con=ibis.duckdb.connect(threads=args.threads), allow_synthetic=True)
        t0 = time.perf_counter()
        res = plan(
            "JPN",
            basket=args.basket,
            year=YEAR,
            rival="CHN",
            cap=0.5,
            strategy="diversify",
            warehouse=wh,
        )
        plan_s = time.perf_counter() - t0
        plans = res.plans
        result = {
            "benchmark": "plan: every product of a basket, one importer, one synthetic year",
            "rows": args.rows,
            "basket": args.basket,
            "basket_codes": n_codes,
            "products_planned": int((plans["status"] != "no imports").sum()),
            "feasible": int(plans["feasible"].fill_null(False).sum()),
            "threads": args.threads,
            "generate_s": round(gen_s, 2),
            "plan_s": round(plan_s, 2),
            "target_s": TARGET_S,
            "ok": plan_s <= TARGET_S,
            "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
        }
        sys.stdout.write(json.dumps(result) + "\n")
    finally:
        if args.keep is None:
            shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
