"""Benchmark: every metric of thirty synthetic years plus the GeoDep screen, from cold.

Generates ``--years`` BACI-shaped years (the last one as :mod:`bench_metrics` makes it, about
11M flows; earlier years are that year with every value moved by its own noise, written one
at a time), then times, in one fresh process pinned to ``--threads`` cores, autonomy and
indispensability for every importer, exporter and product of each year in turn (each
year's flow summary computed on the way, results dropped) and the GeoDep screen of the last
year with its persistence over the earlier ones, and reports the process's peak memory.
Targets: under 60 s and 4 GB for thirty years. Run by ``make bench``; not part of the test
suite. Where the time goes is in the docstring of :mod:`bench_metrics`.

Usage::

    python benchmarks/bench_years.py [--years 30] [--rows 11000000] [--threads 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import touch_memory  # noqa: E402
from bench_metrics import generate, run_child  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", type=int, default=30)
    ap.add_argument("--rows", type=int, default=11_000_000)
    ap.add_argument("--products", type=int, default=5_000)
    ap.add_argument("--countries", type=int, default=220)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, help="warehouse folder to keep/reuse")
    ap.add_argument(
        "--touch-memory", type=float, default=8.0, help="GiB written once before timing (0: none)"
    )
    args = ap.parse_args(argv)
    touch_memory(args.touch_memory)
    home = args.keep or Path(tempfile.mkdtemp(prefix="econsec-bench-years-"))
    try:
        t0 = time.perf_counter()
        if not (home / "baci").exists():
            generate(home, args.years, args.rows, args.products, args.countries)
        gen_s = round(time.perf_counter() - t0, 1)
        times = run_child("--child", "years", "--home", str(home), "--threads", str(args.threads))
        result = {
            "benchmark": "years",
            "years": args.years,
            "rows": args.rows,
            "threads": args.threads,
            "generate_s": gen_s,
            **times,
            "targets": {"all_metrics_all_years_s": "< 60", "all_years_peak_mb": "< 4096"},
        }
        sys.stdout.write(json.dumps(result) + "\n")
    finally:
        if args.keep is None:
            shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
