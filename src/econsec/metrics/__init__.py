"""Economic-security metrics as pure Ibis expressions over bilateral flows.

The metric functions are :func:`econsec.metrics.autonomy.autonomy` (import side),
:func:`econsec.metrics.indispensability.indispensability` (export side), the leverage
functions in :mod:`econsec.metrics.leverage` and the screens in :mod:`econsec.metrics.screens`.
Each takes an Ibis table of flows ``t, i, j, k, v`` (CEPII country codes, HS6 product string,
thousand USD; one row per ``t, i, j, k``) and parameters, and returns an Ibis table; nothing
is executed here. The same code runs on DuckDB (the default) and on other Ibis backends; see
``tests/conformance``. :mod:`econsec.analysis` resolves names and years, executes, and
returns result objects.
"""

from econsec.metrics.autonomy import collapse_bloc, intra_bloc, restrict, supplier_shares
from econsec.metrics.indispensability import world_concentration
from econsec.metrics.leverage import dependencies, export_exposure, mutual_dependencies
from econsec.metrics.screens import (
    Condition,
    churn,
    eu_conditions,
    geodep_conditions,
    persistence,
    threshold_screen,
)
from econsec.metrics.shares import concentration, hhi, unit_shares

__all__ = [
    "Condition",
    "churn",
    "collapse_bloc",
    "concentration",
    "dependencies",
    "eu_conditions",
    "export_exposure",
    "geodep_conditions",
    "hhi",
    "intra_bloc",
    "mutual_dependencies",
    "persistence",
    "restrict",
    "supplier_shares",
    "threshold_screen",
    "unit_shares",
    "world_concentration",
]
