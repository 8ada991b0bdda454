"""RFC 9457 problem documents: every client mistake is a 4xx naming the parameter.

A problem is ``application/problem+json`` with ``type``, ``title``, ``status``, ``detail``
and, where known, ``parameter`` (the query parameter or spec field at fault) and
``suggestions`` (close names the warehouse knows). ``errors`` lists every problem of a
request that failed validation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from econsec.errors import DataError, EconsecError, NotFoundError

MEDIA_TYPE = "application/problem+json"
#: Problem types: a stable URI per kind of mistake (documented in the OpenAPI description).
TYPES = {
    400: "bad-request",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    413: "too-large",
    422: "invalid-parameter",
    429: "too-many-requests",
    500: "internal-error",
    503: "unavailable",
}
TITLES = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    413: "Request too large",
    422: "Invalid parameter",
    429: "Too many requests",
    500: "Internal error",
    503: "Warehouse unavailable",
}


class Problem(Exception):
    """An error answered as a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        parameter: str | None = None,
        suggestions: Sequence[str] = (),
        kind: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.parameter = parameter
        self.suggestions = list(suggestions)
        self.kind = kind or TYPES.get(status, "error")
        self.extra = extra or {}

    def document(self, instance: str | None = None) -> dict[str, Any]:
        """Return the problem as a JSON object."""
        doc: dict[str, Any] = {
            "type": f"/api/v1/problems/{self.kind}",
            "title": TITLES.get(self.status, "Error"),
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            doc["instance"] = instance
        if self.parameter:
            doc["parameter"] = self.parameter
        if self.suggestions:
            doc["suggestions"] = self.suggestions
        return doc | self.extra


def problem_response(p: Problem, instance: str | None = None) -> JSONResponse:
    """Return the HTTP response carrying ``p``."""
    return JSONResponse(p.document(instance), status_code=p.status, media_type=MEDIA_TYPE)


def _one_line(text: str) -> str:
    return " ".join(" ".join(x.split()) for x in text.splitlines() if x.strip())


def from_error(e: BaseException, parameter: str | None = None) -> Problem:
    """Return the problem for an error econsec raised on purpose (the CLI's one-line message).

    Unknown names are 404 with the suggestions of the CLI; bad values and data problems 422
    (``parameter`` is the field a spec error names); other mistakes of the client (the CLI's
    exit status 2: ``EconsecError``, ``ValueError``), 400; anything else is a 500.
    """
    text = _one_line(str(e)) or type(e).__name__
    if isinstance(e, NotFoundError):
        return Problem(
            404,
            text,
            parameter=parameter or _parameter_of(e.kind),
            suggestions=[str(s) for s in e.suggestions],
            kind="unknown-name",
        )
    if isinstance(e, DataError):
        return Problem(422, text, parameter=parameter or e.field)
    if isinstance(e, EconsecError | ValueError | RecursionError):
        return Problem(400 if parameter is None else 422, text, parameter=parameter)
    # As the CLI's "internal error": a bug of ours, never the client's input.
    return Problem(500, f"internal error: {type(e).__name__}: {text}")


def _parameter_holding(request: Request, e: Exception) -> str | None:
    """Name the query parameter that holds an unknown name (``importer=Japn`` → importer)."""
    if not isinstance(e, NotFoundError):
        return None
    name = str(e.name).strip().casefold()
    for key, value in request.query_params.multi_items():
        if name in {v.strip().casefold() for v in value.split(",")}:
            return key
    return None


def _parameter_of(kind: str) -> str | None:
    # The kind of an unknown name says which parameter family it came from.
    k = kind.lower()
    if "product" in k or "basket" in k or "hs" in k:
        return "product"
    if "year" in k:
        return "year"
    if "group" in k and "country" not in k:
        return "group"
    if "release" in k:
        return "release"
    return None


def _loc_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("query", "body", "path", "header")]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else ("." if out else "") + p
    return out or "request"


def _body_error(err: dict[str, Any]) -> tuple[str, str]:
    # A spec's field and message as the CLI words them for the same mistake in a TOML file.
    from econsec.scenarios.spec import _problem

    if err.get("type") == "json_invalid":
        why = err.get("ctx", {}).get("error", "")
        return "body", f"the body is not valid JSON{': ' + str(why) if why else ''}"
    loc = tuple(err.get("loc", ()))[1:]
    field, msg = _problem({**err, "loc": loc})
    return field or "body", msg


def validation_problem(e: RequestValidationError) -> Problem:
    """One problem listing every invalid parameter (the first one in ``detail``)."""
    errors = []
    for err in e.errors():
        loc = tuple(err.get("loc", ()))
        if loc[:1] == ("body",):
            name, msg = _body_error(dict(err))
        else:
            name = _loc_name(loc)
            msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            if err.get("type") == "missing":
                msg = "required parameter is missing"
        errors.append({"parameter": name, "detail": msg})
    first = errors[0] if errors else {"parameter": "request", "detail": "invalid request"}
    return Problem(
        422,
        f"{first['parameter']}: {first['detail']}",
        parameter=first["parameter"],
        extra={"errors": errors},
    )


def install(app: FastAPI) -> None:
    """Answer every error with a problem document (never an HTML page or a traceback)."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc, request.url.path)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(validation_problem(exc), request.url.path)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        p = Problem(exc.status_code, str(exc.detail))
        resp = problem_response(p, request.url.path)
        if exc.headers:
            resp.headers.update(exc.headers)
        return resp

    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(from_error(exc, _parameter_holding(request, exc)), request.url.path)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(EconsecError, on_error)
    app.add_exception_handler(ValueError, on_error)
    app.add_exception_handler(Exception, on_error)
