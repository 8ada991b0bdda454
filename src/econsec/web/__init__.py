"""``econsec serve``: the REST API (``/api/v1``) and the offline dashboard (``/``).

The API exposes the verbs of :mod:`econsec` through the same query layer as the CLI (the
same resolution of countries and products, the same result protocol, the same numbers and
messages). The dashboard is static files calling that API; every script, style and map
shape it needs is served by the app, so it works with no internet.
"""

from econsec.web.app import ServerConfig, create_app

__all__ = ["ServerConfig", "create_app"]
