"""The one way in: what users type (countries, blocs, groups, products, years) resolved once.

Every verb — analysis, yard, scenarios, plans, review, the CLI — resolves its arguments with
:class:`~econsec.query.resolver.Resolver`, reads flows with :mod:`econsec.query.flows` (where a
country's several CEPII codes are merged into one) and returns a
:class:`~econsec.query.results.Result`.
"""

from econsec.query.products import ProductSelection, resolve_products
from econsec.query.resolver import (
    Countries,
    Party,
    Products,
    Resolver,
    as_list,
    open_warehouse,
    resolve_year,
)
from econsec.query.results import Result

__all__ = [
    "Countries",
    "Party",
    "ProductSelection",
    "Products",
    "Resolver",
    "Result",
    "as_list",
    "open_warehouse",
    "resolve_products",
    "resolve_year",
]
