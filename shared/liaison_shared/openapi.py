"""OpenAPI documents that say what the services answer.

FastAPI documents a 422 as its own HTTPValidationError and nothing of what the
request pipeline answers. `describe_truthfully` rewrites each operation's
responses: every error as problem+json (RFC 9457), the pipeline's statuses
(400, 401, 403, 413, 429, 500, 503) with their headers, 404 where a path names
a resource, and the credentials every non-public operation needs.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from liaison_shared.pipeline import PUBLIC_PATHS
from liaison_shared.problems import PROBLEM_JSON

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMAS: dict[str, Any] = {
    "Problem": {
        "title": "Problem", "type": "object", "description": "RFC 9457 problem details.",
        "required": ["type", "title", "status", "detail", "code"],
        "properties": {
            "type": {"type": "string", "examples": ["urn:liaison:problem:validation"]},
            "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"},
            "code": {"type": "string", "description": "Stable, machine-readable reason."},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
            "correlation_id": {"type": "string", "description": "Quote it to operations (500s)."},
        },
        "additionalProperties": True,
    },
    "FieldError": {
        "title": "FieldError", "type": "object", "required": ["field", "reason"],
        "properties": {"field": {"type": "string", "description": "Dotted path of the field, or body/query/path."},
                       "reason": {"type": "string"}, "kind": {"type": "string"}},
    },
}
SECURITY_SCHEMES = {
    "Bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
               "description": "An access token of the program's OpenID provider (docs/identity.md)."},
}
_SECONDS = {"schema": {"type": "string", "pattern": "^[0-9]+$"}, "description": "Seconds to wait."}
PIPELINE_RESPONSES: dict[str, dict[str, Any]] = {
    "401": {"description": "No valid credential", "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}},
    "403": {"description": "The credential may not do this"},
    "429": {"description": "Too many requests", "headers": {"Retry-After": _SECONDS}},
    "500": {"description": "Internal error (see correlation_id)"},
    "503": {"description": "A dependency is unavailable", "headers": {"Retry-After": _SECONDS}},
}
BODY_RESPONSES = {
    "400": {"description": "Malformed body (not UTF-8 JSON, or nested too deep)"},
    "413": {"description": "Body too large"},
}
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"description": "Conflicts with the resource's state"}}
"""`responses` of a route that refuses what its resource's state does not allow."""
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Not found"}}
"""`responses` of a route that names a resource in its body rather than its path."""
ERROR_DESCRIPTIONS = {"404": "Not found", "409": "Conflicts with the resource's state",
                      "422": "Invalid fields (each named, with the reason)"}


def describe_truthfully(app: FastAPI) -> None:
    """Make `app.openapi()` describe every status the app can answer."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, routes=app.routes)
            app.openapi_schema = _rewritten(document)
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]


def _rewritten(document: dict[str, Any]) -> dict[str, Any]:
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas.update(PROBLEM_SCHEMAS)
    components["securitySchemes"] = SECURITY_SCHEMES
    for path, item in document.get("paths", {}).items():
        for operation in item.values():
            _rewrite(path, operation)
    return document


def _rewrite(path: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if path in PUBLIC_PATHS:
        operation["security"] = []
        return
    operation["security"] = [{"Bearer": []}]
    wanted = dict(PIPELINE_RESPONSES)
    if operation.get("requestBody"):
        wanted.update(BODY_RESPONSES)
    if "{" in path:
        wanted["404"] = {"description": ERROR_DESCRIPTIONS["404"]}
    if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])):
        wanted["409"] = {"description": "This Idempotency-Key was used for another request"}
    if operation.get("parameters") or operation.get("requestBody"):
        wanted["422"] = {"description": ERROR_DESCRIPTIONS["422"]}
    for status, response in wanted.items():
        responses.setdefault(status, {}).update({k: v for k, v in response.items()
                                                 if k not in responses.get(status, {})})
    for status, response in responses.items():
        if int(status) >= 400 and _not_described(response):
            response["description"] = ERROR_DESCRIPTIONS.get(status, response.get("description") or "Error")
            response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}


def _not_described(response: dict[str, Any]) -> bool:
    content = response.get("content")
    if not content:
        return True
    schema: dict[str, Any] = next(iter(content.values())).get("schema", {})
    return bool(str(schema.get("$ref", "")).endswith("/HTTPValidationError") or schema == {})
