"""Packages that share their name with their verb (``econsec.yard``, ``econsec.plan``).

``import econsec as es; es.yard(...)`` must call the verb even after ``econsec.yard`` (the
package) was imported, since importing a submodule rebinds the parent's attribute to it.
Making the package callable keeps both spellings working.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any


def callable_package(name: str, verb: Callable[..., Any]) -> None:
    """Make the package ``name`` callable: calling it calls ``verb``."""

    class _Package(types.ModuleType):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return verb(*args, **kwargs)

    _Package.__call__.__doc__ = verb.__doc__
    sys.modules[name].__class__ = _Package
