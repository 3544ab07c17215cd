"""The API document is what client generators and fuzzers read: names a person
would choose, the credentials it takes, and every error as the one problem
shape the API really sends."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World

PROBLEM_REF = "#/components/schemas/Problem"


@pytest.fixture()
def document(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, operation)
            for path, item in document["paths"].items()
            for method, operation in item.items()]


def test_operation_ids_are_the_route_names_and_unique(document: dict[str, Any]) -> None:
    ids = {f"{method} {path}": op["operationId"] for method, path, op in _operations(document)}
    assert len(set(ids.values())) == len(ids)
    for operation_id in ids.values():
        assert operation_id.isidentifier() and "api_v1" not in operation_id, operation_id
    assert ids["GET /api/v1/workspaces/{workspace_id}/posts"] == "list_posts"
    assert ids["POST /api/v1/workspaces/{workspace_id}/posts"] == "create_post"
    assert ids["GET /api/v1/workspaces/{workspace_id}/calendar"] == "get_calendar"
    assert ids["POST /api/v1/workspaces/{workspace_id}/check"] == "check_change"
    assert ids["GET /healthz"] == "get_health"


def test_bearer_and_session_cookie_are_declared_on_every_guarded_operation(
    document: dict[str, Any],
) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    assert schemes["session"] == {**schemes["session"], "type": "apiKey", "in": "cookie",
                                  "name": "giveask_session"}
    for method, path, operation in _operations(document):
        if path == "/healthz":
            assert "security" not in operation
        else:
            assert operation["security"] == [{"bearer": []}, {"session": []}], (method, path)
            assert "401" in operation["responses"], (method, path)


def test_every_error_is_documented_as_problem_json(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert set(schemas["Problem"]["required"]) == {"type", "title", "status", "detail"}
    assert schemas["Problem"]["additionalProperties"] is True
    for method, path, operation in _operations(document):
        responses = operation["responses"]
        for status, response in responses.items():
            if int(status) >= 400 and path != "/healthz":
                assert response["content"] == {
                    "application/problem+json": {"schema": {"$ref": PROBLEM_REF}}
                }, (method, path, status)
        if "{" in path:
            assert "404" in responses, (method, path)
        assert {"422", "503"} <= set(responses), (method, path)
        if method in {"POST", "PUT", "PATCH", "DELETE"}:
            assert "403" in responses, (method, path)
    patch_post = document["paths"]["/api/v1/workspaces/{workspace_id}/posts/{post_id}"]["patch"]
    assert {"400", "409", "412", "413"} <= set(patch_post["responses"])
    tokens = document["paths"]["/api/v1/workspaces/{workspace_id}/tokens"]["get"]
    assert "403" in tokens["responses"]  # admins only, though a GET


@pytest.mark.parametrize(("path", "method", "model"), [
    ("/calendar", "get", "Calendar"),
    ("/findings", "get", "FindingsInRange"),
    ("/rules", "get", "RulesProfilePublic"),
    ("/rules", "put", "RulesProfilePublic"),
    ("/check", "post", "CheckResult"),
    ("/weeks", "get", "Page_WaitingWeek_"),
    ("/weeks/{week}", "get", "WeekReviewPublic"),
    ("/channels/{channel_id}/next-slot", "get", "NextSlot"),
    ("/posts/{post_id}/history", "get", "Page_AuditEventPublic_"),
])
def test_analysis_and_review_answers_are_typed(document: dict[str, Any], path: str, method: str,
                                               model: str) -> None:
    operation = document["paths"]["/api/v1/workspaces/{workspace_id}" + path][method]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": f"#/components/schemas/{model}"}
    assert document["components"]["schemas"][model]["properties"]


def test_method_not_allowed_names_every_method_of_the_path(client: TestClient,
                                                          world: World) -> None:
    response = client.put(world.path("/posts/some-post"), headers=world.auth("admin"), json={})
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PATCH"
    assert response.headers["content-type"] == "application/problem+json"
    collection = client.delete(world.path("/posts"), headers=world.auth("admin"))
    assert collection.headers["allow"] == "GET, POST"
    # A literal path is its own resource, though /posts/{post_id} matches it too.
    literal = client.put(world.path("/posts/submit-week"), headers=world.auth("admin"))
    assert literal.headers["allow"] == "POST"
    page = client.put("/login")
    assert page.status_code == 405
    assert page.headers["allow"] == "GET, POST"


def _nodes(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node, *(n for value in node.values() for n in _nodes(value))]
    if isinstance(node, list):
        return [n for value in node for n in _nodes(value)]
    return []


def test_bounds_and_nulls_are_spelled_as_json_schema(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for node in _nodes(schemas):
        if node.get("type") in ("integer", "number"):
            assert not {"ge", "le", "gt", "lt"} & set(node), node
    episode = schemas["PostCreate"]["properties"]["episode"]["anyOf"][0]
    assert (episode["minimum"], episode["maximum"]) == (1, 10_000)
    # An edit may leave a field out; where null is refused, the document has no null.
    edit = schemas["PostUpdate"]["properties"]
    assert edit["kind"]["type"] == "string" and "anyOf" not in edit["kind"]
    assert {"type": "null"} in edit["category"]["anyOf"]  # null clears a category
    for operation in (op for _, _, op in _operations(document)):
        for parameter in operation.get("parameters", []):
            assert {"type": "null"} not in parameter["schema"].get("anyOf", []), parameter
