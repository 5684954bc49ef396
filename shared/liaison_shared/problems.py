"""HTTP errors in one shape across services: RFC 9457 problem details.

Validation errors name the field and the reason, never the submitted value
(it may be PHI).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from liaison_shared.db import is_outage

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """An error a caller can act on, answered as problem details."""

    def __init__(self, status: int, title: str, detail: str, *, code: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.code, self.extra = status, title, detail, code, extra


class Refusal(Exception):
    """A use case's refusal, raised without any HTTP in it; answered as a problem with `status`."""

    status = 409

    def __init__(self, code: str, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.code, self.title, self.detail, self.extra = code, title, detail, extra


class NotFound(Refusal):
    """What the caller names does not exist (or is not theirs to see): 404."""

    status = 404


class Conflict(Refusal):
    """The resource's state does not allow it: 409."""

    status = 409


def problem_response(status: int, title: str, detail: str, code: str, **extra: Any) -> JSONResponse:
    """A problem-details response (`type` is a stable, documented URN per code)."""
    body = {"type": f"urn:liaison:problem:{code}", "title": title, "status": status, "detail": detail,
            "code": code, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    """[{field, reason, kind}] for each invalid field, values left out."""
    errors = []
    for err in exc.errors():
        if err["type"] == "json_invalid":  # its location is a character offset, not a field
            errors.append({"field": "body", "reason": "is not valid JSON", "kind": "json_invalid"})
            continue
        location = [str(part) for part in err["loc"] if part not in ("body", "query", "path", "header")]
        errors.append({"field": ".".join(location) or "body", "reason": err["msg"], "kind": err["type"]})
    return errors


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error of `app` as problem details."""

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(422, "Invalid request", "One or more fields are invalid.", "validation",
                                errors=field_errors(exc))

    async def on_problem(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem | Refusal)
        return problem_response(exc.status, exc.title, exc.detail, exc.code, **exc.extra)

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        response = problem_response(exc.status_code, str(exc.detail), str(exc.detail), f"http-{exc.status_code}")
        response.headers.update(exc.headers or {})  # Allow on a 405, for one
        return response

    async def on_database_error(_: Request, exc: Exception) -> JSONResponse:
        if not is_outage(exc):
            raise exc  # a fault, not an outage: the request pipeline's boundary answers 500
        response = problem_response(503, "Service unavailable", "The database is unavailable; retry shortly.",
                                    "database-unavailable")
        response.headers["Retry-After"] = "2"
        return response

    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(DBAPIError, on_database_error)
    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(Refusal, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
