"""Propagate a scenario's shortfall through an MRIO table, and run its Monte Carlo.

The product shortfall of every measure (importer × HS6, thousand USD) is mapped to region ×
IO sector with a versioned bridge (:func:`econsec.mrio.hs_to_sectors`; countries outside the
table go to its rest-of-world region) and propagated with one LU factorisation
(:class:`econsec.mrio.Propagator`): Ghosh by default, since a missing import is lost supply to
the importing region's sector that makes the good; Leontief and inoperability on request.
Values are converted to the table's unit (``million`` in the unit: × 1e-3).

With Monte Carlo draws the shortfall of each draw is mapped by the same bridge (a sparse cell
→ row matrix) and all draws are solved at once against the one factorisation.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
import scipy.sparse as sp

from econsec.errors import DataError
from econsec.scenarios.montecarlo import (
    StopKernel,
    TariffKernel,
    interval,
    redirect_draws,
    sigma_draws,
    simulate_stop,
    simulate_tariff,
    summary_frame,
)
from econsec.scenarios.results import IOOutcome, ScenarioResult
from econsec.scenarios.spec import IOSpec, MonteCarloSpec, Scenario

if TYPE_CHECKING:
    from econsec.mrio.bridge import Bridge
    from econsec.mrio.propagate import Propagator
    from econsec.mrio.tables import MRIOTable


def unit_scale(unit: str) -> float:
    """Factor from BACI thousand USD to the table's unit (million USD unless it says thousand)."""
    u = unit.lower()
    if "thousand" in u:
        return 1.0
    if "billion" in u:
        return 1e-6
    return 1e-3


def pick_bridge(table: MRIOTable, name: str | None = None) -> Bridge:
    """Return the named bridge, or the shipped one whose sectors cover most of the table's."""
    from econsec.mrio.bridge import available_bridges, load_bridge

    if name:
        return load_bridge(name)
    secs = set(table.sectors)
    best, overlap = None, 0
    for n in available_bridges():
        b = load_bridge(n)
        k = len(secs & set(b.sectors["sector"].to_list()))
        if k > overlap:
            best, overlap = b, k
    if best is None:
        raise DataError(
            "the table's sectors match no shipped HS -> sector bridge; name one with bridge=",
            path=getattr(table, "source", None),
            field="bridge",
        )
    return best


def shortfall_cells(res: ScenarioResult) -> pl.DataFrame:
    """Every measure's cells in kernel order: ``importer_iso3, product, value`` (shortfall)."""
    frames = [
        m.products.select(
            pl.col("importer").alias("importer_iso3"), "product", pl.col("shortfall").alias("value")
        )
        for m in res.measures
    ]
    return (
        pl.concat(frames)
        if frames
        else pl.DataFrame(
            schema={"importer_iso3": pl.Utf8, "product": pl.Utf8, "value": pl.Float64}
        )
    )


def cell_matrix(cells: pl.DataFrame, table: MRIOTable, bridge: Bridge) -> sp.csr_array:
    """Sparse (rows of the table × cells) map with the bridge weights (value-conserving)."""
    regions = table.region_list()
    row = {(r, s): n for n, (r, s) in enumerate(zip(table.regions, table.sectors, strict=True))}
    lk = bridge.lookup(cells["product"].to_list())
    by_prod: dict[str, list[tuple[str, float]]] = {}
    for p, s, w in lk.select("product", "sector", "weight").iter_rows():
        by_prod.setdefault(p, []).append((s, float(w)))
    ri, ci, vals = [], [], []
    for c, (iso, p) in enumerate(cells.select("importer_iso3", "product").iter_rows()):
        reg = bridge.region(iso, regions)
        for s, w in by_prod[p]:
            if (reg, s) not in row:
                raise DataError(f"table has no row {reg}|{s}", field="sector")
            ri.append(row[(reg, s)])
            ci.append(c)
            vals.append(w)
    return sp.csr_array((vals, (ri, ci)), shape=(table.n, cells.height))


def _load_table(
    io: MRIOTable | Path | str | None, spec_io: IOSpec | None
) -> tuple[MRIOTable, IOSpec] | None:
    from econsec.mrio.tables import MRIOTable, load_table

    if io is None and spec_io is None:
        return None
    if isinstance(io, MRIOTable):
        s = spec_io or IOSpec(table=Path(io.source or io.name or "table"))
        return (io.rebalanced() if s.recompute_x else io), s
    if io is None:
        assert spec_io is not None
        s = spec_io
    else:
        s = spec_io.model_copy(update={"table": Path(io)}) if spec_io else IOSpec(table=Path(io))
    t = load_table(s.table, kind=s.kind, year=s.year)
    return (t.rebalanced() if s.recompute_x else t), s


