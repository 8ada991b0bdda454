"""The "small yard": score imported products by vulnerability and choose the few to protect.

:mod:`~econsec.yard.score` defines the vulnerability score, :mod:`~econsec.yard.select` the
selection of the yard, :mod:`~econsec.yard.espa` Japan's four requirements as filters.
:func:`~econsec.yard.api.yard` runs them over a warehouse: :mod:`~econsec.yard.assembly`
resolves the call and builds each year's inputs, :mod:`~econsec.yard.yearly` chooses each
year's yard and the trend, and :mod:`~econsec.yard.results` holds :class:`YardResult`.
"""

from econsec._callable import callable_package
from econsec.yard.api import yard
from econsec.yard.espa import EspaParams, espa_filters
from econsec.yard.results import YardResult
from econsec.yard.score import ScoreParams, score_products
from econsec.yard.select import Selection, select_yard

__all__ = [
    "EspaParams",
    "ScoreParams",
    "Selection",
    "YardResult",
    "espa_filters",
    "score_products",
    "select_yard",
    "yard",
]

# ``econsec.yard(...)`` calls the verb, even once the package is imported.
callable_package(__name__, yard)
