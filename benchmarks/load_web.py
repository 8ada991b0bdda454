"""Load test of ``econsec serve``: concurrent clients on loopback, latency percentiles.

Usage: python benchmarks/load_web.py [--home PATH] [--clients 50] [--requests 20] [--workers 2]

Starts the console script on the warehouse (the sample one by default: ``make demo``), then
``--clients`` clients each send ``--requests`` requests drawn from a mix of the dashboard's
calls (dependence, world supply, leverage, plans, scenarios, figures, reference data) over
several importers and years, so that most answers are computed, not cached. Prints one JSON
object: requests, errors (any status but 2xx, or no answer), p50/p95/p99/max in ms, and
requests per second. Not part of ``make bench`` (it measures a server, not a computation).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
IMPORTERS = ["JPN", "DEU", "USA", "KOR", "FRA", "IND", "BRA", "GBR", "ITA", "EU27"]


def urls(years: list[int], rng: random.Random) -> list[str]:
    """The request mix: one list per client, in a random order."""
    out = []
    for _ in range(400):
        imp, y = rng.choice(IMPORTERS), rng.choice(years)
        out.append(
            rng.choice(
                [
                    f"/api/v1/autonomy?importer={imp}&year={y}&rival=CHN",
                    f"/api/v1/figures/dependence?importer={imp}&year={y}&rival=CHN",
                    f"/api/v1/indispensability?year={y}&limit=500",
                    f"/api/v1/leverage?a={imp}&b=CHN&year={y}",
                    f"/api/v1/plan?importer={imp}&product=850511&year={y}&cap=0.3",
                    f"/api/v1/scenarios/ban?from=CHN&to={imp}&product=850511&year={y}",
                    "/api/v1/countries",
                    "/api/v1/health",
                ]
            )
        )
    return out


async def client(base: str, todo: list[str], n: int, lat: list[float], errors: list[str]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=120) as c:
        for url in todo[:n]:
            t0 = time.perf_counter()
            try:
                r = await c.get(url)
                if not 200 <= r.status_code < 300:
                    errors.append(f"{r.status_code} {url}")
            except httpx.HTTPError as e:
                errors.append(f"{type(e).__name__} {url}")
            lat.append(time.perf_counter() - t0)


async def load(base: str, clients: int, requests: int, years: list[int]) -> dict[str, object]:
    lat: list[float] = []
    errors: list[str] = []
    rng = random.Random(0)
    t0 = time.perf_counter()
    await asyncio.gather(
        *(client(base, urls(years, rng), requests, lat, errors) for _ in range(clients))
    )
    wall = time.perf_counter() - t0
    q = statistics.quantiles(lat, n=100)
    return {
        "clients": clients,
        "requests": len(lat),
        "errors": len(errors),
        "error_examples": errors[:5],
        "p50_ms": round(1000 * q[49]),
        "p95_ms": round(1000 * q[94]),
        "p99_ms": round(1000 * q[98]),
        "max_ms": round(1000 * max(lat)),
        "requests_per_s": round(len(lat) / wall, 1),
        "wall_s": round(wall, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", type=Path, default=ROOT / ".econsec-home")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = str(Path(sys.executable).with_name("econsec"))
    cmd = [exe, "serve", "--home", str(a.home), "--port", str(port), "--workers", str(a.workers)]
    proc = subprocess.Popen(cmd, env=os.environ.copy(), stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                health = httpx.get(base + "/api/v1/health", timeout=2).json()
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    sys.exit(proc.stderr.read() if proc.stderr else "the server stopped")
                time.sleep(0.1)
        years = [y for y in health["years"] if y >= 2017]
        res = asyncio.run(load(base, a.clients, a.requests, years))
        res.update(workers=a.workers, cpus=os.cpu_count(), releases=health["releases"])
        print(json.dumps(res))
    finally:
        proc.terminate()
        proc.wait(30)


if __name__ == "__main__":
    main()
