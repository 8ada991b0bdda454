"""A bounded fuzz run of the API from its own OpenAPI document: no answer is a 5xx.

Query parameters are drawn from each operation's schema (hypothesis-jsonschema), mixed with
names the warehouse knows and text it does not; request bodies of the POST operations from
their schemas. Every answer must be below 500, and every error a problem document.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

pytestmark = pytest.mark.slow

#: Examples per operation (heavy ones: a third); ECONSEC_FUZZ_EXAMPLES=200 for a deep run.
EXAMPLES = int(os.environ.get("ECONSEC_FUZZ_EXAMPLES", "15"))
KNOWN = ["JPN", "CHN", "EU27", "G7", "TWN", "Japan", "850511", "2805", "81", "2024", "0.5"]
SKIP = {"/api/v1/jobs/{job_id}"}  # reads jobs by id; fuzzed by the job tests


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Inline ``$ref``s (the document's components) so that a schema stands alone."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            return _resolve(spec, spec["components"]["schemas"][name])
        return {k: _resolve(spec, v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_resolve(spec, v) for v in schema]
    return schema


def _schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values of a (resolved) schema: objects, arrays and unions here, scalars by
    hypothesis-jsonschema (whose object strategy does not run on current hypothesis)."""
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([_schema(s) for s in schema[key]])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        need = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {k: _schema(v) for k, v in props.items() if k in need},
            optional={k: _schema(v) for k, v in props.items() if k not in need},
        )
    if kind == "array":
        items = schema.get("items") or {}
        if "prefixItems" in schema:
            return st.tuples(*[_schema(s) for s in schema["prefixItems"]]).map(list)
        return st.lists(_schema(items) if items else st.text(max_size=6), max_size=3)
    if not schema:
        return st.none() | st.integers() | st.text(max_size=6)
    return from_schema(schema)


def _value(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    text = st.text(max_size=12)
    return st.one_of(_schema(schema), st.sampled_from(KNOWN), text)


def _query(spec: dict[str, Any], op: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for p in op.get("parameters", []):
        if p["in"] != "query":
            continue
        strat = _value(_resolve(spec, p.get("schema", {})))
        (fields if p.get("required") else optional)[p["name"]] = strat
    return st.fixed_dictionaries(fields, optional=optional)


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for path, ops in spec["paths"].items():
        if path in SKIP or not path.startswith("/api/v1"):
            continue
        for method, op in ops.items():
            out.append((method, path, op))
    return out


def _check(r: Any, what: str, seen: Counter[int]) -> None:
    seen[r.status_code // 100] += 1
    assert r.status_code < 500, f"{what} → {r.status_code}: {r.text[:500]}"
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/problem+json"), what
        assert r.json()["detail"], what


@pytest.fixture(scope="module")
def spec(client) -> dict[str, Any]:
    return client.get("/openapi.json").json()


def _fuzz(client: Any, spec: dict[str, Any], method: str, path: str, op: dict[str, Any], seen):
    heavy = any(w in path for w in ("yard", "plan", "scenario", "backtests/", "rerouting"))

    @settings(
        max_examples=max(EXAMPLES // 3, 2) if heavy else EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(query=_query(spec, op), data=st.data())
    def run(query: dict[str, Any], data: st.DataObject) -> None:
        url = path.replace("{name}", data.draw(st.sampled_from(["G7", "us-eo14017", "x"])))
        events = ["cn-gallium-germanium-2023", "jp-kr-semiconductor-materials-2019", "x"]
        url = url.replace("{event}", data.draw(st.sampled_from(events)))
        # a job would outlive the example: ask for the answer in the request
        q = {k: v for k, v in query.items() if k != "job"}
        if method == "post":
            body_schema = op["requestBody"]["content"]["application/json"]["schema"]
            body = data.draw(_schema(_resolve(spec, body_schema)) | st.just({}))
            r = client.post(url, params=q, json=body)
        else:
            r = client.get(url, params=q)
        _check(r, f"{method.upper()} {url} {q}", seen)

    return run


def test_fuzz_every_operation_from_the_openapi_document(client, spec):
    ops = _operations(spec)
    assert len(ops) >= 20
    seen: Counter[int] = Counter()
    for method, path, op in ops:
        _fuzz(client, spec, method, path, op, seen)()
    # the run reached the verbs (answers) and their checks (problems), not only one of them
    assert seen[2] > 30 and seen[4] > 30, seen
