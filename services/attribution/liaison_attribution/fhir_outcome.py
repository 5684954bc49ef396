"""FHIR refusals and their OperationOutcomes, without any HTTP in them: what the FHIR use cases raise
(`FhirError`, each `Issue` naming a parameter with the reason, never its value) and what the FHIR
routes answer with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

Where = Literal["query", "header", "body", "path", "none"]

ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 409: "conflict",
               410: "deleted", 413: "too-long", 422: "processing"}


@dataclass(frozen=True)
class Issue:
    """One thing wrong with a request: which parameter (of the query or the body) or header, and why."""

    name: str
    reason: str
    where: Where = "query"
    code: str | None = None


class FhirError(Exception):
    """A FHIR request refused: its status and issues, answered as an OperationOutcome."""

    def __init__(self, status: int, issues: Sequence[Issue]) -> None:
        super().__init__("; ".join(f"{i.name}: {i.reason}" for i in issues))
        self.status, self.issues = status, list(issues)


def invalid(name: str, reason: str, where: Where = "query", *, status: int = 400, code: str | None = None
            ) -> FhirError:
    """One invalid parameter (400 unless told)."""
    return FhirError(status, [Issue(name, reason, where, code)])


def not_found(what: str) -> FhirError:
    """A 404 for the resource the path names (also what another MCO's resource is to an MCO's caller)."""
    return FhirError(404, [Issue("id", f"no {what} with this id", "path", "not-found")])


def operation_outcome(status: int, issues: Sequence[Issue]) -> dict[str, Any]:
    """An OperationOutcome of errors; a body parameter is located by FHIRPath (`expression`), a query
    parameter, path segment or header as R4 says of HTTP (`location`: `http.<name>`)."""
    return {"resourceType": "OperationOutcome", "issue": [_issue(status, issue) for issue in issues]}


def information(text: str) -> dict[str, Any]:
    """An OperationOutcome telling what was done."""
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "information", "code": "informational", "diagnostics": text}]}


def _issue(status: int, issue: Issue) -> dict[str, Any]:
    found: dict[str, Any] = {"severity": "error", "code": issue.code or ISSUE_CODES.get(status, "processing"),
                             "diagnostics": f"{issue.name}: {issue.reason}"}
    if issue.where == "body":
        found["expression"] = [f"Parameters.parameter.where(name = '{issue.name}')"]
    elif issue.where != "none":
        found["location"] = [f"http.{issue.name}"]
    return found
