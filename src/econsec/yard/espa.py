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
3. **Risk of disruption** by outside action: with rival suppliers given, their combined
   share :math:`D_k \ge \theta_R` (0.3); whether or not they are given, world export HHI
   :math:`H^W_k \ge \theta_W` (0.4), i.e. few countries could cut the world's supply.
   Either suffices.
4. **Particular necessity** of securing a stable supply: no domestic substitute, proxied as
   in GeoDep by imports exceeding the importer's own exports, :math:`M_k / X_k > \rho`
   (1 by default; infinite when *m* exports none).

A product is eligible for the yard under ``--espa`` when all four hold.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection
from dataclasses import InitVar, asdict, dataclass, field
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
    rival_share, world_hhi
        :math:`\theta_R, \theta_W` for "risk of disruption".
    ratio
        :math:`\rho` for "particular necessity".
    risky_share
        Deprecated name of ``rival_share`` (a ``DeprecationWarning``).
    """

    min_weight: float = 0.0
    essential_products: frozenset[str] = field(default_factory=frozenset)
    top_share: float = 0.5
    hhi: float = 0.4
    rival_share: float = 0.3
    world_hhi: float = 0.4
    ratio: float = 1.0
    risky_share: InitVar[float | None] = None

    def __post_init__(self, risky_share: float | None) -> None:
        if risky_share is not None:
            warnings.warn(
                "EspaParams(risky_share=...) is deprecated and will be removed in the next "
                "release; use rival_share=...",
                DeprecationWarning,
                stacklevel=3,
            )
            object.__setattr__(self, "rival_share", risky_share)
        for name in ("min_weight", "top_share", "hhi", "rival_share", "world_hhi"):
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
    rival_share: pl.Expr, world_hhi: pl.Expr, p: EspaParams, *, has_rival: bool
) -> pl.Expr:
    """Test requirement 3: rival suppliers' share (when given) or world export HHI."""
    world = world_hhi >= p.world_hhi
    return ((rival_share >= p.rival_share) | world) if has_rival else world


def particular_necessity(ratio: pl.Expr, p: EspaParams) -> pl.Expr:
    """Test requirement 4: imports exceed own exports by ``ratio`` (no domestic substitute)."""
    return ratio > p.ratio


def espa_filters(
    df: pl.DataFrame,
    params: EspaParams | None = None,
    *,
    has_rival: bool = False,
    has_risky: bool | None = None,
) -> pl.DataFrame:
    """Add one boolean column per requirement and their conjunction ``espa``.

    Parameters
    ----------
    df
        Scored products with :data:`INPUT_COLUMNS` (``dependence`` is the rivals' share when
        ``has_rival``).
    params
        Thresholds (defaults: :class:`EspaParams`).
    has_rival
        Whether rivals were given (otherwise requirement 3 uses world concentration only).
    has_risky
        Deprecated name of ``has_rival`` (a ``DeprecationWarning``).
    """
    if has_risky is not None:
        warnings.warn(
            "espa_filters(has_risky=...) is deprecated and will be removed in the next "
            "release; use has_rival=...",
            DeprecationWarning,
            stacklevel=2,
        )
        has_rival = has_risky
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
            col("dependence"), col("world_hhi"), p, has_rival=has_rival
        ),
        espa_necessity=particular_necessity(col("import_export_ratio"), p),
    )
    return out.with_columns(
        espa=pl.col("espa_essential")
        & pl.col("espa_dependence")
        & pl.col("espa_disruption")
        & pl.col("espa_necessity")
    )
