"""Benchmark: shock propagation on a synthetic MRIO of OECD ICIO size (3,600 sectors).

Builds a synthetic table of 80 regions x 45 sectors with the structure of real MRIOs —
dense domestic blocks, sparse foreign blocks, column sums of A between 0.25 and 0.75 (so
``I - A`` is column diagonally dominant) — then times, in the same run:

* econsec: one LU factorisation of ``I - A`` (the flavour ``auto`` picks, and the other one),
  then each further shock (Ghosh and Leontief solves);
* pymrio: ``IOSystem.calc_all()`` on the same Z and Y (x, A and the dense inverse L), plus the
  product ``L Δy`` — what a scenario costs when the system is recomputed per scenario.

Prints one JSON line. Run by ``make bench``; not part of the test suite.

Usage::

    python benchmarks/bench_mrio.py [--regions 80] [--sectors 45] [--shocks 20] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd


def synthetic_mrio(n_regions: int, n_sectors: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Z (n x n) and Y (n x n_regions) of a balanced, productive synthetic MRIO."""
    rng = np.random.default_rng(seed)
    n = n_regions * n_sectors
    region = np.repeat(np.arange(n_regions), n_sectors)
    domestic = region[:, None] == region[None, :]
    # real tables: domestic blocks nearly full, foreign blocks a few percent filled
    mask = np.where(domestic, rng.random((n, n)) < 0.7, rng.random((n, n)) < 0.03)
    A = rng.lognormal(0.0, 1.5, (n, n)) * mask
    A[domestic] *= 8.0  # most intermediate inputs are bought at home
    A *= rng.uniform(0.25, 0.75, n) / A.sum(axis=0)
    Y = rng.lognormal(3.0, 1.0, (n, n_regions)) * (rng.random((n, n_regions)) < 0.5)
    Y[np.arange(n), region] += rng.lognormal(5.0, 1.0, n)  # home bias of final demand
    x = np.linalg.solve(np.eye(n) - A, Y.sum(axis=1))
    return A * x[None, :], Y


def _time(f, *args, **kwargs):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = f(*args, **kwargs)
    return time.perf_counter() - t0, out


def main(argv: list[str] | None = None) -> dict[str, object]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--regions", type=int, default=80)
    p.add_argument("--sectors", type=int, default=45)
    p.add_argument("--shocks", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    import pymrio

    from econsec.mrio.solver import LeontiefSolver

    t_build, (Z, Y) = _time(synthetic_mrio, args.regions, args.sectors, args.seed)
    n = Z.shape[0]
    x = Z.sum(axis=1) + Y.sum(axis=1)
    density = float(np.count_nonzero(Z)) / n**2
    rng = np.random.default_rng(args.seed + 1)
    shocks = [
        np.where(rng.random(n) < 0.01, rng.random(n) * 100.0, 0.0) for _ in range(args.shocks)
    ]

    t_factor, solver = _time(LeontiefSolver, Z, x)
    other = "sparse" if solver.method == "dense" else "dense"
    t_factor_other, solver_other = _time(LeontiefSolver, Z, x, method=other)

    def each_shock(s: LeontiefSolver) -> tuple[float, float]:
        t0 = time.perf_counter()
        for d in shocks:
            s.ghosh(d)
        t1 = time.perf_counter()
        for d in shocks:
            s.leontief(d)
        t2 = time.perf_counter()
        return (t1 - t0) / len(shocks), (t2 - t1) / len(shocks)

    t_ghosh, t_leontief = each_shock(solver)
    t_ghosh_o, t_leontief_o = each_shock(solver_other)
    dx_ours = solver.leontief(shocks[0])

    labels = pd.MultiIndex.from_arrays(
        [
            np.repeat([f"R{r}" for r in range(args.regions)], args.sectors),
            np.tile([f"S{s}" for s in range(args.sectors)], args.regions),
        ],
        names=["region", "sector"],
    )
    fd = pd.MultiIndex.from_arrays(
        [[f"R{r}" for r in range(args.regions)], ["hh"] * args.regions],
        names=["region", "category"],
    )
    io = pymrio.IOSystem(
        Z=pd.DataFrame(Z, index=labels, columns=labels), Y=pd.DataFrame(Y, index=labels, columns=fd)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_pymrio_calc_all, _ = _time(io.calc_all)
    t_pymrio_apply, dx_pymrio = _time(lambda: io.L.to_numpy() @ shocks[0])
    agree = float(np.max(np.abs(dx_pymrio - dx_ours)) / max(1.0, np.abs(dx_ours).max()))
    t_pymrio_scenario = t_pymrio_calc_all + t_pymrio_apply

    ours_per_shock = max(t_ghosh, t_leontief)
    result: dict[str, object] = {
        "benchmark": "mrio_propagation",
        "n_sectors": n,
        "density_Z": round(density, 4),
        "build_s": round(t_build, 3),
        "method": solver.method,
        "factorise_s": round(t_factor, 3),
        "ghosh_shock_s": round(t_ghosh, 5),
        "leontief_shock_s": round(t_leontief, 5),
        f"{other}_factorise_s": round(t_factor_other, 3),
        f"{other}_ghosh_shock_s": round(t_ghosh_o, 5),
        f"{other}_leontief_shock_s": round(t_leontief_o, 5),
        "pymrio_calc_all_s": round(t_pymrio_calc_all, 3),
        "pymrio_scenario_s": round(t_pymrio_scenario, 3),
        # a scenario after the first: pymrio recomputes the system, econsec solves once
        "speedup_per_scenario": round(t_pymrio_scenario / ours_per_shock, 1),
        # the very first scenario, econsec's factorisation included
        "speedup_first_scenario": round(t_pymrio_scenario / (t_factor + ours_per_shock), 2),
        "max_rel_diff_vs_pymrio": agree,
        "targets": {"factorise_s": 20.0, "shock_s": 1.0, "speedup_per_scenario": 5.0},
        "pass": bool(
            t_factor <= 20.0
            and ours_per_shock <= 1.0
            and t_pymrio_scenario / ours_per_shock >= 5.0
            and agree < 1e-8
        ),
    }
    sys.stdout.write(json.dumps(result) + "\n")
    return result


if __name__ == "__main__":
    main()
