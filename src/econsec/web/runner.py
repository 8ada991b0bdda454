"""Running verbs for requests: a fresh read-only warehouse each, bounded time and concurrency.

Each computation opens its own :class:`~econsec.engine.Warehouse` (an Ibis connection is not
shared between threads) and runs in a worker thread. At most ``concurrency`` run at once;
a request waits at most ``timeout_s`` for its answer. Answers are cached by verb, arguments
and the releases held, so a release fetched while the server runs is seen at once and a
computation that outlived its request still serves the next one.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from econsec.web.problems import Problem


@dataclass(frozen=True)
class Limits:
    """What one request may ask for.

    Attributes
    ----------
    max_rows
        Largest page of rows (``limit``).
    default_rows
        Page size when ``limit`` is not given.
    max_products
        Products (codes, headings or baskets) named in one request.
    max_sync_draws
        Monte Carlo draws answered in the request; more run as a job.
    max_draws
        Monte Carlo draws a job may run.
    timeout_s
        Seconds a request waits for its computation.
    concurrency
        Computations running at once (per worker process).
    cache_entries
        Answers kept in memory.
    """

    max_rows: int = 10_000
    default_rows: int = 1_000
    max_products: int = 200
    max_sync_draws: int = 2_000
    max_draws: int = 100_000
    timeout_s: float = 60.0
    concurrency: int = 4
    cache_entries: int = 256


class Runner:
    """Runs a verb's computation for a request (see the module docstring)."""

    def __init__(self, home: Path, allow_synthetic: bool, limits: Limits) -> None:
        self.home = home
        self.allow_synthetic = allow_synthetic
        self.limits = limits
        self._slots = threading.BoundedSemaphore(limits.concurrency)
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def warehouse(self) -> Any:
        """Open a new read-only view of the warehouse (its own connection)."""
        from econsec.engine import Warehouse

        return Warehouse(self.home, allow_synthetic=self.allow_synthetic)

    def signature(self) -> tuple[Any, ...]:
        """Describe the releases held now (a cache entry is valid while it holds)."""
        from econsec.warehouse.catalog import list_releases

        out = []
        for r in list_releases(self.home):
            meta = r.path / "meta.json"
            out.append((r.hs, r.release, meta.stat().st_mtime_ns if meta.exists() else 0))
        return tuple(out)

    def _compute(self, key: Hashable, fn: Callable[[Any], Any]) -> Any:
        with self._slots:
            with self._lock:
                if key in self._cache:
                    return self._cache[key]
            value = fn(self.warehouse())
            with self._lock:
                self._cache[key] = value
                while len(self._cache) > self.limits.cache_entries:
                    self._cache.popitem(last=False)
            return value

    async def run(self, name: str, args: Hashable, fn: Callable[[Any], Any]) -> Any:
        """Return ``fn(warehouse)``, cached under ``(name, args)`` and the releases held.

        Raises
        ------
        Problem
            422 when the answer takes longer than the time limit (the computation goes on
            and its answer is cached for the next request).
        """
        key = (name, args, self.signature())
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        loop = asyncio.get_running_loop()
        fut = loop.run_in_executor(None, self._compute, key, fn)
        try:
            return await asyncio.wait_for(asyncio.shield(fut), self.limits.timeout_s)
        except TimeoutError:
            raise Problem(
                422,
                f"the query took longer than {self.limits.timeout_s:g} s: name fewer products "
                "or one country, or retry in a while (it goes on, and its answer is kept)",
                kind="too-slow",
            ) from None
