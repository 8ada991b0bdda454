"""Benchmark: the same autonomy + indispensability year on local Spark beside DuckDB.

Writes one synthetic BACI-shaped year (``bench_metrics.synthetic_year``; 2M flows by default
so local Spark fits in its driver memory) as a synthetic warehouse, then times, each in a
fresh process on ``--threads`` cores,

* DuckDB: ``econsec.analysis.autonomy`` + ``indispensability`` for everything;
* Spark ``local[threads]``: the same calls with ``engine="pyspark"``, JVM start-up timed
  separately from the queries.

Both results are compared (same rows). Prints one JSON line. Local Spark on 2 cores is not
where Spark pays: this measures its overhead, not a speed-up (see the README's scale plan).

Usage::

    python benchmarks/bench_spark.py [--rows 2000000] [--threads 2] [--driver-memory 3g]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import run_child
from bench_metrics import YEAR, synthetic_year, write_warehouse

CHILD = """
import json, os, time
t0 = time.perf_counter()
from econsec import analysis
from econsec.engine import Warehouse, connect
engine = {engine!r}
if engine == "pyspark":
    from econsec import spark
    con = spark.connect_session(
        spark.start_session("local[{threads}]", conf={{
            "spark.driver.memory": {mem!r},
            "spark.default.parallelism": "{threads}",
            "spark.sql.shuffle.partitions": "{threads}",
        }})
    )
else:
    import ibis
    con = ibis.duckdb.connect(threads={threads})
wh = Warehouse({home!r}, con=con, allow_synthetic=True)
ready = time.perf_counter()
a = analysis.autonomy(year={year}, warehouse=wh).to_polars()
i = analysis.indispensability(year={year}, warehouse=wh).to_polars()
done = time.perf_counter()
print(json.dumps({{"start_s": round(ready - t0, 3), "query_s": round(done - ready, 3),
    "autonomy_rows": a.height, "indispensability_rows": i.height,
    "autonomy_value": float(a["import_value"].sum())}}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--driver-memory", default="3g")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        write_warehouse(home, {YEAR: synthetic_year(args.rows, 5000, 220, YEAR, 7)})
        res = {}
        for engine in ("duckdb", "pyspark"):
            code = CHILD.format(
                engine=engine,
                threads=args.threads,
                mem=args.driver_memory,
                home=str(home),
                year=YEAR,
            )
            res[engine] = run_child(code)
    d, s = res["duckdb"], res["pyspark"]
    same = all(d[k] == s[k] for k in ("autonomy_rows", "indispensability_rows"))
    same = same and abs(d["autonomy_value"] - s["autonomy_value"]) <= 1e-9 * d["autonomy_value"]
    print(
        json.dumps(
            {
                "benchmark": "spark",
                "rows": args.rows,
                "threads": args.threads,
                "duckdb_s": d["query_s"],
                "spark_start_s": s["start_s"],
                "spark_query_s": s["query_s"],
                "spark_overhead_x": round(s["query_s"] / d["query_s"], 1),
                "same_results": same,
            }
        )
    )


if __name__ == "__main__":
    main()
