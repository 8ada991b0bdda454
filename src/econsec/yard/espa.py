r"""Japan's Economic Security Promotion Act (2022): the four requirements as product filters.

Article 7 of the Act designates "specified critical products" meeting four requirements. The
law states them in words; trade data can only approximate them, so each is a stated,
parameterised proxy on one importer *m*, product *k*, year *t*:

1. **Essential** to the life of the people or to economic activity: the product is
   listed in catalogues with total weight :math:`w_k \ge w_{\min}` (share of the catalogues
   listing it; the default, any listing, takes the catalogues' own judgement of
   essentiality), or it is in a user-given set (e.g. the products of the sectors with the
   highest input-output output multipliers).
2. **Excessive dependence** on specific countries: top-supplier share
   :math:`\max_e s_e \ge \theta_s` or import HHI :math:`H_k \ge \theta_H`
   (0.5 and 0.4 by default, the HHI threshold of the EU 2021 method and CEPII GeoDep).
3. **Risk of disruption** by outside action: with risky suppliers given, their combined
   share :math:`D_k \ge \theta_R` (0.3); whether or not they are given, world export HHI
   :math:`H^W_k \ge \theta_W` (0.4), i.e. few countries could cut the world's supply.
   Either suffices.
4. **Particular necessity** of securing a stable supply: no domestic substitute, proxied as
   in GeoDep by imports exceeding the importer's own exports, :math:`M_k / X_k > \rho`
   (1 by default; infinite when *m* exports none).

A product is eligible for the yard under ``--espa`` when all four hold.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

#: Columns :func:`espa_filters` needs.
INPUT_COLUMNS = (
    "product",
    "weight",
    "top_share",
    "hhi",
    "dependence",
    "world_hhi",
    "import_export_ratio",
)
#: Columns :func:`espa_filters` adds.
ESPA_COLUMNS = ("espa_essential", "espa_dependence", "espa_disruption", "espa_necessity", "espa")


@dataclass(frozen=True)
class EspaParams:
    r"""Thresholds of the four proxies (see the module docstring).

    Attributes
    ----------
    min_weight
        :math:`w_{\min}`: catalogue weight for "essential"; 0 means listed in any catalogue.
    essential_products
        HS6 codes counted as essential whatever the catalogues say.
    top_share, hhi
        :math:`\theta_s, \theta_H` for "excessive dependence".
    risky_share, world_hhi
        :math:`\theta_R, \theta_W` for "risk of disruption".
    ratio
        :math:`\rho` for "particular necessity".
    """

    min_weight: float = 0.0
    essential_products: frozenset[str] = field(default_factory=frozenset)
    top_share: float = 0.5
    hhi: float = 0.4
    risky_share: float = 0.3
    world_hhi: float = 0.4
    ratio: float = 1.0

    def __post_init__(self) -> None:
        for name in ("min_weight", "top_share", "hhi", "risky_share", "world_hhi"):
            x = getattr(self, name)
            if not 0.0 <= x <= 1.0:
                raise ValueError(f"espa {name} must be in [0, 1]; got {x!r}")
        if self.ratio < 0:
            raise ValueError(f"espa ratio must be >= 0; got {self.ratio!r}")
        object.__setattr__(self, "essential_products", frozenset(self.essential_products))

    def as_dict(self) -> dict[str, Any]:
        """Return the thresholds as a plain dict (codes sorted)."""
        d = asdict(self)
        d["essential_products"] = sorted(self.essential_products)
        return d


def essential(
    weight: pl.Expr, product: pl.Expr, p: EspaParams, extra: Collection[str] = ()
) -> pl.Expr:
    """Test requirement 1: listed with weight above ``min_weight`` (or > 0), or user-named."""
    listed = weight > p.min_weight if p.min_weight == 0 else weight >= p.min_weight
    return listed | product.is_in(sorted(set(p.essential_products) | set(extra)))


def excessive_dependence(top_share: pl.Expr, hhi: pl.Expr, p: EspaParams) -> pl.Expr:
    """Test requirement 2: top-supplier share or import HHI at or above its threshold."""
    return (top_share >= p.top_share) | (hhi >= p.hhi)


def disruption_risk(
    risky_share: pl.Expr, world_hhi: pl.Expr, p: EspaParams, *, has_risky: bool
) -> pl.Expr:
    """Test requirement 3: risky suppliers' share (when given) or world export HHI."""
    world = world_hhi >= p.world_hhi
    return ((risky_share >= p.risky_share) | world) if has_risky else world


def particular_necessity(ratio: pl.Expr, p: EspaParams) -> pl.Expr:
    """Test requirement 4: imports exceed own exports by ``ratio`` (no domestic substitute)."""
    return ratio > p.ratio


def espa_filters(
    df: pl.DataFrame, params: EspaParams | None = None, *, has_risky: bool = False
) -> pl.DataFrame:
    """Add one boolean column per requirement and their conjunction ``espa``.

    Parameters
    ----------
    df
        Scored products with :data:`INPUT_COLUMNS` (``dependence`` is the risky share when
        ``has_risky``).
    params
        Thresholds (defaults: :class:`EspaParams`).
    has_risky
        Whether a risky set was given (otherwise requirement 3 uses world concentration only).
    """
    p = params or EspaParams()
    missing = [c for c in INPUT_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"espa_filters needs columns {missing}")

    def col(name: str) -> pl.Expr:
        return pl.col(name).fill_null(0.0)

    out = df.with_columns(
        espa_essential=essential(col("weight"), pl.col("product"), p),
        espa_dependence=excessive_dependence(col("top_share"), col("hhi"), p),
        espa_disruption=disruption_risk(
            col("dependence"), col("world_hhi"), p, has_risky=has_risky
        ),
        espa_necessity=particular_necessity(col("import_export_ratio"), p),
    )
    return out.with_columns(
        espa=pl.col("espa_essential")
        & pl.col("espa_dependence")
        & pl.col("espa_disruption")
        & pl.col("espa_necessity")
    )
