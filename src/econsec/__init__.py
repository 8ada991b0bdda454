"""econsec: economic-security analysis on real trade data.

Dependence (strategic autonomy), chokepoints (strategic indispensability), leverage between
countries, critical-goods baskets, coercion scenarios and diversification plans, computed on
CEPII BACI bilateral HS6 trade with Ibis expressions (DuckDB embedded, PySpark when distributed).
"""

from econsec._version import __version__

__all__ = ["__version__"]
