"""The services the console reads and writes through, always with the signed-in person's own access
token: intake (the one writer of cases, which checks every action, keeps the MCO and party
confinement and audits every read of PHI), the notifier (the letters to print), reporting (the
reports, which it confines to an MCO's referrals for the MCO's people) and care coordination (high-risk
lists, case conferences, transitions of care; it confines a plan's and a practice's people to their own
and audits every read of PHI).

Side effects at the edge: HTTP, nothing else.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx

from liaison_console.settings import CARE_COORDINATION_URL, REPORTING_URL
from liaison_shared.problems import Refusal

REPORT_SECONDS = 30.0
"""How long a report may take: reporting aggregates up to three years of cases for one."""


class BackendUnavailable(Refusal):
    """A service did not answer (down, or a network fault): the page says so and changes nothing."""

    status = 503

    def __init__(self, service: str) -> None:
        super().__init__("backend-unavailable", "Service unavailable",
                         f"{service} did not answer; nothing was changed. Try again shortly.")


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def field_errors(self) -> list[dict[str, str]]:
        """The fields intake refused and why (its problem+json `errors`), or the refusal as a whole."""
        if not isinstance(self.body, dict):
            return [{"field": "", "reason": f"refused ({self.status})"}]
        errors = self.body.get("errors")
        if isinstance(errors, list) and errors:
            return [{"field": str(e.get("field", "")), "reason": str(e.get("reason", ""))} for e in errors
                    if isinstance(e, dict)]
        return [{"field": "", "reason": str(self.body.get("detail") or self.body.get("title") or self.status),
                 "code": str(self.body.get("code", ""))}]


@dataclass(frozen=True)
class ReportFile:
    """A report's file on its way from reporting: `chunks` streams it once and closes the connection
    at its end; `close` closes it if the file is not streamed after all."""

    media_type: str
    disposition: str
    chunks: AsyncIterator[bytes]
    close: Callable[[], Awaitable[None]]


class Backends:
    def __init__(self, intake_url: str, notifier_url: str, http: httpx.AsyncClient | None = None, *,
                 reporting_url: str = REPORTING_URL, care_coordination_url: str = CARE_COORDINATION_URL) -> None:
        self._intake, self._notifier = intake_url.rstrip("/"), notifier_url.rstrip("/")
        self._reporting, self._care = reporting_url.rstrip("/"), care_coordination_url.rstrip("/")
        self._names = {self._intake: "Intake", self._notifier: "The notifier", self._reporting: "Reporting",
                       self._care: "Care coordination"}
        self._http = http or httpx.AsyncClient(timeout=10.0)

    def _unavailable(self, url: str) -> BackendUnavailable:
        return BackendUnavailable(self._names.get(url.split("/v1/")[0], "A service"))

    async def _call(self, method: str, url: str, token: str, **kwargs: Any) -> Answer:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        try:
            response = await self._http.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError:
            raise self._unavailable(url) from None
        if response.status_code >= 500:
            raise self._unavailable(url)
        return _answer(response)

    async def inquiry(self, token: str, inquiry_id: UUID) -> Answer:
        return await self._call("GET", f"{self._intake}/v1/inquiries/{inquiry_id}", token)

    async def record(self, token: str, inquiry_id: UUID) -> Answer:
        """A grievance's or an appeal's 42 CFR 438.416 record (intake audits the read: it holds PHI)."""
        return await self._call("GET", f"{self._intake}/v1/inquiries/{inquiry_id}/record", token)

    async def log(self, token: str, inquiry_id: UUID) -> Answer:
        return await self._call("GET", f"{self._intake}/v1/inquiries/{inquiry_id}/log", token)

    async def search(self, token: str, **params: str) -> Answer:
        return await self._call("GET", f"{self._intake}/v1/inquiries", token, params={**params, "limit": "50"})

    async def act(self, token: str, inquiry_id: UUID, action: str, body: dict[str, Any],
                  idempotency_key: str | None = None) -> Answer:
        """One case action at intake (`action` is its path: contact-attempts, claim, assignment...)."""
        return await self._call("POST", f"{self._intake}/v1/inquiries/{inquiry_id}/{action}", token, json=body,
                                headers={"Idempotency-Key": idempotency_key or str(uuid.uuid4())})

    async def letter(self, token: str, letter_id: UUID) -> Answer:
        return await self._call("GET", f"{self._notifier}/v1/letters/{letter_id}", token)

    async def report(self, token: str, report: str, params: Mapping[str, str]) -> Answer:
        """One report as JSON (`report` is its name at reporting: sla-compliance, pareto...)."""
        return await self._call("GET", f"{self._reporting}/v1/reports/{report}", token, params=dict(params),
                                timeout=REPORT_SECONDS)

    async def care(self, token: str, path: str, params: Mapping[str, str] | None = None) -> Answer:
        """A read of care coordination (`path` under its /v1: a pair's high-risk list, agenda, a conference...)."""
        return await self._call("GET", f"{self._care}/v1/{path}", token, params=dict(params or {}))

    async def care_write(self, token: str, path: str, body: Any, method: str = "POST") -> Answer:
        """A write to care coordination with a JSON body (a conference held, a decision, a report-back...; the
        series is PUT)."""
        return await self._call(method, f"{self._care}/v1/{path}", token, json=body)

    async def care_upload(self, token: str, path: str, content: bytes, media_type: str) -> Answer:
        """One side's high-risk list as the file the person chose (CSV), for care coordination to read."""
        return await self._call("POST", f"{self._care}/v1/{path}", token, content=content,
                                headers={"Content-Type": media_type})

    async def report_file(self, token: str, report: str, params: Mapping[str, str],
                          format: str) -> ReportFile | Answer:
        """The report as reporting's file (`format` xlsx or csv), to stream on; its refusal as an Answer."""
        url = f"{self._reporting}/v1/reports/{report}"
        request = self._http.build_request("GET", url, params={**params, "format": format},
                                           headers={"Authorization": f"Bearer {token}"}, timeout=REPORT_SECONDS)
        try:
            response = await self._http.send(request, stream=True)
        except httpx.HTTPError:
            raise self._unavailable(url) from None
        if response.status_code != 200:
            try:
                await response.aread()
            except httpx.HTTPError:
                raise self._unavailable(url) from None
            finally:
                await response.aclose()
            if response.status_code >= 500:
                raise self._unavailable(url)
            return _answer(response)

        async def chunks() -> AsyncIterator[bytes]:
            try:
                async for chunk in response.aiter_bytes():
                    yield chunk
            finally:
                await response.aclose()

        return ReportFile(media_type=response.headers.get("content-type", "application/octet-stream"),
                          disposition=response.headers.get("content-disposition", "attachment"),
                          chunks=chunks(), close=response.aclose)


def _answer(response: httpx.Response) -> Answer:
    is_json = "json" in response.headers.get("content-type", "")
    return Answer(response.status_code, response.json() if is_json else response.text)
