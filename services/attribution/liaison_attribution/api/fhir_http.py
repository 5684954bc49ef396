"""HTTP for attribution's FHIR R4 face (`/fhir`): answers in `application/fhir+json`, and every error a
route or its dependencies raise (a missing scope, an unknown Group, an invalid parameter) as an
OperationOutcome with its 4xx status, naming the parameter and never its value.

What the request pipeline answers before a route is reached (401, 413, 429, a malformed JSON body,
a control character in the query) stays problem+json, as at every other route of the program; the
OpenAPI responses below say so.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from liaison_attribution.fhir_outcome import ISSUE_CODES, FhirError, Issue, Where, operation_outcome
from liaison_shared.problems import PROBLEM_JSON, Problem, Refusal, field_errors

FHIR_JSON = "application/fhir+json"
FHIR_NDJSON = "application/fhir+ndjson"


class FhirJSON(JSONResponse):
    """A FHIR resource as `application/fhir+json`."""

    media_type = FHIR_JSON


def outcome_response(status: int, issues: Sequence[Issue], headers: dict[str, str] | None = None) -> FhirJSON:
    return FhirJSON(operation_outcome(status, issues), status_code=status, headers=headers)


def _from_refusal(status: int, code: str, detail: str, extra: dict[str, Any]) -> FhirJSON:
    errors = extra.get("errors") or []
    if errors:
        issues = [Issue(str(e["field"]), str(e["reason"])) for e in errors]
    elif extra.get("required_scope"):
        issues = [Issue("Authorization", detail, "header", ISSUE_CODES.get(status))]
    else:
        issues = [Issue(code, detail, "none", ISSUE_CODES.get(status))]
    return outcome_response(status, issues)


_SERVED: dict[str, set[str]] = {}
"""The methods each FHIR path is served with, by every FhirRoute at it."""


class FhirRoute(APIRoute):
    """A route whose errors, its dependencies' included, are OperationOutcomes; a 405 at its path lists every
    method served there (Starlette's would name only this route's, e.g. GET of a status URL one can DELETE)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        _SERVED.setdefault(self.path, set()).update(self.methods or ())

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.methods and scope["method"] not in self.methods:
            raise HTTPException(405, headers={"Allow": ", ".join(sorted(_SERVED.get(self.path, self.methods)))})
        await super().handle(scope, receive, send)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answered(request: Request) -> Response:
            try:
                return await handler(request)
            except FhirError as refused:
                return outcome_response(refused.status, refused.issues)
            except RequestValidationError as exc:
                return outcome_response(400, [Issue(e["field"], e["reason"], _where(e["field"], exc))
                                              for e in field_errors(exc)])
            except (Problem, Refusal) as refused:
                return _from_refusal(refused.status, refused.code, refused.detail, refused.extra)

        return answered


def _where(field: str, exc: RequestValidationError) -> Where:
    for err in exc.errors():
        if field in [str(part) for part in err["loc"]]:
            kind = str(err["loc"][0])
            return "header" if kind == "header" else "path" if kind == "path" else "body" if kind == "body" \
                else "query"
    return "query"


# -- OpenAPI -------------------------------------------------------------------------------------

def resource_schema(resource_type: str, description: str) -> dict[str, Any]:
    return {"type": "object", "description": description, "required": ["resourceType"],
            "properties": {"resourceType": {"type": "string", "enum": [resource_type]}},
            "additionalProperties": True}


OUTCOME_SCHEMA = resource_schema("OperationOutcome", "What is wrong, each issue naming the parameter.")
_PROBLEM = {"schema": {"$ref": "#/components/schemas/Problem"}}
_OUTCOME = {"schema": OUTCOME_SCHEMA}


def fhir_responses(success: int, schema: dict[str, Any], description: str, *,
                   headers: dict[str, Any] | None = None, content_type: str = FHIR_JSON
                   ) -> dict[int | str, dict[str, Any]]:
    """`responses` of a FHIR route: its success, and its errors as OperationOutcomes (or, for what the
    request pipeline refuses first, problem details)."""
    ok: dict[str, Any] = {"description": description, "content": {content_type: {"schema": schema}}}
    if headers:
        ok["headers"] = headers
    return {
        success: ok,
        400: {"description": "An invalid parameter (named in the OperationOutcome), or a malformed body",
              "content": {FHIR_JSON: _OUTCOME, PROBLEM_JSON: _PROBLEM}},
        403: {"description": "The credential lacks the scope", "content": {FHIR_JSON: _OUTCOME}},
        404: {"description": "No such resource (or not the caller's to see)",
              "content": {FHIR_JSON: _OUTCOME, PROBLEM_JSON: _PROBLEM}},
        422: {"description": "A parameter names something that cannot be done (named in the OperationOutcome), "
                             "or a control character in the query",
              "content": {FHIR_JSON: _OUTCOME, PROBLEM_JSON: _PROBLEM}},
    }
