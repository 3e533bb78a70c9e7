"""The API enforces its own OpenAPI description, checked two ways.

* hand-written bodies the description forbids (wrong types, unknown fields, missing fields, a form
  body where JSON is declared) are refused with 400/415 before any view runs;
* a bounded, deterministic schemathesis run (``FUZZ_EXAMPLES`` cases per operation and mode,
  derandomised, no example database) over every operation: valid cases never get a 5xx, and invalid
  bodies (negative mode) are never accepted with a 2xx.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from review_ui.api_schema import schema_problem

SPEC = Path(__file__).resolve().parent.parent / "review_ui" / "openapi.json"
FUZZ_EXAMPLES = 6
FUZZ_BUDGET_S = 180  # a guard against a runaway fuzz (CI time), not a speed target: a loaded machine takes ~65 s


@pytest.mark.parametrize("body", [{"expected_version": "1"}, {"expected_version": 1, "year": "2021"},
                                  {"expected_version": 1, "colour": "red"}, {"agency": "x"}, [], "text"])
def test_bodies_the_spec_forbids_are_refused(client: Any, reviewer: dict[str, Any], login: Any, body: Any) -> None:
    headers = login(client, reviewer)
    response = client.patch("/api/documents/1/report", json=body, headers=headers)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"].startswith("$")


def test_form_body_where_json_is_declared_is_415(client: Any, reviewer: dict[str, Any], login: Any) -> None:
    headers = login(client, reviewer)
    response = client.post("/api/batches", data={"name": "x"}, headers=headers)
    assert response.status_code == 415


def test_validator_subset() -> None:
    schema = {"type": "object", "required": ["a"], "additionalProperties": False,
              "properties": {"a": {"type": ["integer", "null"], "minimum": 1}, "b": {"type": "array",
                                                                                   "items": {"type": "string"}}}}
    assert schema_problem({"a": 1, "b": ["x"]}, schema, "$") is None
    assert schema_problem({"a": None}, schema, "$") is None
    assert "below" in schema_problem({"a": 0}, schema, "$")
    assert "type integer" in schema_problem({"a": True}, schema, "$")   # a bool is not an integer
    assert "$.b[0]" in schema_problem({"a": 1, "b": [1]}, schema, "$")
    assert "unexpected" in schema_problem({"a": 1, "c": 1}, schema, "$")


def _fuzz(operation: Any, mode: Any, auth: dict[str, Any], failures: list[str]) -> int:
    """Run ``FUZZ_EXAMPLES`` cases of one operation in one mode; returns the number of calls."""
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.core.parameters import ParameterLocation
    from schemathesis.specs.openapi.checks import negative_data_rejection

    calls = 0

    @settings(max_examples=FUZZ_EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        nonlocal calls
        calls += 1
        for name in case.path_parameters or {}:  # pinned: ids of real objects, so bodies reach the views
            if name in auth["path"]:
                case.path_parameters[name] = auth["path"][name]
        response = case.call(headers=auth["headers"], cookies=auth["cookies"])
        # an invalid *body* (only the body: the cookie and CSRF header are ours) must be refused
        negative = {loc for loc, info in case.meta.components.items() if info.mode is GenerationMode.NEGATIVE}
        body_only = negative - {ParameterLocation.PATH, ParameterLocation.COOKIE} == {ParameterLocation.BODY}
        checks = [not_a_server_error] + ([negative_data_rejection] if body_only else [])
        try:
            case.validate_response(response, checks=checks)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected, asserted on below
            detail = " | ".join(line.strip() for line in str(exc).splitlines()[1:8] if line.strip())
            failures.append(f"{case.method} {case.formatted_path} ({mode.value}) → {response.status_code}: "
                            f"{detail[:300]} body={str(case.body)[:120]}")

    run()
    return calls


def test_schemathesis_bounded_run(app: Any, reviewer: dict[str, Any], login: Any, tmp_path: Path) -> None:
    """Path parameters are pinned to a real document in review, so bodies reach the views."""
    import schemathesis
    from docfactory import MISREAD_KEY
    from schemathesis import GenerationMode
    from test_api import _extracted

    client = app.test_client()
    headers = login(client, reviewer)
    doc_id = _extracted(app, client, headers, tmp_path)
    batch_id = client.get(f"/api/documents/{doc_id}/status").get_json()["batch_id"]
    auth = {"headers": headers, "cookies": {"session": client.get_cookie("session").value}}
    auth["path"] = {"doc_id": doc_id, "batch_id": batch_id, "key": MISREAD_KEY, "page": 1}
    schema = schemathesis.openapi.from_dict(json.loads(SPEC.read_text(encoding="utf-8")))
    schema.app = app
    failures: list[str] = []
    calls = 0
    start = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        calls += _fuzz(operation, GenerationMode.POSITIVE, auth, failures)
        if operation.body:
            calls += _fuzz(operation, GenerationMode.NEGATIVE, auth, failures)
    elapsed = time.monotonic() - start
    print(f"schemathesis: {calls} calls in {elapsed:.1f} s")
    assert failures == [], "\n".join(failures)
    assert calls > 50 and elapsed < FUZZ_BUDGET_S


def test_huge_integers_are_400_not_500(client: Any, reviewer: dict[str, Any], login: Any) -> None:
    """Found by the schemathesis run: ``?batch_id=1e22`` made SQLite raise OverflowError (a 500)."""
    headers = login(client, reviewer)
    assert client.get(f"/api/documents/audit?batch_id={10**22}").status_code == 400
    assert client.get("/api/jobs/failed?batch_id=abc").status_code == 400
    response = client.patch("/api/documents/1/report", json={"expected_version": 10**22}, headers=headers)
    assert response.status_code == 400 and "out of range" in response.get_json()["error"]
