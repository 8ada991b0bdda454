"""Run every benchmark script, save the results and refresh the README's benchmark table.

Usage: python benchmarks/run.py [--only ingest,metrics] [--no-readme] [--rows N]
Each ``bench_*.py`` prints one JSON object on its last line; ratios are against baselines
measured in the same run, so they compare across machines better than seconds do. With
``--only``, the README's rows of the other benchmarks are kept as they were and the line above
the table says which rows were refreshed, when, and with how many rows.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


#: Scripts that take ``--rows`` (the size of the synthetic year).
TAKES_ROWS = frozenset({"ingest", "metrics", "plan", "scenarios", "years"})
#: First words of each benchmark's README rows (to keep the others' rows on ``--only``).
ROW_PREFIXES = {
    "ingest": ("ingest",),
    "metrics": (
        "autonomy",
        "indispensability",
        "`econsec autonomy",
        "the same",
    ),
    "years": ("every metric of",),
    "mrio": ("IO:",),
    "plan": ("plans",),
    "scenarios": ("scenario",),
}
COLUMNS = ("job", "econsec", "baseline (same run)", "ratio", "engine limit (same run)")
COLUMNS += ("peak memory", "target")


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
    # Two decimals, trailing zeros dropped: 0.96× must not read as parity (1.0×).
    return "–" if x is None else f"{float(x):.2f}".rstrip("0").rstrip(".") + "×"  # type: ignore[arg-type]


def _s_cpu(wall: object, cpu: object) -> str:
    return _s(wall) if cpu is None else f"{_s(wall)} ({float(cpu):.2f} s CPU)"  # type: ignore[arg-type]


def _x_cpu(wall: object, cpu: object) -> str:
    return _x(wall) if cpu is None else f"{_x(wall)} wall; {_x(cpu)} CPU"


def _mb(x: object) -> str:
    return "–" if x is None else f"{float(x):,.0f} MB"  # type: ignore[arg-type]


def _years_row(r: dict) -> list[tuple[str, ...]]:
    g = r.get
    return [
        (
            f"every metric of {g('years')} synthetic years + GeoDep, cold",
            _s(g("all_metrics_all_years_s")),
            "–",
            "–",
            "–",
            _mb(g("all_years_peak_mb")),
            "< 60 s, < 4 GB",
        )
    ]


def headline(r: dict) -> list[tuple[str, ...]]:
    """Rows of :data:`COLUMNS` for one benchmark."""
    rows = _headline(r)
    # The engine-limit column is filled by the metrics rows only.
    return [row if len(row) == len(COLUMNS) else (*row[:4], "–", *row[4:]) for row in rows]


def _headline(r: dict) -> list[tuple[str, ...]]:
    name = str(r.get("benchmark", ""))
    g = r.get
    if "error" in r:
        return [(name, "failed", "", "", "", str(r["error"])[-120:].replace("\n", " "))]
    if name == "ingest":
        return [
            (
                "ingest: 11M-row yearly CSV → Parquet",
                _s_cpu(g("csv_econsec_s"), g("csv_econsec_cpu_s")),
                f"pandas {_s_cpu(g('csv_baseline_s'), g('csv_baseline_cpu_s'))}",
                _x_cpu(g("csv_speedup_vs_pandas"), g("csv_cpu_speedup_vs_pandas")),
                _mb(g("econsec_peak_mb")),
                "≥ 3× pandas, < 1.5 GB",
            ),
            (
                "ingest: release zip (same year)",
                _s_cpu(g("zip_econsec_s"), g("zip_econsec_cpu_s")),
                f"pandas {_s_cpu(g('zip_baseline_s'), g('zip_baseline_cpu_s'))}",
                _x_cpu(g("zip_speedup_vs_pandas"), g("zip_cpu_speedup_vs_pandas")),
                _mb(g("zip_econsec_peak_mb")),
                "≥ 2.5× pandas",
            ),
        ]
    if name == "metrics":
        # Ratios of wall seconds, then of CPU seconds (all threads), measured side by side.
        # "cold": the first queries of a year (its flow summary computed, as after an ingest);
        # "warm": every later query (the summary held).
        rows = f"{int(g('rows', 0)):,}-row synthetic year"

        def sql(prefix: str) -> str:
            wall, cpu = g(f"sql_{prefix}s"), g(f"sql_{prefix}cpu_s")
            key = prefix or "econsec_"
            ratio = _x_cpu(g(f"{key}vs_sql"), g(f"{key}cpu_vs_sql"))
            return f"SQL {_s_cpu(wall, cpu)}; econsec/SQL {ratio}"

        def vs(pre: str, tail: str = "") -> str:
            def one(base: str) -> str:
                wall = _x(g(f"{pre}speedup_vs_{base}{tail}"))
                return f"{base}: {wall} wall, {_x(g(f'{pre}cpu_speedup_vs_{base}{tail}'))} CPU"

            return f"{one('pandas')}; {one('polars')}"

        def pv(a: str, b: str) -> str:
            pandas = _s_cpu(g(a + "_s"), g(a + "_cpu_s"))
            return f"pandas {pandas}; polars {_s_cpu(g(b + '_s'), g(b + '_cpu_s'))}"

        out = [
            (
                f"autonomy + indispensability, {rows}, in process, cold",
                _s_cpu(g("econsec_s"), g("econsec_cpu_s")),
                pv("pandas", "polars"),
                vs(""),
                sql(""),
                _mb(g("econsec_peak_mb")),
                "≥ 5× pandas, ≥ 1× polars, ≤ 1.3× SQL, < 1 GB",
            ),
            (
                "the same, warm (summary held)",
                _s_cpu(g("warm_econsec_s"), g("warm_econsec_cpu_s")),
                "as above",
                vs("warm_"),
                "–",
                "–",
                "≥ 5× pandas, ≥ 1× polars",
            ),
            (
                "autonomy alone, in process, cold",
                _s_cpu(g("autonomy_s"), g("autonomy_cpu_s")),
                "–",
                "–",
                sql("autonomy_"),
                "–",
                "≤ 1.3× SQL",
            ),
            (
                "indispensability alone, in process, cold",
                _s_cpu(g("indispensability_s"), g("indispensability_cpu_s")),
                "–",
                "–",
                sql("indispensability_"),
                "–",
                "≤ 1.3× SQL",
            ),
            (
                "`econsec autonomy` + `econsec indispensability -f csv`, fresh processes, cold",
                _s_cpu(g("cli_s"), g("cli_cpu_s")),
                pv("pandas_script", "polars_script") + " (scripts)",
                vs("cli_", "_script"),
                "–",
                "–",
                "≥ 5× pandas, ≥ 1× polars",
            ),
            (
                "the same two commands, warm",
                _s_cpu(g("warm_cli_s"), g("warm_cli_cpu_s")),
                "as above",
                vs("warm_cli_", "_script"),
                "–",
                "–",
                "≥ 5× pandas, ≥ 1× polars",
            ),
        ]
        if g("all_metrics_all_years_s") is not None:
            out.extend(_years_row(r))
        return out
    if name == "years":
        return _years_row(r)
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


def table(results: list[dict], kept: list[str] | None = None) -> str:
    """The README table: ``kept`` rows (from an earlier run) first, then the new results."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += kept or []
    for r in results:
        lines += ["| " + " | ".join(row) + " |" for row in headline(r)]
    return "\n".join(lines)


