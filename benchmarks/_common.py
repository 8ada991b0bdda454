"""Helpers shared by the benchmark scripts: child-process timing with peak memory."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(
    os.environ.get("ECONSEC_BENCH_DIR", Path(__file__).resolve().parents[1] / "bench-results")
)


def run_child(code: str, env: dict[str, str] | None = None) -> dict[str, float]:
    """Run Python code in a fresh process; return wall seconds and its peak RSS in MB.

    The child prints a JSON object on its last line, merged into the result.
    """
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    p = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{p.stderr[-3000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out: dict[str, float] = {"wall_s": round(wall, 3)}
    # ru_maxrss of children is the max over all children so far: only trust it when it grew.
    out["peak_rss_mb"] = round(max(peak, before) / 1024, 1) if peak > before else float("nan")
    last = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else "{}"
    out.update(json.loads(last))
    return out


def peak_rss_child(code: str, setup: str = "") -> str:
    """Wrap child code so it reports its own wall and CPU time and peak RSS.

    ``setup`` (imports) runs before the clock starts, so both sides of a comparison are timed
    on their work, not on loading their libraries.
    """
    return (
        "import json, resource, time\n"
        + setup
        + "\n_t0, _c0 = time.perf_counter(), time.process_time()\n"
        + code
        + "\n_hwm = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM:')]\n"
        # VmHWM is this image's own peak; ru_maxrss also carries the parent's (fork + exec).
        "_peak = int(_hwm[0].split()[1]) if _hwm else "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(json.dumps({'inner_s': round(time.perf_counter() - _t0, 3), "
        # CPU seconds of all the child's threads: the figure to compare on a loaded machine.
        "'inner_cpu_s': round(time.process_time() - _c0, 3), "
        "'self_peak_rss_mb': round(_peak / 1024, 1)}))"
    )


def touch_memory(gib: float) -> float:
    """Write ``gib`` GiB of fresh memory once, then free it; return the seconds it took.

    On virtual machines whose memory the host backs on first touch, a process's first use of
    memory no process used before is very slow (here about 2 s a GiB, against 0.07 s once
    touched): whichever contestant ran first would pay it. Touching it once before any
    timing puts every contestant on the same footing. Capped at half the machine's memory.
    """
    import ctypes

    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    n = int(min(gib * 2**30, total / 2))
    if n <= 0:
        return 0.0
    t0 = time.perf_counter()
    buf = bytearray(n)
    ctypes.memset((ctypes.c_char * n).from_buffer(buf), 1, n)
    del buf
    return round(time.perf_counter() - t0, 1)
