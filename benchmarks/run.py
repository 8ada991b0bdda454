"""Run every benchmark script, save the results and refresh the README's benchmark table.

Usage: python benchmarks/run.py [--only ingest,metrics] [--no-readme] [--rows N]
Each ``bench_*.py`` prints one JSON object on its last line; ratios are against baselines
measured in the same run, so they compare across machines better than seconds do.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def run_one(script: Path, extra: list[str]) -> dict:
    t0 = time.perf_counter()
    p = subprocess.run(
        [sys.executable, str(script), *extra], capture_output=True, text=True, check=False, cwd=ROOT
    )
    if p.returncode != 0:
        return {"benchmark": script.stem.removeprefix("bench_"), "error": p.stderr[-2000:]}
    lines = [ln for ln in p.stdout.strip().splitlines() if ln.startswith("{")]
    res = json.loads(lines[-1]) if lines else {"error": "no JSON output"}
    res.setdefault("benchmark", script.stem.removeprefix("bench_"))
    res["script_s"] = round(time.perf_counter() - t0, 1)
    return res


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:,.3g}" if abs(v) < 100 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _s(x: object) -> str:
    return "–" if x is None else f"{float(x):.2f} s"  # type: ignore[arg-type]


def _x(x: object) -> str:
    return "–" if x is None else f"{float(x):.1f}×"  # type: ignore[arg-type]


def _mb(x: object) -> str:
    return "–" if x is None else f"{float(x):,.0f} MB"  # type: ignore[arg-type]


def headline(r: dict) -> list[tuple[str, str, str, str, str, str]]:
    """Rows ``(job, econsec, baseline, ratio, peak memory, target)`` for one benchmark."""
    name = str(r.get("benchmark", ""))
    g = r.get
    if "error" in r:
        return [(name, "failed", "", "", "", str(r["error"])[-120:].replace("\n", " "))]
    if name == "ingest":
        return [
            (
                "ingest: 11M-row yearly CSV → Parquet",
                _s(g("csv_econsec_s")),
                f"pandas {_s(g('csv_baseline_s'))}",
                _x(g("csv_speedup_vs_pandas")),
                _mb(g("econsec_peak_mb")),
                "≥ 3× pandas, < 1.5 GB",
            ),
            (
                "ingest: release zip (same year)",
                _s(g("zip_econsec_s")),
                f"pandas {_s(g('zip_baseline_s'))}",
                _x(g("zip_speedup_vs_pandas")),
                _mb(g("zip_econsec_peak_mb")),
                "(inflate-bound)",
            ),
        ]
    if name == "metrics":
        return [
            (
                "autonomy + indispensability, full synthetic year",
                _s(g("econsec_s")),
                f"pandas {_s(g('pandas_s'))}",
                _x(g("speedup_vs_pandas")),
                _mb(g("econsec_peak_mb")),
                "≤ 10 s on 2 cores, ≥ 5×",
            )
        ]
    if name == "spark":
        return [
            (
                f"local Spark ({g('threads')} cores): autonomy + indispensability, "
                f"{g('rows'):,} synthetic flows",
                f"{_s(g('spark_query_s'))} (+ {_s(g('spark_start_s'))} start)",
                f"DuckDB {_s(g('duckdb_s'))}",
                f"{g('spark_overhead_x')}× slower",
                "–",
                "same results" if g("same_results") else "RESULTS DIFFER",
            )
        ]
    if name.startswith("mrio"):
        return [
            (
                "IO: factorise 3,600 sectors + one shock",
                f"{_s(g('factorise_s'))} + {_s(g('ghosh_shock_s'))}",
                f"pymrio calc_all {_s(g('pymrio_calc_all_s'))}",
                _x(g("speedup_per_scenario")) + " per scenario",
                "–",
                "≤ 20 s, ≤ 1 s per shock, ≥ 5×",
            )
        ]
    if name.startswith("plan"):
        return [
            (
                f"plans for every product of {g('basket')}, one importer",
                _s(g("plan_s")),
                "–",
                "–",
                "–",
                "≤ 10 s",
            )
        ]
    if name.startswith("scenario"):
        return [
            ("scenario: ban over every HS6 product", _s(g("ban_s")), "–", "–", "–", "≤ 15 s"),
            (
                "scenario: coalition control + who must join",
                _s(g("coalition_s")),
                "–",
                "–",
                "–",
                "≤ 15 s",
            ),
        ]
    return [(name, _s(g("seconds")), "–", "–", "–", "–")]


def table(results: list[dict]) -> str:
    lines = [
        "| job | econsec | baseline (same run) | ratio | peak memory | target |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines += ["| " + " | ".join(row) + " |" for row in headline(r)]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    ap.add_argument("--no-readme", action="store_true")
    args = ap.parse_args()
    only = {s for s in args.only.split(",") if s}
    scripts = sorted(HERE.glob("bench_*.py"))
    results = []
    for s in scripts:
        name = s.stem.removeprefix("bench_")
        if only and name not in only:
            continue
        print(f"running {name} …", file=sys.stderr, flush=True)
        r = run_one(s, [])
        print(json.dumps(r), flush=True)
        results.append(r)
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    machine = f"{platform.machine()}, {platform.python_version()}, {_cpus()} CPUs"
    (out / "results.json").write_text(
        json.dumps({"machine": machine, "results": results}, indent=2)
    )
    md = f"Measured on {machine} with `make bench` ({time.strftime('%Y-%m-%d')}).\n\n" + table(
        results
    )
    print(md)
    if not args.no_readme and not only:
        readme = ROOT / "README.md"
        text = readme.read_text()
        if START in text and END in text:
            a, b = text.index(START) + len(START), text.index(END)
            readme.write_text(text[:a] + "\n" + md + "\n" + text[b:])


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    main()
