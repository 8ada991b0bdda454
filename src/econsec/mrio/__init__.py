"""Multi-regional input-output tables: loading, balance checks, multipliers, shock propagation.

Typical use::

    from econsec.mrio import read_bundle, Propagator, hs_to_sectors

    table = read_bundle("data/io/wiod2013_2011").rebalanced()
    prop = Propagator(table)                      # one LU factorisation
    shock = hs_to_sectors(product_shortfall, "wiod13", regions=table.region_list(), scale=1e-3)
    result = prop.run(shock, model="ghosh")       # one solve per shock
    result.by_region(), result.top(10)
"""

from econsec.mrio.bridge import Bridge, available_bridges, hs_to_sectors, load_bridge, read_bridge
from econsec.mrio.propagate import (
    MODELS,
    PropagationResult,
    Propagator,
    multipliers,
    propagate,
)
from econsec.mrio.solver import LeontiefSolver
from econsec.mrio.tables import (
    BalanceReport,
    MRIOTable,
    from_pymrio,
    load_table,
    read_bundle,
    read_exiobase3,
    read_oecd_icio,
    read_wiod,
    write_bundle,
)

__all__ = [
    "MODELS",
    "BalanceReport",
    "Bridge",
    "LeontiefSolver",
    "MRIOTable",
    "PropagationResult",
    "Propagator",
    "available_bridges",
    "from_pymrio",
    "hs_to_sectors",
    "load_bridge",
    "load_table",
    "multipliers",
    "propagate",
    "read_bridge",
    "read_bundle",
    "read_exiobase3",
    "read_oecd_icio",
    "read_wiod",
    "write_bundle",
]
