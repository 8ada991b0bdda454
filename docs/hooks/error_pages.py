"""MkDocs hook: every error a user can meet has its page, or the build fails.

The error classes are the subclasses of ``econsec.errors.EconsecError`` found in the package's
modules; each needs ``errors/<kebab-case name>.md`` (``NotFoundError`` ->
``errors/not-found-error.md``). A new error class without a page stops ``make docs`` and
``make test``. Modules whose optional dependencies are not installed (an extra) are skipped.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files


def page_name(cls: type) -> str:
    """``errors/<kebab-case>.md`` for an error class."""
    return "errors/" + re.sub(r"(?<!^)(?=[A-Z])", "-", cls.__name__).lower() + ".md"


def error_classes() -> list[type]:
    """Every subclass of EconsecError defined in the econsec package, the base included."""
    import econsec
    from econsec.errors import EconsecError

    for info in pkgutil.walk_packages(econsec.__path__, "econsec."):
        try:
            importlib.import_module(info.name)
        except ModuleNotFoundError as e:
            if e.name is None or e.name.split(".")[0] == "econsec":
                raise  # our own module is missing: a real error
            # an optional dependency (an extra) is not installed: nothing to check there
    seen: list[type] = []
    todo: list[type] = [EconsecError]
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith("econsec") and cls not in seen:
            seen.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(seen, key=lambda c: c.__name__)


def on_files(files: Files, config: MkDocsConfig, **kwargs: Any) -> Files:
    """Fail the build when an error class has no page."""
    missing = [
        f"{c.__module__}.{c.__name__} -> docs/{page_name(c)}"
        for c in error_classes()
        if c.__name__ != "EconsecError" and files.get_file_from_path(page_name(c)) is None
    ]
    if missing:
        raise PluginError("error classes without a page: " + "; ".join(missing))
    return files
