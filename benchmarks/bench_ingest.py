"""Ingest a synthetic full-size BACI year; compare with pandas read_csv + to_parquet.

Usage: python benchmarks/bench_ingest.py [--rows 11000000]
Prints one JSON line: rows per second, peak memory, and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH_DIR, peak_rss_child, run_child


def synth_zip(rows: int, year: int = 2024) -> Path:
    """Generate (once) a synthetic release zip with one year of ``rows`` rows."""
    out = BENCH_DIR / f"synth-{rows}"
    hits = list(out.glob("BACI_*.zip"))
    if hits:
        return hits[0]
    from econsec.cli.data import code_tables
    from econsec.warehouse.synth import write_synthetic_release

    return write_synthetic_release(out, code_tables(None), [year], rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=11_000_000)
    args = ap.parse_args()
    z = synth_zip(args.rows)
    home = BENCH_DIR / "home-ingest"
    shutil.rmtree(home, ignore_errors=True)
    ours = run_child(
        peak_rss_child(
            "from econsec.warehouse.ingest import ingest_baci\n"
            f"r = ingest_baci({str(z)!r}, home={str(home)!r}, force=True)\n"
            "assert r.rows > 0 and r.rejects == 0, r.summary()\n"
        )
    )
    base_out = BENCH_DIR / "baseline.parquet"
    base = run_child(
        peak_rss_child(
            "import zipfile, pandas as pd\n"
            f"z = zipfile.ZipFile({str(z)!r})\n"
            "m = [n for n in z.namelist() if '_Y' in n][0]\n"
            "df = pd.read_csv(z.open(m), dtype={'k': str})\n"
            f"df.to_parquet({str(base_out)!r})\n"
        )
    )
    shutil.rmtree(home, ignore_errors=True)
    base_out.unlink(missing_ok=True)
    res = {
        "benchmark": "ingest",
        "rows": args.rows,
        "econsec_s": ours["inner_s"],
        "econsec_peak_mb": ours["self_peak_rss_mb"],
        "baseline_s": base["inner_s"],
        "baseline_peak_mb": base["self_peak_rss_mb"],
        "rows_per_s": round(args.rows / ours["inner_s"]),
        "speedup_vs_pandas": round(base["inner_s"] / ours["inner_s"], 2),
        "targets": {"speedup_vs_pandas": ">= 3", "econsec_peak_mb": "< 1536"},
    }
    print(json.dumps(res))


if __name__ == "__main__":
    main()
