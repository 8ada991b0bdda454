"""Mine and refinery production beside trade: USGS Mineral Commodity Summaries by country.

:func:`minerals` returns each country's production, world share and reserves from any MCS
edition's world tables; :mod:`econsec.minerals.hsmap` maps HS6 codes to the MCS commodity
whose table measures their supply; :func:`supply_by_stage` says who mines and who refines
what a product is made of.
"""

from econsec._callable import callable_package
from econsec.minerals.api import MineralsResult, minerals, supply_by_stage
from econsec.minerals.hsmap import hs_usgs_map, usgs_codes_for

__all__ = ["MineralsResult", "hs_usgs_map", "minerals", "supply_by_stage", "usgs_codes_for"]

# ``econsec.minerals(...)`` calls the verb, even once the package is imported.
callable_package(__name__, minerals)
