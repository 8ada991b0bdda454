"""Benchmark: coercion scenarios over every HS6 product of a synthetic full BACI year.

Draws a synthetic BACI-shaped year (11M flows by default; real country and product codes from
the HS17 sample zip when the data mirror is present) with
``econsec.warehouse.synth.draw_flows`` into a synthetic warehouse, or reuses the one kept in
``bench-results/scenarios-home`` from an earlier run, then times

* an export ban of every product by the largest exporter to the largest importer, and
* a coalition control (the three largest exporters stop every product to the largest
  importer, with the smallest set that must join to leave it at most 25% of world supply),

and prints one JSON line. Target: each scenario <= 15 s. Run by ``make bench``.

Usage::

    python benchmarks/bench_scenarios.py [--rows 11000000] [--threads 2] [--fresh]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH_DIR

YEAR, HS, RELEASE = 2024, "HS17", "V209901"
TARGET_S = 15.0


def _codes() -> tuple[pl.DataFrame, np.ndarray]:
    mirror = os.environ.get("ECONSEC_MIRROR") or str(
        Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    z = Path(mirror) / "baci" / f"BACI_{HS}_V202601.zip"
    if z.is_file():
        from econsec.warehouse.synth import code_tables_from_zip

        ct = code_tables_from_zip(z)
        return ct.countries, np.asarray(ct.products["code"].to_list())
    codes = np.arange(4, 4 + 4 * 220, 4, dtype=np.int64)
    countries = pl.DataFrame(
        {
            "code": codes,
            "name": [f"C{c}" for c in codes],
            "iso2": [""] * len(codes),
            "iso3": [f"X{n:02d}"[:3] if n < 100 else f"Y{n - 100:02d}" for n in range(len(codes))],
        }
    )
    rng = np.random.default_rng(0)
    prods = np.array([f"{c:06d}" for c in np.sort(rng.choice(999_999, 5000, replace=False))])
    return countries, prods


def build(home: Path, rows: int) -> float:
    """Write the synthetic year into ``home``; return seconds spent."""
    from econsec.warehouse.store import write_release_frames
    from econsec.warehouse.synth import draw_flows

    t0 = time.perf_counter()
    countries, prods = _codes()
    tbl = draw_flows(YEAR, rows, countries["code"].to_numpy().astype(np.int64), prods, seed=1)
    products = pl.DataFrame({"code": prods.tolist(), "description": [""] * len(prods)})
    write_release_frames(
        home,
        HS,
        RELEASE,
        pl.from_arrow(tbl),
        countries,
        products,  # type: ignore[arg-type]
        synthetic=True,
        source="bench_scenarios",
    )
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=11_000_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--fresh", action="store_true", help="Redraw the synthetic year.")
    a = ap.parse_args()

    import ibis

    from econsec.engine import Warehouse
    from econsec.scenarios import coalition_control, export_ban

    home = BENCH_DIR / "scenarios-home"
    meta = home / "baci" / f"hs={HS}" / f"release={RELEASE}" / "meta.json"
    built_s = 0.0
    if (
        a.fresh
        or not meta.exists()
        or (json.loads(meta.read_text())["years"][str(YEAR)]["rows"] != a.rows)
    ):
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        built_s = build(home, a.rows)

    con = ibis.duckdb.connect(threads=a.threads)
    wh = Warehouse(home, con=con, allow_synthetic=True)
    t = wh.trade(YEAR)
    exp = t.group_by("i").aggregate(v=t.v.sum()).order_by(ibis.desc("v")).limit(3).to_polars()
    imp = t.group_by("j").aggregate(v=t.v.sum()).order_by(ibis.desc("v")).limit(1).to_polars()
    n_products = int(t.k.nunique().to_pyarrow().as_py())
    chapters = sorted({p[:2] for p in wh.products()["code"].to_list()})
    cc = wh.countries()
    big = [cc.iso3_of(int(c)) for c in exp["i"].to_list()]
    target = cc.iso3_of(int(imp["j"][0]))
    if target in big:
        big.remove(target)

    t0 = time.perf_counter()
    ban = export_ban(big[0], target, YEAR, chapters, warehouse=wh)
    ban_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    coal = coalition_control(big[:3], target, YEAR, chapters, threshold=0.25, warehouse=wh)
    coal_s = time.perf_counter() - t0
    bt, ct = ban.totals(), coal.totals()
    js = coal.measures[0].join_set
    print(
        json.dumps(
            {
                "bench": "scenarios",
                "rows": a.rows,
                "products": n_products,
                "threads": a.threads,
                "build_s": round(built_s, 2),
                "ban_s": round(ban_s, 2),
                "ban_cells": ban.products().height,
                "ban_shortfall_share": round(bt["shortfall_share"], 4),
                "coalition_s": round(coal_s, 2),
                "coalition_cells": coal.products().height,
                "coalition_shortfall_share": round(ct["shortfall_share"], 4),
                "must_join": len(js.exporters) if js else None,
                "must_join_method": js.method if js else None,
                "target_s": TARGET_S,
                "ok": ban_s <= TARGET_S and coal_s <= TARGET_S,
            }
        )
    )


if __name__ == "__main__":
    main()