def kept_rows(text: str, refreshed: set[str]) -> list[str]:
    """README table rows of benchmarks not re-run, widened to :data:`COLUMNS`."""
    prefixes = tuple(p for name in refreshed for p in ROW_PREFIXES.get(name, (name,)))
    out = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| ") or cells[0] in ("job", "") or set(cells[0]) <= {"-"}:
            continue
        if cells[0].startswith(prefixes):
            continue
        if len(cells) == len(COLUMNS) - 1:  # a table from before the engine-limit column
            cells.insert(4, "–")
        out.append("| " + " | ".join(cells) + " |")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    ap.add_argument("--no-readme", action="store_true")
    ap.add_argument("--rows", type=int, default=None, help="rows of the synthetic year")
    ap.add_argument(
        "--touch-memory",
        type=float,
        default=8.0,
        help="GiB of memory written once before any timing (0: none); see _common.touch_memory",
    )
    args = ap.parse_args()
    only = {s for s in args.only.split(",") if s}
    sys.path.insert(0, str(HERE))
    from _common import touch_memory

    touched = touch_memory(args.touch_memory)
    print(f"touched {args.touch_memory:g} GiB of memory in {touched} s", file=sys.stderr)
    scripts = sorted(HERE.glob("bench_*.py"))
    results = []
    ran_scripts: list[str] = []  # script names, as --only and ROW_PREFIXES know them
    for s in scripts:
        name = s.stem.removeprefix("bench_")
        if only and name not in only:
            continue
        print(f"running {name} …", file=sys.stderr, flush=True)
        extra = ["--rows", str(args.rows)] if args.rows and name in TAKES_ROWS else []
        r = run_one(s, extra)
        print(json.dumps(r), flush=True)
        results.append(r)
        ran_scripts.append(name)
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    machine = f"{platform.machine()}, {platform.python_version()}, {_cpus()} CPUs"
    (out / "results.json").write_text(
        json.dumps({"machine": machine, "results": results}, indent=2)
    )
    readme = ROOT / "README.md"
    text = readme.read_text()
    has_table = START in text and END in text
    a, b = (text.index(START) + len(START), text.index(END)) if has_table else (0, 0)
    day = time.strftime("%Y-%m-%d")
    size = f", {args.rows:,} rows per synthetic year" if args.rows else ""
    if only:
        ran = ", ".join(ran_scripts)
        cmd = f"python benchmarks/run.py --only {args.only}" + (
            f" --rows {args.rows}" if args.rows else ""
        )
        head = (
            f"{_previous_head(text[a:b])}\n\nRows of {ran} measured again on {machine} "
            f"with `{cmd}` ({day}){size}."
        )
        md = head + "\n\n" + table(results, kept_rows(text[a:b], set(ran_scripts)))
    else:
        md = f"Measured on {machine} with `make bench` ({day}){size}.\n\n" + table(results)
    print(md)
    if not args.no_readme and has_table:
        readme.write_text(text[:a] + "\n" + md + "\n" + text[b:])


def _previous_head(block: str) -> str:
    """The lines above the table (where and when the kept rows were measured)."""
    paragraphs = []
    for p in re.split(r"\n\s*\n", block.strip()):
        lines = [ln.strip() for ln in p.splitlines() if ln.strip()]
        text = "\n".join(ln for ln in lines if not ln.startswith("|"))
        if text:
            paragraphs.append(text)
    # Paragraphs kept as written, each once (a repeated partial run adds no copy of its line).
    return "\n\n".join(dict.fromkeys(paragraphs)) or "Measured with `make bench`."


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    main()
