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


def table(results: list[dict]) -> str:
    lines = ["| benchmark | measure | value |", "|---|---|---|"]
    for r in results:
        for k, v in r.items():
            if k in ("benchmark", "script_s") or isinstance(v, dict | list):
                continue
            lines.append(f"| {r['benchmark']} | {k} | {_fmt(v)} |")
        for k, v in (r.get("targets") or {}).items():
            lines.append(f"| {r['benchmark']} | target: {k} | {v} |")
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
