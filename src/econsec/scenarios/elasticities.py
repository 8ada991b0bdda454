r"""HS6 import-demand (trade) elasticities: CEPII ProTEE, with a documented fallback.

ProTEE (Fontagné, Guimbard & Orefice 2022, *J. Int. Econ.* 137; CEPII ProTEE 0.1, Etalab 2.0)
estimates for each HS6 product (HS 2007) the elasticity of bilateral import values to one plus
the applied tariff, ``∂ ln v / ∂ ln(1 + τ) = -σ``. The file ``protee_hs6_trade_elasticities.csv``
has columns ``HS6, zero, positive, sigma``: ``sigma`` is that (negative) coefficient; CEPII
already replaced non-significant (``zero = 1``) and positive (``positive = 1``) estimates by the
HS4 average, and left ``sigma`` blank where no such average exists.

Here ``σ = -sigma`` (a positive number). Where a code has no value, the fallback is, in order:
the mean σ of the file's codes in the same HS4 heading, then in the same HS2 chapter, then
:data:`DEFAULT_SIGMA` (5, the centre of the ProTEE distribution reported by its authors: "trade
elasticities are centered around -5"). Each σ carries its ``sigma_source``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from econsec.errors import DataError

#: σ used where neither the code, its heading nor its chapter has an estimate.
DEFAULT_SIGMA = 5.0
#: Location of the ProTEE file under the data mirror.
PROTEE_RELPATH = Path("ref") / "protee_hs6_trade_elasticities.csv"
SOURCES = ("protee", "hs4_mean", "hs2_mean", "default")


@dataclass(frozen=True)
class Elasticities:
    """σ by HS6 code, with the fallback rule of this module.

    Attributes
    ----------
    table
        Frame ``hs6, sigma`` (σ > 0) of the codes with an estimate.
    default
        σ where no estimate or heading/chapter mean exists.
    source
        Where the table came from (a path, or ``"default"``).
    """

    table: pl.DataFrame
    default: float = DEFAULT_SIGMA
    source: str = "default"

    def lookup(self, products: Iterable[str]) -> pl.DataFrame:
        """Frame ``product, sigma, sigma_source`` for the products, in the order given."""
        prods = pl.DataFrame({"product": list(products)}, schema={"product": pl.Utf8})
        t = self.table
        h4 = t.group_by(pl.col("hs6").str.slice(0, 4).alias("h4")).agg(
            pl.col("sigma").mean().alias("s4")
        )
        h2 = t.group_by(pl.col("hs6").str.slice(0, 2).alias("h2")).agg(
            pl.col("sigma").mean().alias("s2")
        )
        out = (
            prods.with_columns(
                pl.col("product").str.slice(0, 4).alias("h4"),
                pl.col("product").str.slice(0, 2).alias("h2"),
            )
            .join(t.rename({"hs6": "product", "sigma": "s6"}), on="product", how="left")
            .join(h4, on="h4", how="left")
            .join(h2, on="h2", how="left")
        )
        return out.select(
            "product",
            pl.coalesce("s6", "s4", "s2", pl.lit(self.default)).alias("sigma"),
            pl.when(pl.col("s6").is_not_null())
            .then(pl.lit("protee"))
            .when(pl.col("s4").is_not_null())
            .then(pl.lit("hs4_mean"))
            .when(pl.col("s2").is_not_null())
            .then(pl.lit("hs2_mean"))
            .otherwise(pl.lit("default"))
            .alias("sigma_source"),
        )


def default_elasticities(sigma: float = DEFAULT_SIGMA) -> Elasticities:
    """Elasticities with no table: every product gets ``sigma``."""
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    return Elasticities(
        pl.DataFrame(schema={"hs6": pl.Utf8, "sigma": pl.Float64}), sigma, "default"
    )


def read_protee(path: Path | str, *, default: float = DEFAULT_SIGMA) -> Elasticities:
    """Read a ProTEE HS6 file (``HS6, zero, positive, sigma``).

    Raises
    ------
    DataError
        Naming the file, line and field of the first bad row: an HS6 code that is not six
        digits, or a ``sigma`` that is not a number or is positive.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError("no such file", path=p)
    try:
        raw = pl.read_csv(p, infer_schema=False, null_values=[""])
    except pl.exceptions.PolarsError as e:
        raise DataError(f"cannot read CSV: {e}", path=p) from e
    cols = {c.strip().lower(): c for c in raw.columns}
    for need in ("hs6", "sigma"):
        if need not in cols:
            raise DataError(f"missing column; found {raw.columns}", path=p, line=1, field=need)
    codes = raw[cols["hs6"]].to_list()
    sig = raw[cols["sigma"]].to_list()
    keep_codes: list[str] = []
    keep_sigma: list[float] = []
    for n, (code, s) in enumerate(zip(codes, sig, strict=True), start=2):
        c = (code or "").strip()
        # Codes written as numbers lose their leading zero: restore it.
        c = c.zfill(6) if c.isdigit() and len(c) == 5 else c
        if not (c.isdigit() and len(c) == 6):
            raise DataError(
                f"HS6 code must be 6 digits, got {code!r}", path=p, line=n, field=cols["hs6"]
            )
        if s is None or not s.strip():
            continue
        try:
            val = float(s)
        except ValueError:
            raise DataError(f"not a number: {s!r}", path=p, line=n, field=cols["sigma"]) from None
        if val > 0:
            raise DataError(
                f"a trade elasticity must be negative (imports fall with the tariff), got {val}",
                path=p,
                line=n,
                field=cols["sigma"],
            )
        keep_codes.append(c)
        keep_sigma.append(-val)
    table = pl.DataFrame(
        {"hs6": keep_codes, "sigma": keep_sigma}, schema={"hs6": pl.Utf8, "sigma": pl.Float64}
    )
    return Elasticities(table.unique("hs6", keep="first"), default, str(p))


def load_elasticities(
    path: Path | str | None = None, *, mirror: Path | str | None = None
) -> Elasticities:
    """ProTEE elasticities from ``path``, else from ``<mirror>/ref``, else the default σ.

    ``mirror`` defaults to the ``ECONSEC_MIRROR`` folder when it is set and is a folder.
    """
    if path is not None:
        return read_protee(path)
    import os

    root = mirror if mirror is not None else os.environ.get("ECONSEC_MIRROR")
    if root and "://" not in str(root):
        cand = Path(root) / PROTEE_RELPATH
        if cand.is_file():
            return read_protee(cand)
    return default_elasticities()
