"""``econsec serve``: the REST API and the dashboard on one local server."""

from __future__ import annotations

from pathlib import Path

import typer

from econsec.cli.common import HomeOption, SyntheticOption, console, handle_errors


@handle_errors
def serve_cmd(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to bind (0.0.0.0 opens it to the network)."
    ),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes."),
    io_dir: Path | None = typer.Option(
        None, "--io-dir", help="Folder of MRIO tables scenarios may name (io.table)."
    ),
    usgs_dir: Path | None = typer.Option(
        None,
        "--usgs-dir",
        help="Folder of USGS MCS world tables for /api/v1/minerals (default: the mirror's).",
    ),
    timeout: float = typer.Option(
        60.0, "--timeout", min=1.0, help="Seconds a request waits for its answer."
    ),
    home: Path | None = HomeOption,
    allow_synthetic: bool = SyntheticOption,
) -> None:
    """Serve the API (/api/v1, docs at /docs) and the dashboard (/) from the warehouse.

    The warehouse is only read. Everything the dashboard needs (scripts, styles, map
    shapes) is served by this process: it works with no internet.
    """
    import os

    import uvicorn

    from econsec.engine import Warehouse
    from econsec.settings import get_settings

    root = (home or get_settings().home).expanduser().resolve()
    if not Warehouse(root, allow_synthetic=allow_synthetic).years():
        raise ValueError(f"--home {root}: no usable release held (run econsec data fetch)")
    if io_dir is not None and not io_dir.is_dir():
        raise ValueError(f"--io-dir {io_dir}: not a folder")
    if usgs_dir is not None and not usgs_dir.is_dir():
        raise ValueError(f"--usgs-dir {usgs_dir}: not a folder")
    # Worker processes build the app from the environment (uvicorn imports the factory).
    os.environ["ECONSEC_SERVE_HOME"] = str(root)
    os.environ["ECONSEC_SERVE_SYNTHETIC"] = "1" if allow_synthetic else ""
    os.environ["ECONSEC_SERVE_IO_DIR"] = str(io_dir.resolve()) if io_dir else ""
    os.environ["ECONSEC_SERVE_USGS_DIR"] = str(usgs_dir.resolve()) if usgs_dir else ""
    os.environ["ECONSEC_SERVE_TIMEOUT"] = str(timeout)
    shown = f"[{host}]" if ":" in host else host
    console.print(
        f"econsec serves {root} at http://{shown}:{port}/ (API: /api/v1, docs: /docs); "
        "Ctrl+C stops it",
        highlight=False,
        soft_wrap=True,
    )
    uvicorn.run(
        "econsec.web.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )


def register(root: typer.Typer) -> None:
    """Add the ``serve`` command to the root app."""
    root.command("serve")(serve_cmd)
