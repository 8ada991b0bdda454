"""Rerouting after a restriction: diversion through third countries, hubs beyond supply.

Trade diversion through third countries, and hubs that export more than they import and
produce.

:func:`rerouting` reads BACI flows through the query layer; :mod:`econsec.rerouting.math`
holds the pure computations on tidy frames.
"""

from econsec._callable import callable_package
from econsec.rerouting.api import ReroutingResult, rerouting
from econsec.rerouting.math import Periods, periods

__all__ = ["Periods", "ReroutingResult", "periods", "rerouting"]

# ``econsec.rerouting(...)`` calls the verb, even once the package is imported.
callable_package(__name__, rerouting)
