"""Command-line interface: a thin layer over the Python API."""

from __future__ import annotations

import gc


def run() -> None:
    """Run the ``econsec`` command (the console script's entry point).

    A command imports ibis, polars, pyarrow and DuckDB and builds a few hundred thousand Python
    objects, none of them cyclic garbage worth chasing: with the collector's default first
    threshold (700 allocations) it walks them about 0.15 s while they are imported, and again
    about 0.15 s at exit. The threshold is raised for the command, and what is alive when it
    ends is frozen, so the interpreter's last collections skip it; files, threads and atexit
    handlers end as usual.
    """
    gc.set_threshold(50_000, 50, 100)
    from econsec.cli.main import app

    try:
        app()
    finally:
        gc.freeze()
