"""The request pipeline every service runs (liaison_shared.pipeline), on a
small app with the real runtime: authentication before the body, body limits,
rate limits, well-formed input, and one exception boundary that answers
problem+json and logs no PHI."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Request
from pydantic import BaseModel

from liaison_shared.logging import JsonFormatter
from liaison_shared.pipeline import BULK_BODY
from liaison_shared.rate_limit import Rate, RateLimiter, retry_after
from liaison_shared.runtime import Runtime
from liaison_shared.settings import ServiceSettings
from liaison_shared.testing.bus_process import MIGRATIONS
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.plugin import SettingsFactory

AUTH: dict[str, str] = {}  # a system's bearer token, from the test OpenID provider


@pytest.fixture(autouse=True)
async def _signed_in(tokens: Tokens) -> None:
    AUTH["Authorization"] = f"Bearer {await tokens.system('call-center')}"
PHI = "Jane Pipelinemember"


class Note(BaseModel):
    name: str
    items: list[str] = []


def router(seen: dict[str, Any]) -> APIRouter:
    routes = APIRouter()

    @routes.post("/notes")
    async def note(body: Note) -> dict[str, str]:
        seen["note"] = body.name
        return {"name": body.name}

    @routes.post("/files", openapi_extra=BULK_BODY)
    async def upload(request: Request) -> dict[str, int]:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        return {"size": size}

    @routes.get("/boom")
    async def boom() -> None:
        raise RuntimeError(f"no member named {PHI}")  # as a driver's error would carry a bound parameter

    @routes.get("/items/{item_id:uuid}")
    async def item(item_id: uuid.UUID) -> dict[str, str]:
        return {"id": str(item_id)}

    return routes


def _runtime(make_settings: SettingsFactory, seen: dict[str, Any], **settings: Any) -> Runtime:
    runtime = Runtime(make_settings(ServiceSettings, **settings), migrations=MIGRATIONS)
    runtime.add_routers(router(seen))
    return runtime


@pytest.fixture
async def app(make_settings: SettingsFactory) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, Any]]]:
    seen: dict[str, Any] = {}
    runtime = _runtime(make_settings, seen, http_max_body_bytes=4096, http_max_bulk_body_bytes=64 * 1024,
                       rate_burst_failed_auth_per_address=5, rate_failed_auth_per_address=0.01)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=runtime.app()), base_url="http://svc") as http:
        yield http, seen


async def test_no_credential_is_refused_before_any_of_the_body_is_read(make_settings: SettingsFactory) -> None:
    runtime = _runtime(make_settings, {})
    app = runtime.app()
    reads = 0

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/notes", "raw_path": b"/notes", "query_string": b"", "root_path": "",
             "headers": [(b"content-type", b"application/json"), (b"content-length", str(50 << 20).encode())],
             "client": ("127.0.0.9", 5000), "server": ("svc", 80)}
    await app(scope, receive, send)
    start = sent[0]
    assert start["status"] == 401
    assert reads == 0
    assert dict(start["headers"])[b"www-authenticate"].startswith(b"Bearer")


async def test_body_over_the_limit_is_refused_413_by_its_length_and_by_its_stream(app: Any) -> None:
    http, seen = app
    headers = AUTH
    declared = await http.post("/notes", content=b'{"name": "' + b"a" * 5000 + b'"}',
                               headers={**headers, "Content-Type": "application/json"})
    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"
    assert declared.json()["errors"] == [{"field": "body", "reason": "must be at most 4096 bytes"}]

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it streams
        yield b'{"name": "'
        for _ in range(10):
            yield b"a" * 1000
        yield b'"}'
    streamed = await http.post("/notes", content=chunks(), headers={**headers, "Content-Type": "application/json"})
    assert streamed.status_code == 413
    assert "note" not in seen


async def test_a_bulk_route_takes_a_larger_body_as_a_stream_up_to_its_own_limit(app: Any) -> None:
    http, _ = app
    headers = {**AUTH, "Content-Type": "text/csv"}
    ok = await http.post("/files", content=b"a,b\n" * 10_000, headers=headers)  # 40 kB > the JSON limit
    assert ok.status_code == 200
    assert ok.json() == {"size": 40_000}

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"a,b\n" * 1000
    too_big = await http.post("/files", content=chunks(), headers=headers)
    assert too_big.status_code == 413


async def test_wrong_keys_from_one_address_are_answered_429_with_retry_after(app: Any) -> None:
    http, _ = app
    answers = [await http.get("/items/" + str(uuid.uuid4()), headers={"Authorization": f"Bearer wrong.token.{n}"})
               for n in range(12)]
    statuses = [a.status_code for a in answers]
    assert statuses[:5] == [401] * 5
    assert set(statuses[5:]) == {429}
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert answers[-1].headers["content-type"] == "application/problem+json"


async def test_one_client_over_its_rate_is_answered_429(make_settings: SettingsFactory) -> None:
    runtime = _runtime(make_settings, {}, rate_burst_per_client=3, rate_per_client=0.01)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=runtime.app()), base_url="http://svc") as http:
        statuses = [(await http.get(f"/items/{uuid.uuid4()}", headers=AUTH)).status_code
                    for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


@pytest.mark.parametrize(("body", "reason"), [
    (b'{"name": "a",}', "is not valid JSON"),
    (b'{"name": "\xff\xfe"}', "must be UTF-8"),
    (b"[" * 100 + b"]" * 100, "must nest at most"),
    (b'{"name": NaN}', "is not valid JSON"),
])
async def test_malformed_body_is_400_naming_the_body(app: Any, body: bytes, reason: str) -> None:
    http, seen = app
    response = await http.post("/notes", content=body, headers={**AUTH,
                                                                 "Content-Type": "application/json"})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "body" and reason in error["reason"]
    assert "note" not in seen


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "Jane\u0000Doe"}, "name"),
    ({"name": "ok", "items": ["fine", "bell\u0007"]}, "items.1"),
    ({"name": "lone \ud800 surrogate"}, "name"),
])
async def test_control_characters_in_text_are_422_naming_the_field(app: Any, body: dict[str, Any],
                                                                  field: str) -> None:
    http, seen = app
    response = await http.post("/notes", content=json.dumps(body).encode(),
                               headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "reason": "must not contain control characters",
                                          "kind": "control_characters"}]
    assert "Jane" not in response.text
    assert "note" not in seen


async def test_tabs_and_line_ends_are_text(app: Any) -> None:
    http, seen = app
    response = await http.post("/notes", json={"name": "line one\r\nline\ttwo\n"}, headers=AUTH)
    assert response.status_code == 200
    assert seen["note"] == "line one\r\nline\ttwo\n"


async def test_control_characters_in_the_query_are_422_naming_the_parameter(app: Any) -> None:
    http, _ = app
    response = await http.get(f"/items/{uuid.uuid4()}?mco=IA%00TC", headers=AUTH)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "mco"


async def test_an_error_is_a_problem_with_a_correlation_id_and_its_message_is_never_logged(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    http, _ = app
    with caplog.at_level(logging.ERROR):
        response = await http.get("/boom", headers={**AUTH, "X-Correlation-ID": "drill-0001-abc"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["correlation_id"] == "drill-0001-abc" == response.headers["x-correlation-id"]
    assert PHI not in response.text
    formatter, out = JsonFormatter("svc"), io.StringIO()
    for record in caplog.records:
        out.write(formatter.format(record) + "\n")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    failed = [line for line in lines if line["message"] == "request failed"]
    assert failed and failed[0]["error"] == "RuntimeError" and failed[0]["route"] == "/boom"
    assert failed[0]["correlation_id"] == "drill-0001-abc"
    assert PHI not in out.getvalue()


async def test_an_undeclared_method_is_405_with_allow(app: Any) -> None:
    http, _ = app
    response = await http.delete("/notes", headers=AUTH)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.headers["content-type"] == "application/problem+json"


async def test_probes_need_no_credential(app: Any) -> None:
    http, _ = app
    assert (await http.get("/healthz")).status_code == 200
    assert (await http.get("/openapi.json")).status_code == 200


def test_token_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(Rate(per_second=2.0, burst=2), now=lambda: now[0])
    assert [limiter.take("a"), limiter.take("a")] == [0.0, 0.0]
    assert limiter.take("a") == pytest.approx(0.5)
    assert limiter.take("b") == 0.0  # keys are independent
    now[0] = 0.5
    assert limiter.take("a") == 0.0
    assert retry_after(0.2) == "1" and retry_after(2.1) == "3"
