"""Plans: diversification, friend-shoring, near-shoring, China+1, reshoring and stockpiles.

The cheapest reallocation of an importer's supply that caps a rival's share, as a linear
program (:mod:`.lp`), with costs from unit values (:mod:`.costs`), allowed suppliers by strategy
(:mod:`.strategies`), the cost–dependence frontier (:mod:`.frontier`) and the stock needed to
bridge a ban (:mod:`.stockpile`); :mod:`.api` runs them on the warehouse.
"""

from econsec.plan.api import FrontierResult, PlanResult, StockpileResult, frontier, plan, stockpile
from econsec.plan.frontier import frontier_figure

__all__ = [
    "FrontierResult",
    "PlanResult",
    "StockpileResult",
    "frontier",
    "frontier_figure",
    "plan",
    "stockpile",
]
