"""The scenario verbs: replay a specification, or one export ban, tariff or coalition control.

Every measure is evaluated against the same baseline year (the latest held when none is
given); results of several measures are listed side by side and summed in the totals, not
netted against each other. Parties are countries (ISO3, ISO2, CEPII code or name), groups
(built-in such as ``EU27`` or the user's in ``$ECONSEC_HOME/groups.toml``, members on 1 July
of the year) or lists of them; products are HS codes (6 digits, or 4/2-digit headings and
chapters) or basket names.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from econsec.engine import Warehouse
from econsec.query.resolver import Countries, Products, as_list, open_warehouse
from econsec.scenarios.assembly import open_context, split_products
from econsec.scenarios.elasticities import Elasticities, default_elasticities, load_elasticities
from econsec.scenarios.measures import evaluate_measure
from econsec.scenarios.propagation import with_io_and_uncertainty
from econsec.scenarios.results import UNIT, ScenarioResult
from econsec.scenarios.spec import Scenario, Tariff, parse_scenario

if TYPE_CHECKING:
    from econsec.mrio.tables import MRIOTable

Home = Path | str | None

#: Substitution horizon of the verbs when none is given (see econsec.substitution).
DEFAULT_HORIZON = "3-12m"


def run_scenario(
    spec: Scenario,
    *,
    warehouse: Warehouse | None = None,
    home: Home = None,
    allow_synthetic: bool = False,
    elasticities: Elasticities | None = None,
    io: MRIOTable | Path | str | None = None,
    draws: int | None = None,
    seed: int | None = None,
) -> ScenarioResult:
    """Replay ``spec`` on its year of the warehouse (the latest held when it gives none).

    Parameters
    ----------
    spec
        The scenario (see :mod:`econsec.scenarios.spec`).
    warehouse, home, allow_synthetic
        The warehouse, or where to open it.
    elasticities
        σ by product for tariffs; ProTEE under ``ECONSEC_MIRROR`` when present, else the
        default (see :mod:`econsec.scenarios.elasticities`).
    io
        An MRIO table, or a path to one, overriding ``spec.io``: the shortfall is propagated
        through it (see :mod:`econsec.scenarios.propagation`). Importers must then be
        countries (a bloc has no region in the table).
    draws, seed
        Monte Carlo draws (overriding ``spec.montecarlo``); no uncertainty when neither is set.

    Raises
    ------
    NotFoundError
        For an unknown year, country, group or product (the message names the field).
    ValueError
        For a degenerate measure (a country on both sides of it).
    """
    wh = open_warehouse(warehouse, home, allow_synthetic)
    ctx = open_context(wh, spec.year, country_importers=io is not None or spec.io is not None)
    el = elasticities
    if el is None:
        has_tariff = any(isinstance(m, Tariff) for m in spec.measures)
        el = load_elasticities() if has_tariff else default_elasticities()
    r = spec.redirect_fraction
    measures = tuple(
        evaluate_measure(ctx, n, m, r=r, elasticities=el) for n, m in enumerate(spec.measures)
    )
    several = len(measures) > 1
    notes = [*ctx.r.notes]
    notes += [f"measures[{m.index}]: {n}" if several else n for m in measures for n in m.notes]
    if several:
        notes.append("measures are evaluated separately against the same baseline")
    params = {
        "scenario": spec.name,
        "year": ctx.year,
        "hs": ctx.hs,
        "release": ctx.release,
        "horizon": spec.horizon if spec.redirect is None else "custom",
        "redirect": r,
        "unit": UNIT,
        "meaning": [s for m in measures for s in m.params["meaning"]],
    }
    res = ScenarioResult.build(measures, params, tuple(notes))
    return with_io_and_uncertainty(res, spec, io=io, draws=draws, seed=seed)


def _renamed(new: Countries | None, old: Countries | None, names: tuple[str, str]) -> Countries:
    """Return the party given under its name, or its former keyword (with a warning)."""
    new_name, old_name = names
    if old is not None:
        warnings.warn(
            f"{old_name}= is deprecated and will be removed; use {new_name}=",
            DeprecationWarning,
            stacklevel=3,
        )
        if new is not None:
            raise TypeError(f"give {new_name}= or {old_name}=, not both")
        return old
    if new is None:
        raise TypeError(f"missing the {new_name} (a country, a group or a list of them)")
    return new


def _goods(products: Products | None, baskets: str | Sequence[str] | None) -> dict[str, list[str]]:
    """Split what users give into the spec's ``products`` (codes) and ``baskets``."""
    codes, names = split_products(as_list(products))
    return {"products": codes, "baskets": [*names, *as_list(baskets)]}


def _one(
    name: str,
    year: int | None,
    measure: Mapping[str, object],
    horizon: str | None = None,
    redirect: float | None = None,
) -> Scenario:
    data: dict[str, object] = {"name": name, "year": year, "measures": [measure]}
    if horizon is not None:
        data["horizon"] = horizon
    if redirect is not None:
        data["redirect"] = redirect
    return parse_scenario(data)


