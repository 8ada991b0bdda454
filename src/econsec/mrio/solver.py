"""One LU factorisation of ``I - A``, then cheap solves per shock.

Every model here is a linear solve against the same matrix, so one factorisation serves
Leontief, Ghosh and inoperability shocks and both multiplier vectors:

* Leontief: ``(I - A) Δx = Δy``.
* Ghosh: ``G = (I - B)⁻¹`` and ``I - B = x̂⁻¹ (I - A) x̂`` on sectors with output, so
  ``Δxᵀ = Δvᵀ G`` is ``(I - A)ᵀ w = x̂⁻¹ Δv`` with ``Δx = x̂ w`` (a transposed solve).
* Inoperability: ``(I - A*) q = c*`` with ``A* = x̂⁻¹ A x̂`` is ``(I - A) (x̂ q) = x̂ c*``.

The full inverse is never formed. Dense tables use ``scipy.linalg.lu_factor``; large sparse ones
``scipy.sparse.linalg.splu``. Sectors with zero output (set ``S``; the rest ``P``) follow the
pseudo-inverse convention of :mod:`econsec.mrio.iomath`: the results equal those of the
explicit ``L = (I - A)⁻¹`` and ``G = (I - B)⁻¹`` built from the same coefficients.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike

from econsec.errors import EconsecError
from econsec.mrio.iomath import Array, recip

Method = Literal["auto", "dense", "sparse"]

#: Tables at least this large and at most this dense are factorised as sparse matrices.
SPARSE_MIN_N = 2000
SPARSE_MAX_DENSITY = 0.02


def choose_method(n: int, nnz: int) -> Literal["dense", "sparse"]:
    """Pick the LU flavour: sparse only when the table is both large and sparse."""
    density = nnz / float(n * n) if n else 1.0
    return "sparse" if n >= SPARSE_MIN_N and density <= SPARSE_MAX_DENSITY else "dense"


class LeontiefSolver:
    """LU factorisation of ``I - A`` with the solves of the Leontief, Ghosh and IIM models.

    Parameters
    ----------
    Z
        Intermediate flows (n x n), dense array or scipy sparse matrix.
    x
        Gross output (n).
    method
        ``"dense"``, ``"sparse"`` or ``"auto"`` (by size and density, see :func:`choose_method`).
    """

    def __init__(
        self, Z: ArrayLike | sp.sparray | sp.spmatrix, x: ArrayLike, *, method: Method = "auto"
    ) -> None:
        self.x: Array = np.asarray(x, dtype=np.float64).ravel()
        n = self.x.size
        Zs = sp.csc_array(Z) if sp.issparse(Z) else None
        Zd: Array = np.zeros((0, 0)) if Zs is not None else np.asarray(Z, dtype=np.float64)
        shape = Zs.shape if Zs is not None else Zd.shape
        if shape != (n, n):
            raise EconsecError(f"Z has shape {shape} but x has {n} entries")
        self.rx: Array = recip(self.x)
        self._inactive = np.flatnonzero(self.x == 0)
        nnz = Zs.nnz if Zs is not None else int(np.count_nonzero(Zd))
        self.method: Literal["dense", "sparse"] = (
            choose_method(n, nnz) if method == "auto" else method
        )
        # Flows from producing sectors to zero-output ones enter G = (I - B)⁻¹ via B_PS.
        block = Zs[:, self._inactive].toarray() if Zs is not None else Zd[:, self._inactive]
        self._z_inactive_block: Array = np.asarray(block, dtype=np.float64)
        self._z_to_inactive: Array = self._z_inactive_block.sum(axis=1)
        if self.method == "sparse":
            Zc = Zs if Zs is not None else sp.csc_array(Zd)
            M = sp.csc_array(sp.eye_array(n, format="csc") - Zc @ sp.diags_array(self.rx))
            try:
                self._lu_sparse = spla.splu(M)
            except RuntimeError as e:
                raise EconsecError(f"I - A is singular: {e}; the table is not productive") from e
        else:
            Zfull = Zs.toarray() if Zs is not None else Zd
            with warnings.catch_warnings():
                # a singular matrix is reported below as an EconsecError
                warnings.simplefilter("ignore", sla.LinAlgWarning)
                lu, piv = sla.lu_factor(np.eye(n) - Zfull * self.rx[np.newaxis, :])
            if np.any(np.diag(lu) == 0) or not np.all(np.isfinite(lu)):
                raise EconsecError("I - A is singular: the table is not productive")
            self._lu_dense = (lu, piv)
        self.n = n

    def _solve(self, b: Array, *, transpose: bool = False) -> Array:
        if self.method == "sparse":
            return np.asarray(self._lu_sparse.solve(b, trans="T" if transpose else "N"))
        return np.asarray(sla.lu_solve(self._lu_dense, b, trans=1 if transpose else 0))

    def _vec(self, b: ArrayLike, what: str) -> Array:
        arr = np.asarray(b, dtype=np.float64)
        if arr.ndim not in (1, 2) or arr.shape[0] != self.n:
            raise EconsecError(f"{what} must have {self.n} rows, got shape {arr.shape}")
        return arr

    def _xcol(self, v: Array, arr: Array) -> Array:
        return v[:, np.newaxis] if arr.ndim == 2 else v

    def leontief(self, dy: ArrayLike) -> Array:
        """Output change ``Δx = L Δy``, solving ``(I - A) Δx = Δy`` (columns = shocks)."""
        return self._solve(self._vec(dy, "Δy"))

    def ghosh(self, dv: ArrayLike) -> Array:
        """Output change ``Δxᵀ = Δvᵀ G``, via ``(I - A)ᵀ w = x̂⁻¹ Δv`` and ``Δx = x̂ w``."""
        d = self._vec(dv, "Δv")
        w = self._solve(self._xcol(self.rx, d) * d, transpose=True)
        dx = self._xcol(self.x, d) * w
        if self._inactive.size:
            # G_SP = 0 and G_SS = I; the S columns pick up Δx_P x̂_P⁻¹ Z_PS (rows of B_PS).
            flow = (self._xcol(self.rx, d) * dx).T @ self._z_inactive_block
            dx[self._inactive] = flow.T + d[self._inactive]
        return dx

    def inoperability(self, c_star: ArrayLike) -> Array:
        """Inoperability ``q = (I - A*)⁻¹ c*``, via ``(I - A)(x̂ q) = x̂ c*``."""
        c = self._vec(c_star, "c*")
        u = self._solve(self._xcol(self.x, c) * c)
        q = self._xcol(self.rx, c) * u
        q[self._inactive] = c[self._inactive]
        return q

    def output_multipliers(self) -> Array:
        """Column sums of L, ``mᵀ = 1ᵀ L``, from ``(I - A)ᵀ m = 1``."""
        return self._solve(np.ones(self.n), transpose=True)

    def input_multipliers(self) -> Array:
        """Row sums of G, ``g = G 1``, from ``(I - A) u = x + Z_{·S} 1`` and ``g = x̂⁻¹ u``.

        Zero-output sectors have ``g = 1`` (their rows of B are zero).
        """
        b = self.x + self._z_to_inactive
        b[self._inactive] = 0.0
        g = self.rx * self._solve(b)
        g[self._inactive] = 1.0
        return g
