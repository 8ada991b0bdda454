"""Plans: diversification, friend-shoring, near-shoring, China+1, reshoring and stockpiles.

The cheapest reallocation of an importer's supply that caps a rival's share, as a linear
program (:mod:`.lp`), with costs from unit values (:mod:`.costs`), allowed suppliers by strategy
(:mod:`.strategies`), the cost–dependence frontier (:mod:`.frontier`) and the stock needed to
bridge a ban (:mod:`.stockpile`); :mod:`.api` runs them on the warehouse (inputs built in
:mod:`.assembly`, results in :mod:`.results`). The frontier's figure is
:func:`econsec.report.frontier.frontier_figure`.
"""

from __future__ import annotations

import warnings
from typing import Any

from econsec._callable import callable_package
from econsec.plan.api import frontier, plan, stockpile
from econsec.plan.results import FrontierResult, PlanResult, StockpileResult

__all__ = [
    "FrontierResult",
    "PlanResult",
    "StockpileResult",
    "frontier",
    "plan",
    "stockpile",
]


def __getattr__(name: str) -> Any:
    # The figure moved to econsec.report.frontier; the old import keeps working for a release.
    if name == "frontier_figure":
        warnings.warn(
            "econsec.plan.frontier_figure moved to econsec.report.frontier.frontier_figure",
            DeprecationWarning,
            stacklevel=2,
        )
        from econsec.report.frontier import frontier_figure

        return frontier_figure
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ``econsec.plan(...)`` calls the verb, even once the package is imported.
callable_package(__name__, plan)
