"""The ``econsec`` command: sub-commands are registered here, implemented in sibling modules."""

from __future__ import annotations

import os

import typer

from econsec import __version__

app = typer.Typer(
    name="econsec",
    help="Economic-security analysis on real trade data (CEPII BACI, input-output tables).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"econsec {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
    debug: bool = typer.Option(
        False, "--debug", help="Show full tracebacks instead of one-line errors."
    ),
    engine: str | None = typer.Option(
        None,
        "--engine",
        help="Engine the analyses run on: duckdb (default), polars or pyspark "
        "(default: ECONSEC_ENGINE).",
    ),
) -> None:
    """Economic-security analysis on real trade data."""
    if debug:
        from econsec.cli.common import DEBUG_ENV

        os.environ[DEBUG_ENV] = "1"
    if engine is not None:
        # Checked here so a typo fails before any work; the analyses read the environment.
        allowed = ("duckdb", "polars", "pyspark")
        if engine.strip().lower() not in allowed:
            raise typer.BadParameter(
                f"unknown engine {engine!r}; allowed: {', '.join(allowed)}",
                param_hint="'--engine'",
            )
        os.environ["ECONSEC_ENGINE"] = engine.strip().lower()


def _register() -> None:
    # Each sub-command module exposes `register(app)`; imported lazily to keep start-up fast.
    from econsec.cli import data

    data.register(app)
    from econsec.cli import baskets

    baskets.register(app)

    from econsec.cli import mrio

    mrio.register(app)

    from econsec.cli import groups

    groups.register(app)

    from econsec.cli import metrics

    metrics.register(app)

    from econsec.cli import scenario

    scenario.register(app)

    from econsec.cli import yard

    yard.register(app)

    from econsec.cli import plan

    plan.register(app)

    from econsec.cli import review

    review.register(app)

    from econsec.cli import minerals, rerouting

    minerals.register(app)
    rerouting.register(app)

    from econsec.cli import backtest

    backtest.register(app)

    from econsec.cli import sources

    sources.register(app)

    from econsec.cli import serve

    serve.register(app)


_register()
