r"""Flow summaries accumulated over chunks of flows held as numpy arrays.

The same two aggregates as :mod:`econsec.metrics.summary` (markets per importer × product,
sellers per exporter × product), for flows whose exporter *e*, importer *m* and product *k*
are dense indices: ``0 <= e, m < C`` and ``0 <= k < K``, indices ordered as the codes they
stand for. Each (m, k) and (e, k) is a slot of a flat array of :math:`C K` entries, so every
aggregate is an unbuffered scatter-add or scatter-max into the running arrays
(``numpy.add.at``, ``numpy.maximum.at``), with no hashing; the accumulator takes the flows
in chunks (a Parquet row group at a time), and two accumulators merge, so chunks can also be
summed apart.

For a market :math:`(m, k)`:
:math:`M_{mk} = \sum_e x_{emk}`, :math:`n_{mk}`, :math:`\sum_e x_{emk}^2`,
:math:`x^{max}_{mk} = \max_e x_{emk}` and its supplier (ties: the lower index);
for a seller :math:`(e, k)`: :math:`S_{ek} = \sum_m x_{emk}`. Countries index both sides
alike, so a market's slot is also its importer's seller slot.
Every flow must be unique per (e, m, k), as BACI's are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Largest number of slots (countries × products) an accumulator allocates: about 60 bytes
#: a slot, so 20M slots are 1.2 GB. A full BACI release has about 1.3M.
MAX_SLOTS = 20_000_000


@dataclass
class SummaryArrays:
    """Running markets and sellers aggregates of flows coded ``0 <= e, m < C``, ``0 <= k < K``."""

    n_countries: int
    n_products: int
    total: np.ndarray = field(init=False, repr=False)
    n: np.ndarray = field(init=False, repr=False)
    sum_sq: np.ndarray = field(init=False, repr=False)
    vmax: np.ndarray = field(init=False, repr=False)
    top: np.ndarray = field(init=False, repr=False)
    sales: np.ndarray = field(init=False, repr=False)
    sold: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        slots = self.slots
        if slots > MAX_SLOTS:
            raise ValueError(f"{slots:,} slots: more than MAX_SLOTS ({MAX_SLOTS:,})")
        self.total = np.zeros(slots)
        self.n = np.zeros(slots, np.int64)
        self.sum_sq = np.zeros(slots)
        self.vmax = np.full(slots, -np.inf)
        # No supplier yet: the sentinel C, above every index, so any flow's index is lower.
        self.top = np.full(slots, self.n_countries, np.int32)
        self.sales = np.zeros(slots)
        self.sold = np.zeros(slots, bool)

    @property
    def slots(self) -> int:
        """Number of slots of each array: countries × products."""
        return self.n_countries * self.n_products

    def add(self, e: np.ndarray, m: np.ndarray, k: np.ndarray, x: np.ndarray) -> None:
        """Add flows: exporter, importer and product indices (integer arrays) and values."""
        self.add_keyed(*self.keys(e, m, k), e, x)

    def keys(self, e: np.ndarray, m: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the flows' market and seller slots, :math:`mK + k` and :math:`eK + k`.

        A pure function of the flows, so it can run where the flows are read, off the thread
        that sums them.
        """
        market = m.astype(np.int64)
        market *= self.n_products
        market += k
        seller = e.astype(np.int64)
        seller *= self.n_products
        seller += k
        return market, seller

    def add_keyed(
        self, market: np.ndarray, seller: np.ndarray, e: np.ndarray, x: np.ndarray
    ) -> None:
        """Add flows by their slots (:meth:`keys`), exporter indices and values."""
        np.add.at(self.total, market, x)
        np.add.at(self.n, market, 1)
        np.add.at(self.sum_sq, market, x * x)
        # Only flows at least as large as their market's largest so far can be its largest.
        cand = np.flatnonzero(x >= self.vmax[market])
        key_c, x_c = market[cand], x[cand]
        before = self.vmax[key_c]
        np.maximum.at(self.vmax, key_c, x_c)
        after = self.vmax[key_c]
        # A market whose largest flow grew in this chunk drops its supplier; then every flow
        # equal to the largest competes, the lower index winning (earlier chunks' included).
        self.top[key_c[after > before]] = self.n_countries
        at_max = x_c == after
        np.minimum.at(self.top, key_c[at_max], e[cand[at_max]].astype(np.int32))
        np.add.at(self.sales, seller, x)
        self.sold[seller] = True

    def merge(self, other: SummaryArrays) -> None:
        """Add another accumulator's flows (the same countries and products) to this one."""
        if (other.n_countries, other.n_products) != (self.n_countries, self.n_products):
            raise ValueError("accumulators of different countries or products")
        self.total += other.total
        self.n += other.n
        self.sum_sq += other.sum_sq
        self.sales += other.sales
        self.sold |= other.sold
        self.top = np.where(
            other.vmax > self.vmax,
            other.top,
            np.where(other.vmax < self.vmax, self.top, np.minimum(self.top, other.top)),
        )
        np.maximum(self.vmax, other.vmax, out=self.vmax)

    def markets(self) -> dict[str, np.ndarray]:
        """Return the markets with a flow, by (m, k).

        Columns ``m, k, total, n, sum_sq, vmax, top`` and ``own_exports``, the importer's
        own sales of the product :math:`S_{mk}` (its seller slot is the market's slot).
        """
        slot = np.flatnonzero(self.n)
        m, k = np.divmod(slot, self.n_products)
        return {
            "m": m,
            "k": k,
            "total": self.total[slot],
            "n": self.n[slot],
            "sum_sq": self.sum_sq[slot],
            "vmax": self.vmax[slot],
            "top": self.top[slot],
            "own_exports": self.sales[slot],
        }

    def sellers(self) -> dict[str, np.ndarray]:
        """Return the exporter × product pairs with a flow, by (e, k): ``e, k, S, world_rank``.

        ``world_rank``: see :func:`ranks_desc`, among the product's exporters.
        """
        slot = np.flatnonzero(self.sold)
        e, k = np.divmod(slot, self.n_products)
        # One row per product, exporters without a flow at -inf (below every seller).
        grid = np.where(self.sold, self.sales, -np.inf).reshape(-1, self.n_products)
        ranks = ranks_desc(np.ascontiguousarray(grid.T))
        return {"e": e, "k": k, "S": self.sales[slot], "world_rank": ranks[k, e]}

    def world(self) -> dict[str, np.ndarray]:
        r"""Return each product with a seller, by k, with its totals over its exporters.

        Columns ``k``, ``W`` :math:`\sum_e S_{ek}`, ``n_exporters``, ``sum_sq``
        :math:`\sum_e S_{ek}^2` and ``Smax`` :math:`\max_e S_{ek}`. Summed over the sellers
        in slot order, one fixed order, so the totals are the same on every run.
        """
        slot = np.flatnonzero(self.sold)
        k = slot % self.n_products
        s = self.sales[slot]
        n = np.bincount(k, minlength=self.n_products)
        smax = np.full(self.n_products, -np.inf)
        np.maximum.at(smax, k, s)
        held = np.flatnonzero(n)
        return {
            "k": held,
            "W": np.bincount(k, weights=s, minlength=self.n_products)[held],
            "n_exporters": n[held].astype(np.int64),
            "sum_sq": np.bincount(k, weights=s * s, minlength=self.n_products)[held],
            "Smax": smax[held],
        }


def ranks_desc(grid: np.ndarray) -> np.ndarray:
    """Rank of each value within its row, largest first: 1 + the number of larger values.

    Equal values share the lower rank (SQL ``RANK() OVER (PARTITION BY row ORDER BY value
    DESC)``). Rows are sorted independently (a product's exporters are a few hundred), which
    is several times faster than one sort of every (row, value) pair. Returned as int32, the
    shape of ``grid``.
    """
    order = np.argsort(-grid, axis=1)
    ordered = np.take_along_axis(grid, order, axis=1)
    pos = np.broadcast_to(np.arange(grid.shape[1]), grid.shape)
    tie_start = np.ones(grid.shape, bool)
    tie_start[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    run_start = np.maximum.accumulate(np.where(tie_start, pos, 0), axis=1)
    ranks = np.empty(grid.shape, np.int32)
    np.put_along_axis(ranks, order, (run_start + 1).astype(np.int32), axis=1)
    return ranks
