"""Default values shown by ``--help`` of ``econsec plan`` and ``econsec yard``.

They mirror the library's defaults (``econsec.plan``, ``econsec.yard``) without importing
those packages, which load ibis, polars and the LP solver: ``--help`` must start fast. A test
checks that each value equals the library's own.
"""

from __future__ import annotations

# econsec.plan
PLAN_CAP = 0.5
PLAN_RIVAL = "CHN"
PLAN_SWITCHING_PREMIUM = 0.10
PLAN_RESHORE_PREMIUM = 0.50
PLAN_CARRYING_RATE = 0.10

# econsec.yard
YARD_COVERAGE = 0.8
#: Fields of :class:`econsec.yard.score.ScoreParams`.
SCORE = {
    "alpha": 1.0,
    "beta": 1.0,
    "gamma": 1.0,
    "delta": 1.0,
    "floor": 0.1,
    "redirect": 0.2,
    "value_exponent": 0.0,
}
#: Thresholds of :class:`econsec.yard.espa.EspaParams`.
ESPA = {
    "top_share": 0.5,
    "hhi": 0.4,
    "rival_share": 0.3,
    "world_hhi": 0.4,
    "ratio": 1.0,
}