def export_ban(
    imposer: Countries | None = None,
    target: Countries | None = None,
    year: int | None = None,
    products: Products | None = None,
    share: float = 1.0,
    *,
    baskets: str | Sequence[str] | None = None,
    horizon: str = DEFAULT_HORIZON,
    redirect: float | None = None,
    warehouse: Warehouse | None = None,
    home: Home = None,
    allow_synthetic: bool = False,
    elasticities: Elasticities | None = None,
    io: MRIOTable | Path | str | None = None,
    draws: int | None = None,
    seed: int | None = None,
    suppliers: Countries | None = None,
    targets: Countries | None = None,
) -> ScenarioResult:
    """Replay an export ban: the imposer stops (a share of) its exports to the target.

    Parameters
    ----------
    imposer
        Who stops exporting: a country, a group (its members together) or a list.
    target
        Who loses imports: a country, a list (each reported), or a group (one bloc: its
        extra-bloc imports, trade between members excluded).
    year
        The year replayed; the latest held when ``None``.
    products
        HS codes (6 digits, or 4/2-digit headings and chapters) or basket names.
    share
        Share of the flows stopped (1: a full ban).
    baskets
        Basket names (same as giving them in ``products``).
    horizon, redirect
        Substitution horizon (``0-3m``, ``3-12m``, ``12m+``), or an explicit redirectable
        fraction of other exporters' sales.
    suppliers, targets
        Former names of ``imposer`` and ``target`` (deprecated).

    See Also
    --------
    run_scenario : the other keyword arguments.
    """
    imp = _renamed(imposer, suppliers, ("imposer", "suppliers"))
    tgt = _renamed(target, targets, ("target", "targets"))
    measure = {
        "kind": "export_ban",
        "suppliers": as_list(imp),
        "targets": as_list(tgt),
        "share": share,
        **_goods(products, baskets),
    }
    spec = _one("export ban", year, measure, horizon, redirect)
    return run_scenario(
        spec,
        warehouse=warehouse,
        home=home,
        allow_synthetic=allow_synthetic,
        elasticities=elasticities,
        io=io,
        draws=draws,
        seed=seed,
    )


def tariff(
    imposer: Countries,
    target: Countries,
    year: int | None = None,
    products: Products | None = None,
    *,
    rate: float,
    eta: float = 1.0,
    baskets: str | Sequence[str] | None = None,
    warehouse: Warehouse | None = None,
    home: Home = None,
    allow_synthetic: bool = False,
    elasticities: Elasticities | None = None,
    io: MRIOTable | Path | str | None = None,
    draws: int | None = None,
    seed: int | None = None,
) -> ScenarioResult:
    """Replay an ad-valorem tariff of ``rate`` (0.5 = 50%) by the imposer on the target.

    Parameters
    ----------
    imposer
        Who taxes its imports: a country, a list (each reported), or a group (one customs
        bloc: its extra-bloc imports).
    target
        Whose goods are taxed: a country, a group or a list (members together).
    year
        The year replayed; the latest held when ``None``.
    products
        HS codes or basket names; every good the target sells the imposer when ``None``.
    rate, eta
        Ad-valorem rate and the elasticity of the imposer's total import demand.

    See Also
    --------
    run_scenario : the other keyword arguments.
    """
    measure = {
        "kind": "tariff",
        "imposer": as_list(imposer),
        "target": as_list(target),
        "rate": rate,
        "eta": eta,
        **_goods(products, baskets),
    }
    return run_scenario(
        _one("tariff", year, measure),
        warehouse=warehouse,
        home=home,
        allow_synthetic=allow_synthetic,
        elasticities=elasticities,
        io=io,
        draws=draws,
        seed=seed,
    )


def coalition_control(
    members: Countries,
    target: Countries,
    year: int | None = None,
    products: Products | None = None,
    threshold: float | None = None,
    *,
    baskets: str | Sequence[str] | None = None,
    horizon: str = DEFAULT_HORIZON,
    redirect: float | None = None,
    warehouse: Warehouse | None = None,
    home: Home = None,
    allow_synthetic: bool = False,
    elasticities: Elasticities | None = None,
    io: MRIOTable | Path | str | None = None,
    draws: int | None = None,
    seed: int | None = None,
) -> ScenarioResult:
    """Replay a coalition export control: the members jointly stop exports to the target.

    Parameters
    ----------
    members
        The coalition: countries, a group (its members on 1 July of the year) or a list.
    target
        A country, a list (each reported) or a group (one bloc: its extra-bloc imports).
    year
        The year replayed; the latest held when ``None``.
    products
        HS codes or basket names.
    threshold
        Also find who must join to leave the target at most this share of world supply
        (see :mod:`econsec.scenarios.coalition`).

    See Also
    --------
    export_ban, run_scenario : the other keyword arguments.
    """
    measure = {
        "kind": "coalition_control",
        "members": as_list(members),
        "target": as_list(target),
        "threshold": threshold,
        **_goods(products, baskets),
    }
    return run_scenario(
        _one("coalition control", year, measure, horizon, redirect),
        warehouse=warehouse,
        home=home,
        allow_synthetic=allow_synthetic,
        elasticities=elasticities,
        io=io,
        draws=draws,
        seed=seed,
    )


__all__ = ["coalition_control", "export_ban", "run_scenario", "tariff"]
