"""Input-output identities as pure functions on arrays (Miller & Blair 2009 notation).

Notation, as in Miller & Blair (2009) and pymrio: ``Z`` (n x n) intermediate flows, ``Y``
(n x m) final demand, ``x`` (n) gross output, ``v`` (n) value added, ``A = Z x̂⁻¹`` technical
coefficients, ``L = (I - A)⁻¹`` Leontief inverse, ``B = x̂⁻¹ Z`` allocation coefficients,
``G = (I - B)⁻¹`` Ghosh inverse. A hat denotes a diagonal matrix.

Sectors with zero gross output get zero coefficients: ``x̂⁻¹`` is taken as the pseudo-inverse
(``1/0 -> 0``), pymrio's convention. Full inverses are formed only through linear solves and
only here, for small tables and tests; large tables go through :mod:`econsec.mrio.solver`.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def recip(x: ArrayLike) -> Array:
    """Return the pseudo-inverse of x̂ as a vector: ``1/x`` where ``x != 0``, else 0."""
    xa = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(xa)
    nz = xa != 0
    out[nz] = 1.0 / xa[nz]
    return out


def calc_x(Z: ArrayLike, Y: ArrayLike) -> Array:
    """Gross output from the row balance: ``x = Z 1 + Y 1``."""
    Ya = np.asarray(Y, dtype=np.float64)
    y = Ya.sum(axis=1) if Ya.ndim == 2 else Ya
    return np.asarray(Z, dtype=np.float64).sum(axis=1) + y


def calc_v(Z: ArrayLike, x: ArrayLike) -> Array:
    """Value added from the column balance: ``vᵀ = xᵀ - 1ᵀ Z``.

    This is total primary input (value added plus taxes less subsidies on products and, in
    tables that carry them separately, imports from outside the system), the residual that
    closes each column.
    """
    return np.asarray(x, dtype=np.float64) - np.asarray(Z, dtype=np.float64).sum(axis=0)


def calc_A(Z: ArrayLike, x: ArrayLike) -> Array:
    """Technical coefficients: ``A = Z x̂⁻¹`` (column j divided by ``x_j``)."""
    return np.asarray(Z, dtype=np.float64) * recip(x)[np.newaxis, :]


def calc_B(Z: ArrayLike, x: ArrayLike) -> Array:
    """Allocation (output) coefficients: ``B = x̂⁻¹ Z`` (row i divided by ``x_i``)."""
    return np.asarray(Z, dtype=np.float64) * recip(x)[:, np.newaxis]


def calc_A_star(A: ArrayLike, x: ArrayLike) -> Array:
    """Interdependency matrix of the inoperability model: ``A* = x̂⁻¹ A x̂``.

    With ``A = Z x̂⁻¹`` this equals ``B`` on sectors with positive output (Santos & Haimes 2004;
    Dietzenbacher & Miller 2015).
    """
    xa = np.asarray(x, dtype=np.float64)
    return recip(xa)[:, np.newaxis] * np.asarray(A, dtype=np.float64) * xa[np.newaxis, :]


def calc_L(A: ArrayLike) -> Array:
    """Leontief inverse ``L = (I - A)⁻¹``, from ``(I - A) L = I`` by an LU solve.

    Use on small tables only; it forms the full n x n inverse.
    """
    Aa = np.asarray(A, dtype=np.float64)
    eye = np.eye(Aa.shape[0])
    return np.asarray(sla.solve(eye - Aa, eye), dtype=np.float64)


def calc_G(B: ArrayLike) -> Array:
    """Ghosh inverse ``G = (I - B)⁻¹``, from ``(I - B) G = I`` by an LU solve.

    Use on small tables only; it forms the full n x n inverse.
    """
    return calc_L(B)


def calc_G_from_L(L: ArrayLike, x: ArrayLike) -> Array:
    """Ghosh inverse from the Leontief inverse: ``G = x̂⁻¹ L x̂`` (sectors with output > 0)."""
    xa = np.asarray(x, dtype=np.float64)
    return recip(xa)[:, np.newaxis] * np.asarray(L, dtype=np.float64) * xa[np.newaxis, :]


def output_multipliers(L: ArrayLike) -> Array:
    """Leontief (simple) output multipliers, the column sums ``mᵀ = 1ᵀ L``."""
    return np.asarray(L, dtype=np.float64).sum(axis=0)


def input_multipliers(G: ArrayLike) -> Array:
    """Ghosh input multipliers, the row sums ``g = G 1``."""
    return np.asarray(G, dtype=np.float64).sum(axis=1)


def leontief_dx(L: ArrayLike, dy: ArrayLike) -> Array:
    """Demand-driven output change: ``Δx = L Δy``."""
    return np.asarray(L, dtype=np.float64) @ np.asarray(dy, dtype=np.float64)


def ghosh_dx(G: ArrayLike, dv: ArrayLike) -> Array:
    """Supply-driven output change: ``Δxᵀ = Δvᵀ G``."""
    return np.asarray(dv, dtype=np.float64) @ np.asarray(G, dtype=np.float64)


def inoperability(A_star: ArrayLike, c_star: ArrayLike) -> Array:
    """Inoperability ``q = (I - A*)⁻¹ c*``, solved as ``(I - A*) q = c*`` (small tables)."""
    Aa = np.asarray(A_star, dtype=np.float64)
    return np.asarray(
        sla.solve(np.eye(Aa.shape[0]) - Aa, np.asarray(c_star, dtype=np.float64)),
        dtype=np.float64,
    )


def row_residual(Z: ArrayLike, Y: ArrayLike, x: ArrayLike) -> Array:
    """Row balance residual ``r = x - Z 1 - Y 1``; zero for a balanced table."""
    return np.asarray(x, dtype=np.float64) - calc_x(Z, Y)


def column_sums_A(A: ArrayLike) -> Array:
    """Column sums ``1ᵀ A``; all below 1 makes ``A`` productive (``L`` exists and is ≥ 0)."""
    return np.asarray(A, dtype=np.float64).sum(axis=0)
