"""MkDocs hook: run the tutorials on the real sample data, or say plainly that they were not run.

The tutorials' Python blocks (``exec="on"``, run by markdown-exec) read a warehouse built
from the sample releases. Before the build this hook points ``ECONSEC_HOME`` at
``build/docs-home`` (``ECONSEC_DOCS_HOME`` overrides it) and fetches the two sample releases
into it through ``ECONSEC_MIRROR`` (default ``../shared/data``), exactly as a user's
``econsec data fetch`` would; a release already there is not fetched again.

Without the sample data, or with ``ECONSEC_DOCS_EXECUTE=0``, the blocks are shown as code,
not run, and each tutorial opens with a note saying so: the build still succeeds, and no
output on the site is ever made up.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.hooks.tutorials")
RELEASES = (("HS17", "V202601"), ("HS02", "V202601"))
NEEDED = (
    "baci/BACI_HS17_V202601.zip",
    "baci/BACI_HS02_V202601.zip",
    "io/wiod2013_2011",
    "ref/usgs_mcs2024_world",
    "raw/comtrade_2022_critical_materials.csv.gz",
)
STATE: dict[str, Any] = {"execute": False, "why": ""}
#: markdown-exec's options on a fence line, dropped when the blocks are shown unrun.
EXEC_OPTIONS = re.compile(r'^(\s*```\w+)((?:\s+\w+="[^"]*")*)\s*$', re.MULTILINE)


def sample_folder(root: Path) -> Path:
    """Return the sample data folder: ``ECONSEC_MIRROR``, else ``../shared/data``."""
    env = os.environ.get("ECONSEC_MIRROR")
    return Path(env) if env else (root.parent / "shared" / "data")


def _fetch(home: Path, mirror: Path) -> None:
    # The econsec script installed beside this Python (the venv's), else the one on PATH.
    beside = Path(sys.executable).with_name("econsec")
    exe = beside if beside.exists() else Path(shutil.which("econsec") or "econsec")
    for hs, release in RELEASES:
        if (home / "baci" / f"hs={hs}" / f"release={release}" / "meta.json").exists():
            continue
        cmd = [str(exe), "data", "fetch", "baci", "--hs", hs, "--release", release]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise PluginError(f"{' '.join(cmd[1:])} failed: {done.stderr.strip()}")


def on_config(config: MkDocsConfig, **kwargs: Any) -> MkDocsConfig:
    """Decide whether the tutorials run, and prepare their warehouse when they do."""
    root = Path(config.config_file_path).parent
    # As in pytest's settings: ibis 12 calls a deprecated DuckDB method; not ours to fix.
    warnings.filterwarnings("ignore", message=r"fetch_arrow_table\(\) is deprecated")
    mirror = sample_folder(root)
    if os.environ.get("ECONSEC_DOCS_EXECUTE", "1").strip() == "0":
        STATE.update(execute=False, why="this build was made with `ECONSEC_DOCS_EXECUTE=0`")
    elif not all((mirror / p).exists() for p in NEEDED):
        STATE.update(execute=False, why=f"the sample data folder ({mirror}) was not found")
    else:
        home = Path(os.environ.get("ECONSEC_DOCS_HOME", root / "build" / "docs-home"))
        os.environ["ECONSEC_HOME"] = str(home.resolve())
        os.environ["ECONSEC_MIRROR"] = str(mirror.resolve())
        _fetch(home, mirror)
        STATE.update(execute=True, why="")
    if not STATE["execute"]:
        log.info("tutorials not executed: %s", STATE["why"])
    return config


def on_page_markdown(
    markdown: str, page: Page, config: MkDocsConfig, files: Files, **kwargs: Any
) -> str:
    """Leave a tutorial's blocks to markdown-exec, or show them unrun under a note."""
    src = page.file.src_uri
    if not src.startswith("tutorials/") or src == "tutorials/index.md" or STATE["execute"]:
        return markdown
    note = (
        '!!! warning "Outputs not shown in this build"\n'
        f"    The code below was not run because {STATE['why']}. It runs on the sample\n"
        "    data described in [the tutorials' introduction](index.md); `make docs` on a\n"
        "    machine that has it shows every output.\n\n"
    )
    body = EXEC_OPTIONS.sub(r"\1", markdown)
    title, sep, rest = body.partition("\n")
    return f"{title}{sep}\n{note}{rest}" if title.startswith("# ") else note + body
