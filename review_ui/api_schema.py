"""Request bodies are checked against the API's own OpenAPI description (``review_ui/openapi.json``).

Before a view runs, the operation the request matches (path template + method) is looked up; if it
declares a JSON ``requestBody``, the body must be JSON (else 415) and valid against its schema (else
400 with the first problem, e.g. ``$.year: "2021" is not of type integer``). A required body that is
missing is a 400; integer query/path parameters must be integers within 64 bits (else 400: a huge id
made SQLite raise OverflowError, a 500, found by the schemathesis run). Only the JSON Schema
keywords the description uses are implemented: ``type``,
``properties``, ``required``, ``additionalProperties``, ``items``, ``enum``, ``minimum``/``maximum``,
``minLength``/``maxLength``, ``$ref`` (to ``#/components/schemas``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from flask import request

from review_ui.blueprints.meta import _spec

JSON = "application/json"
TYPES: dict[str, tuple[type, ...]] = {"object": (dict,), "array": (list,), "string": (str,), "boolean": (bool,),
                                      "integer": (int,), "number": (int, float), "null": (type(None),)}


INT64_MAX = 2**63 - 1          # integers beyond this cannot be stored (SQLite/PostgreSQL BIGINT)


@lru_cache(maxsize=1)
def _operations() -> dict[tuple[str, str], tuple[dict[str, Any], list[dict[str, Any]]]]:
    """``{(path template, METHOD): (operation, parameters incl. path-level ones)}``."""
    out = {}
    for template, ops in _spec()["paths"].items():
        shared = ops.get("parameters", [])
        for method, op in ops.items():
            if method != "parameters" and isinstance(op, dict):
                out[(template, method.upper())] = (op, [*shared, *op.get("parameters", [])])
    return out


def request_problem() -> tuple[int, str] | None:
    """``(status, message)`` when this request breaks the OpenAPI description, else None. The
    operation is the one of the Flask rule that matched (``<int:doc_id>`` ↔ ``{doc_id}``)."""
    if request.url_rule is None:
        return None
    template = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", request.url_rule.rule)
    found = _operations().get((template, request.method))
    if found is None:
        return None
    return _parameter_problem(found[1]) or _body_problem(found[0].get("requestBody"))


def _parameter_problem(params: list[dict[str, Any]]) -> tuple[int, str] | None:
    """Integer query/path parameters must be integers within ``INT64_MAX``."""
    for param in params:
        if param.get("schema", {}).get("type") != "integer" or param.get("in") not in ("query", "path"):
            continue
        raw = request.args.get(param["name"]) if param["in"] == "query" else (request.view_args or {}).get(
            param["name"])
        if raw is None or raw == "":
            continue
        try:
            number = int(raw)
        except (TypeError, ValueError):
            return 400, f"{param['name']} must be an integer"
        if abs(number) > INT64_MAX:
            return 400, f"{param['name']} is out of range"
    return None


def _body_problem(body_spec: dict[str, Any] | None) -> tuple[int, str] | None:
    if body_spec is None or JSON not in body_spec.get("content", {}):
        return None
    raw = request.get_data(cache=True)
    if not raw:
        return (400, "a JSON body is required") if body_spec.get("required") else None
    if not request.is_json:
        return 415, f"the body must be {JSON}"
    data = request.get_json(silent=True)
    if data is None and raw.strip() != b"null":
        return 400, "the body is not valid JSON"
    problem = schema_problem(data, body_spec["content"][JSON].get("schema", {}), "$")
    return (400, problem) if problem else None


def schema_problem(value: Any, schema: dict[str, Any], where: str) -> str | None:
    """The first way ``value`` breaks ``schema`` (a JSON-Schema subset), or None."""
    if "$ref" in schema:
        schema = _spec()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    kinds = schema.get("type")
    if kinds is not None:
        allowed = [kinds] if isinstance(kinds, str) else list(kinds)
        if not any(_is(value, k) for k in allowed):
            return f"{where}: {_show(value)} is not of type {' or '.join(allowed)}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT64_MAX:
        return f"{where}: {_show(value)} is out of range"
    if "enum" in schema and value not in schema["enum"]:
        return f"{where}: {_show(value)} is not one of {schema['enum']}"
    return _bounds_problem(value, schema, where) or _container_problem(value, schema, where)


def _is(value: Any, kind: str) -> bool:
    if isinstance(value, bool) and kind in ("integer", "number"):
        return False
    return isinstance(value, TYPES.get(kind, (object,)))


def _bounds_problem(value: Any, schema: dict[str, Any], where: str) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            return f"{where}: {value} is below {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            return f"{where}: {value} is above {schema['maximum']}"
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            return f"{where}: shorter than {schema['minLength']} characters"
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return f"{where}: longer than {schema['maxLength']} characters"
    return None


def _container_problem(value: Any, schema: dict[str, Any], where: str) -> str | None:
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                return f"{where}.{name} is required"
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in props:
                sub = props[name]
            elif extra is False:
                return f"{where}: unexpected field {name!r}"
            elif isinstance(extra, dict):
                sub = extra
            else:
                continue
            if problem := schema_problem(item, sub, f"{where}.{name}"):
                return problem
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            if problem := schema_problem(item, schema["items"], f"{where}[{i}]"):
                return problem
    return None


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
