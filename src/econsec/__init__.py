"""econsec: economic-security analysis on real trade data.

Dependence (strategic autonomy), chokepoints (strategic indispensability), leverage between
countries, critical-goods baskets, coercion scenarios and diversification plans, computed on
CEPII BACI bilateral HS6 trade with Ibis expressions (DuckDB embedded, PySpark when distributed).

The verbs are importable from the package itself::

    import econsec as es
    es.autonomy("JPN", 2024, rival="CHN").to_polars()
    es.leverage("JPN", "CHN", 2024).summary()

Each returns a result with ``frame``, ``params``, ``notes``, ``summary()``, ``to_polars()``,
``to_pandas()`` and ``to_dict()``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from econsec._version import __version__

#: Public verbs and the module defining each (imported on first use: the CLI starts fast).
_VERBS = {
    "autonomy": "econsec.analysis",
    "autonomy_trend": "econsec.analysis",
    "supplier_shares": "econsec.analysis",
    "indispensability": "econsec.analysis",
    "indispensability_trend": "econsec.analysis",
    "leverage": "econsec.analysis",
    "screen_eu": "econsec.analysis",
    "screen_geodep": "econsec.analysis",
    "screen_geodep_trend": "econsec.analysis",
    "screen_custom": "econsec.analysis",
    "yard": "econsec.yard",
    "export_ban": "econsec.scenarios",
    "tariff": "econsec.scenarios",
    "coalition_control": "econsec.scenarios",
    "run_scenario": "econsec.scenarios",
    "plan": "econsec.plan",
    "frontier": "econsec.plan",
    "stockpile": "econsec.plan",
    "minerals": "econsec.minerals",
    "rerouting": "econsec.rerouting",
    "build_review": "econsec.report.review",
    "write_review": "econsec.report.review",
    "Resolver": "econsec.query",
    "Result": "econsec.query",
    "Warehouse": "econsec.engine",
}

__all__ = ["__version__", *_VERBS]


def __getattr__(name: str) -> Any:
    if name in _VERBS:
        value = getattr(import_module(_VERBS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'econsec' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
