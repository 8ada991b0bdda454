"""Exceptions raised by econsec; each names what the user must fix."""

from __future__ import annotations

from collections.abc import Iterable


class EconsecError(Exception):
    """Base class of every error econsec raises on purpose."""


class DataError(EconsecError):
    """Bad input data: names the file and, where known, the line and field."""

    def __init__(
        self,
        message: str,
        *,
        path: object | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        where = []
        if path is not None:
            where.append(str(path))
        if line is not None:
            where.append(f"line {line}")
        if field is not None:
            where.append(f"field {field!r}")
        prefix = (", ".join(where) + ": ") if where else ""
        super().__init__(prefix + message)


class NotFoundError(EconsecError):
    """A name (country, product, group, year, release) the warehouse does not know."""

    def __init__(
        self, kind: str, name: object, suggestions: Iterable[object] = (), hint: str = ""
    ) -> None:
        self.kind = kind
        self.name = name
        self.suggestions = list(suggestions)
        msg = f"unknown {kind} {name!r}"
        if self.suggestions:
            msg += "; did you mean: " + ", ".join(str(s) for s in self.suggestions) + "?"
        if hint:
            msg += "; " + hint
        super().__init__(msg)


class SyntheticDataError(EconsecError):
    """An analysis was asked to run on synthetic data without ``allow_synthetic``."""


class StorageError(EconsecError):
    """The warehouse folder cannot be written (read-only, full, or not a folder)."""


class WarehouseBusyError(EconsecError):
    """Another process holds the warehouse's writer lock and did not release it in time."""


class EngineError(EconsecError):
    """The engine asked for is unknown, not installed, or cannot start."""
