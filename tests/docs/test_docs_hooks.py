"""The documentation hooks: generated pages follow the code, unrun tutorials say so."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

pytest.importorskip("mkdocs", reason="needs the docs extra (pip install -e '.[docs]')")

ROOT = Path(__file__).resolve().parents[2]
HOOKS = ROOT / "docs" / "hooks"

pytestmark = pytest.mark.unit


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"docs_hook_{name}", HOOKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def command_paths() -> list[str]:
    import typer

    from econsec.cli.main import app

    root = typer.main.get_command(app)
    ctx = root.context_class(root, info_name="econsec")
    out: list[str] = []

    def walk(cmd: object, c: object, path: list[str]) -> None:
        out.append(" ".join(path))
        if hasattr(cmd, "list_commands"):
            for name in cmd.list_commands(c):
                sub = cmd.get_command(c, name)
                if sub is not None and not sub.hidden:
                    walk(sub, sub.context_class(sub, info_name=name, parent=c), [*path, name])

    walk(root, ctx, ["econsec"])
    return out


def test_cli_reference_has_every_command_and_its_options() -> None:
    text = load("cli_reference").cli_markdown()
    paths = command_paths()
    assert len(paths) > 20
    for path in paths:
        assert f"`{path}`" in text, path
    # An option, its default and a required marker, as --help prints them.
    autonomy = text.split("`econsec autonomy`", 1)[1].split("\n### ", 1)[0]
    assert "`--rival-group <str>`" in autonomy
    assert "[default: table]" in autonomy
    ban = text.split("`econsec scenario ban`", 1)[1].split("\n#### ", 1)[0]
    assert "`--from <list[str]>`" in ban and "[required]" in ban
    assert "--install-completion" not in text


def test_every_error_class_has_a_page() -> None:
    hook = load("error_pages")
    classes = hook.error_classes()
    names = {c.__name__ for c in classes}
    assert {"DataError", "NotFoundError", "DownloadError"} <= names
    for cls in classes:
        if cls.__name__ != "EconsecError":
            assert (ROOT / "docs" / hook.page_name(cls)).is_file(), cls.__name__
    assert hook.page_name(type("WarehouseBusyError", (), {})) == "errors/warehouse-busy-error.md"


def test_unrun_tutorial_shows_its_code_under_a_note() -> None:
    hook = load("tutorials")
    hook.STATE.update(execute=False, why="the sample data folder (/nowhere) was not found")
    page = SimpleNamespace(file=SimpleNamespace(src_uri="tutorials/example.md"))
    md = '# Title\n\nText.\n\n```python exec="on" source="above" session="s"\nx = 1\n```\n'
    out = hook.on_page_markdown(md, page=page, config=None, files=None)
    assert out.startswith("# Title\n")
    assert "Outputs not shown in this build" in out and "/nowhere" in out
    assert re.search(r"^```python$", out, re.MULTILINE)
    assert "exec=" not in out and "session=" not in out
    # Other pages, and tutorials when the data is there, are left to markdown-exec.
    other = SimpleNamespace(file=SimpleNamespace(src_uri="methods/io.md"))
    assert hook.on_page_markdown(md, page=other, config=None, files=None) == md
    hook.STATE.update(execute=True, why="")
    assert hook.on_page_markdown(md, page=page, config=None, files=None) == md


def test_rest_api_page_without_a_server_documents_no_endpoint() -> None:
    hook = load("rest_api")
    text = hook._markdown(None)
    assert "No endpoint is listed here because" in text and "## `" not in text
    doc = {
        "info": {"title": "econsec API", "version": "1"},
        "paths": {"/api/v1/autonomy": {"get": {"summary": "Import concentration"}}},
    }
    text = hook._markdown(doc)
    assert "## `GET /api/v1/autonomy`" in text and "Import concentration" in text


def test_rest_api_page_lists_every_endpoint_of_the_server() -> None:
    pytest.importorskip("fastapi", reason="the server's dependencies are not installed")
    from econsec.web import create_app

    hook = load("rest_api")
    doc = hook.openapi_document()
    assert doc is not None, hook.WHY
    text = hook._markdown(doc)
    for path, ops in create_app().openapi()["paths"].items():
        for method in ops:
            assert f"## `{method.upper()} {path}`" in text