def _io_losses(prop: Propagator, shocks: np.ndarray, model: str) -> np.ndarray:
    solver, x = prop.solver, prop.table.x
    if model == "ghosh":
        return np.asarray(solver.ghosh(shocks))
    if model == "leontief":
        return np.asarray(solver.leontief(shocks))
    rx = np.where(x != 0, 1.0 / np.where(x != 0, x, 1.0), 0.0)
    return np.asarray(x[:, None] * solver.inoperability(rx[:, None] * shocks))


def with_io_and_uncertainty(
    res: ScenarioResult,
    spec: Scenario,
    *,
    io: MRIOTable | Path | str | None = None,
    draws: int | None = None,
    seed: int | None = None,
) -> ScenarioResult:
    """Add IO propagation (when a table is given) and Monte Carlo (when draws are asked)."""
    from dataclasses import replace

    from econsec.mrio.bridge import hs_to_sectors
    from econsec.mrio.propagate import Propagator

    loaded = _load_table(io, spec.io)
    prop = bridge = scale = None
    cells = shortfall_cells(res)
    if loaded is not None:
        table, ios = loaded
        bridge = pick_bridge(table, ios.bridge)
        scale = unit_scale(table.unit)
        prop = Propagator(table)
        shock = hs_to_sectors(cells, bridge, regions=table.region_list(), scale=scale)
        pr = prop.run(shock, ios.model)
        tot = pr.totals() | {
            "bridge": bridge.name,
            "scale_from_thousand_usd": scale,
            "unit": table.unit or ("thousand USD" if scale == 1.0 else "million USD"),
        }
        if table.year is not None and int(table.year) != res.year:
            # A shortfall of one year run through another year's input-output structure.
            note = (
                f"the IO table is for {table.year} but the scenario replays {res.year}: "
                f"sectors and GDP are propagated with {table.year}'s input-output structure"
            )
            res = replace(res, notes=(*res.notes, note))
        res = replace(
            res,
            io=IOOutcome(
                model=ios.model,
                table=str(ios.table),
                bridge=bridge.name,
                totals=tot,
                by_region=pr.by_region(),
                top_sectors=pr.top(ios.top),
                shock=shock,
            ),
        )
    mc = spec.montecarlo
    if draws is not None or seed is not None:
        base = mc or MonteCarloSpec()
        upd = {k: v for k, v in (("draws", draws), ("seed", seed)) if v is not None}
        # Validated, not model_copy(update=...): the draws cap holds for every caller.
        mc = MonteCarloSpec.model_validate(base.model_dump() | upd)
    if mc is None:
        return res
    rng = np.random.default_rng(mc.seed)
    r = redirect_draws(rng, mc.draws, res.redirect, mc.redirect_range)
    rows: list[dict[str, object]] = []
    all_short, sums = [], {k: np.zeros(mc.draws) for k in ("lost_imports", "replaced", "shortfall")}
    for m in res.measures:
        k = m.kernel
        if isinstance(k, StopKernel):
            heads, short = simulate_stop(k, r)
        elif isinstance(k, TariffKernel):
            heads, short = simulate_tariff(k, sigma_draws(rng, mc.draws, k.sigma, mc.sigma_log_sd))
        else:
            continue
        all_short.append(short)
        for name, vals in heads.items():
            rows.append(interval(m.label, name, float(m.totals.get(name, np.nan)), vals))
            if name in sums:
                sums[name] += vals
    tot = res.totals()
    for name, vals in sums.items():
        rows.append(interval("all measures", name, tot[name], vals))
    if prop is not None and bridge is not None and all_short and res.io is not None:
        S = np.hstack(all_short)
        M = cell_matrix(cells, prop.table, bridge)
        loss = _io_losses(prop, np.asarray((M @ S.T) * scale), res.io.model)
        va = (
            prop.table.v
            * np.where(prop.table.x != 0, 1 / np.where(prop.table.x != 0, prop.table.x, 1.0), 0.0)
        )[:, None] * loss
        gdp = float(prop.table.v.sum())
        io_t = res.io.totals
        rows.append(interval("io", "output_loss", io_t["output_loss"], loss.sum(axis=0)))
        rows.append(interval("io", "value_added_loss", io_t["value_added_loss"], va.sum(axis=0)))
        rows.append(
            interval(
                "io",
                "world_gdp_share_lost",
                io_t["world_gdp_share_lost"],
                va.sum(axis=0) / gdp if gdp else np.zeros(mc.draws),
            )
        )
    notes = (*res.notes, f"Monte Carlo: {mc.draws} draws, seed {mc.seed}; intervals are 5–95%")
    return replace(res, uncertainty=summary_frame(rows), notes=notes)
