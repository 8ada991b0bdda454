"""Small MRIO tables built by the MRIO tests (imported as a plain module)."""

from __future__ import annotations

import numpy as np

from econsec.mrio.tables import MRIOTable

#: Miller & Blair (2009), Input-Output Analysis, 2nd ed., ch. 2, section 2.3: the two-sector
#: numerical example (Table 2.3): Z = [[150, 500], [200, 100]], x = [1000, 2000],
#: final demand f = [350, 1700].
MB_Z = np.array([[150.0, 500.0], [200.0, 100.0]])
MB_X = np.array([1000.0, 2000.0])
MB_Y = np.array([[350.0], [1700.0]])


def mb_table(x: np.ndarray | None = None) -> MRIOTable:
    return MRIOTable(
        Z=MB_Z.copy(),
        Y=MB_Y.copy(),
        x=MB_X.copy() if x is None else x,
        regions=("R", "R"),
        sectors=("s1", "s2"),
        fd_labels=(("R", "f"),),
        unit="USD",
        source="Miller & Blair 2009, Table 2.3",
        name="mb2",
        sector_names={"s1": "sector 1", "s2": "sector 2"},
    )


def random_table(n_regions: int, n_sectors: int, seed: int, *, zero_rows: int = 0) -> MRIOTable:
    """A balanced, productive table: A with column sums < 0.9, y ≥ 0, x = L y, Z = A x̂."""
    rng = np.random.default_rng(seed)
    n = n_regions * n_sectors
    A = rng.random((n, n)) * (rng.random((n, n)) < 0.6)
    A *= rng.uniform(0.1, 0.9, n) / np.maximum(A.sum(axis=0), 1e-12)
    Y = rng.uniform(0.0, 100.0, (n, n_regions))
    if zero_rows:
        dead = rng.choice(n, zero_rows, replace=False)
        A[dead, :] = 0.0
        A[:, dead] = 0.0
        Y[dead, :] = 0.0
    x = np.linalg.solve(np.eye(n) - A, Y.sum(axis=1))
    Z = A * x[np.newaxis, :]
    regions = tuple(f"R{i}" for i in range(n_regions) for _ in range(n_sectors))
    sectors = tuple(f"s{j}" for _ in range(n_regions) for j in range(n_sectors))
    return MRIOTable(
        Z=Z,
        Y=Y,
        x=x,
        regions=regions,
        sectors=sectors,
        fd_labels=tuple((f"R{i}", "hh") for i in range(n_regions)),
        unit="M USD",
        source="random test table",
    )
