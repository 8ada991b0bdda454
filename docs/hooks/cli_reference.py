"""MkDocs hook: write the command-line reference from the typer app itself.

The page ``reference/cli.md`` is generated at every build by walking the commands behind
``econsec.cli.main.app`` (``typer.main.get_command``), so it cannot drift from them: a new
option, a changed default or help text appears in the next build. Each option's line is the
help record ``--help`` prints. Typer ships its own copy of click, so commands are read by duck
typing (``param_type_name``, ``list_commands``) rather than through click's classes.
"""

from __future__ import annotations

import re
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

PAGE = "reference/cli.md"
#: Options every typer app has; they say nothing about econsec.
SKIP = {"install_completion", "show_completion", "help"}


def _cell(text: object) -> str:
    # Markdown table cells: one line, pipes escaped.
    return " ".join(str(text).split()).replace("|", r"\|")


def _record(ctx: Any, param: Any) -> tuple[str, str]:
    rec = param.get_help_record(ctx)
    if rec is None:  # arguments may have none: show their name
        return param.human_readable_name, ""
    return rec[0], rec[1]


def _params(ctx: Any, cmd: Any) -> list[str]:
    params = [p for p in cmd.params if not p.hidden and p.name not in SKIP]
    out: list[str] = []
    for kind, title in (("argument", "Arguments"), ("option", "Options")):
        chosen = [p for p in params if p.param_type_name == kind]
        if not chosen:
            continue
        out += [f"**{title}**", "", f"| {kind} | description |", "|---|---|"]
        for p in chosen:
            names, help_text = _record(ctx, p)
            # "[default: x]" and "[required]" are kept: they are what --help says.
            out.append(f"| `{_cell(names)}` | {_cell(help_text)} |")
        out.append("")
    return out


def _anchor(path: list[str]) -> str:
    return re.sub(r"[^a-z0-9]+", "-", " ".join(path).lower()).strip("-")


def _command(ctx: Any, cmd: Any, path: list[str]) -> list[str]:
    name = " ".join(path)
    level = min(len(path) + 1, 6)
    out = [f"{'#' * level} `{name}` {{ #{_anchor(path)} }}", ""]
    text = (cmd.help or cmd.short_help or "").strip()
    if text:
        out += [text.replace("\b\n", ""), ""]
    usage = " ".join(cmd.collect_usage_pieces(ctx))
    out += ["```text", f"{name} {usage}".rstrip(), "```", ""]
    out += _params(ctx, cmd)
    if hasattr(cmd, "list_commands"):
        for sub_name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, sub_name)
            if sub is None or sub.hidden:
                continue
            sub_ctx = sub.context_class(sub, info_name=sub_name, parent=ctx)
            out += _command(sub_ctx, sub, [*path, sub_name])
    return out


def cli_markdown() -> str:
    """Return the Markdown reference of every ``econsec`` command."""
    import typer

    from econsec.cli.main import app

    root = typer.main.get_command(app)
    ctx = root.context_class(root, info_name="econsec")
    lines = [
        "# Command line",
        "",
        "Generated from the commands when the site is built; `econsec COMMAND --help` prints",
        "the same. Analysis commands write the result on stdout (`--format table|csv|json`);",
        "notes and progress go to stderr. A mistake in the input ends in one line on stderr and",
        "exit status 2 (see [Errors](../errors/index.md)).",
        "",
    ]
    lines += _command(ctx, root, ["econsec"])
    return "\n".join(lines) + "\n"


def on_files(files: Files, config: MkDocsConfig, **kwargs: Any) -> Files:
    """Add the generated CLI page to the site."""
    files.append(File.generated(config, PAGE, content=cli_markdown()))
    return files
