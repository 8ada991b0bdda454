"""MkDocs hook: the REST API reference, from the server's own OpenAPI document.

PLACE FOR THE REST API. When the package ships a server (``econsec.web``, exposing a FastAPI
``app`` or a ``create_app()`` factory), this hook writes its OpenAPI document to
``reference/openapi.json`` and one section per endpoint to ``reference/rest-api.md``. Until
then the page says that there is no REST API yet; nothing here describes endpoints by hand.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

PAGE = "reference/rest-api.md"
SPEC = "reference/openapi.json"
SERVER_MODULE = "econsec.web"


#: Why the page lists no endpoint, when it lists none.
WHY = {"why": "econsec has no REST API yet"}


def openapi_document() -> dict[str, Any] | None:
    """Return the server's OpenAPI document, or None when it cannot be had (see ``WHY``)."""
    try:
        mod = importlib.import_module(SERVER_MODULE)
    except ModuleNotFoundError as e:
        if e.name and SERVER_MODULE.startswith(e.name):
            WHY["why"] = "econsec has no REST API yet"
            return None
        if e.name and e.name.split(".")[0] != "econsec":
            # The server needs an extra (FastAPI ...) this environment lacks: say so on the page.
            WHY["why"] = f"this build lacks the server's dependency {e.name!r}"
            return None
        raise  # one of our own modules is missing: the build must say so
    # The factory first: ``econsec.web.app`` may be the submodule, not an application.
    app = mod.create_app() if hasattr(mod, "create_app") else getattr(mod, "app", None)
    if app is None or not hasattr(app, "openapi"):
        WHY["why"] = f"{SERVER_MODULE} exposes no application with an OpenAPI document"
        return None
    doc: dict[str, Any] = app.openapi()
    return doc


def _markdown(doc: dict[str, Any] | None) -> str:
    lines = ["# REST API", ""]
    if doc is None:
        lines += [
            f"No endpoint is listed here because {WHY['why']}. This page is generated from",
            "the server's OpenAPI document and lists every endpoint when it can be built.",
        ]
        return "\n".join(lines) + "\n"
    info = doc.get("info", {})
    lines += [
        f"Generated from the server's OpenAPI document ({info.get('title', 'econsec')} "
        f"{info.get('version', '')}); the document itself: [openapi.json](openapi.json).",
        "",
    ]
    for path, ops in sorted(doc.get("paths", {}).items()):
        for method, op in ops.items():
            if method.startswith("x-") or not isinstance(op, dict):
                continue
            lines += [f"## `{method.upper()} {path}`", ""]
            if op.get("summary"):
                lines += [op["summary"], ""]
            if op.get("description"):
                lines += [op["description"], ""]
            params = op.get("parameters", [])
            if params:
                lines += ["| parameter | in | required | description |", "|---|---|---|---|"]
                for p in params:
                    desc = " ".join(str(p.get("description", "")).split()).replace("|", r"\|")
                    req = "yes" if p.get("required") else "no"
                    lines.append(f"| `{p.get('name')}` | {p.get('in')} | {req} | {desc} |")
                lines.append("")
    return "\n".join(lines) + "\n"


def on_files(files: Files, config: MkDocsConfig, **kwargs: Any) -> Files:
    """Add the REST API page (and the OpenAPI document when there is a server)."""
    doc = openapi_document()
    files.append(File.generated(config, PAGE, content=_markdown(doc)))
    if doc is not None:
        files.append(File.generated(config, SPEC, content=json.dumps(doc, indent=2)))
    return files
