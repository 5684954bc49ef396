"""The request pipeline every service's HTTP app runs, in this order:

1. an exception boundary: any error becomes problem+json (500, or 503 in a
   database outage) with a correlation id, and is logged by type and
   correlation id only, never its message, the request's body or a statement's
   parameters (they may hold PHI);
2. a rate limit per source address;
3. authentication from the headers alone, before any of the body is read
   (a failed attempt also spends from a stricter per-address budget), then a
   rate limit per client. The APIs take a bearer token; the console, whose
   people sign in with a browser, its session cookie (`Authentication`);
4. a body limit before parsing: Content-Length checked first, the stream
   counted as it arrives; bulk routes (marked with `BULK_BODY`) get their own
   larger limit and read their body as a stream;
5. well-formed input: a JSON body must be UTF-8 JSON of bounded depth, and no
   text in it, in the query or in the path may hold control characters, each
   refused with the field named.

Plain ASGI, so a request costs no extra task.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liaison_shared.db import is_outage
from liaison_shared.fields import control_character_reason
from liaison_shared.logging import CORRELATION_ID, error_kind
from liaison_shared.principal import Authenticate
from liaison_shared.problems import problem_response
from liaison_shared.rate_limit import Rate, RateLimiter, retry_after

log = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc",
                          "/openapi.json"})
"""Probes, scrapes and the API's own description: no credentials, no PHI."""
BULK_BODY = {"x-liaison-bulk-body": True}
"""`openapi_extra` of a route whose body is a bulk file: the larger limit, read as a stream."""
MAX_JSON_DEPTH = 32
WWW_AUTHENTICATE = 'Bearer realm="liaison"'
DETAILS = {400: "The request body is not well-formed JSON.", 413: "The request body is too large.",
           422: "One or more fields are invalid."}
_CORRELATION = re.compile(r"[A-Za-z0-9._:-]{8,128}")
_JSON_TYPE = re.compile(r"^application/([a-z0-9.+-]*\+)?json\b")


def bearer_token(scope: Scope) -> str | None:
    """The credential of an API call: the bearer token of its Authorization header."""
    authorization = _header(scope, b"authorization") or ""
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def unauthenticated_problem(scope: Scope, send: Send) -> None:
    """The answer to a call without a valid credential: 401 problem+json naming the scheme."""
    await _problem(send, 401, "unauthenticated", "Unauthenticated",
                   detail="Send a valid access token of the program's OpenID provider as a bearer token.",
                   headers={"www-authenticate": WWW_AUTHENTICATE})


@dataclass(frozen=True)
class Authentication:
    """How the pipeline finds a request's credential, checks it, and answers when there is none.
    The APIs' default: a bearer token, checked by the service's token verifier, else 401."""

    authenticate: Authenticate
    credential: Callable[[Scope], str | None] = bearer_token
    public_paths: frozenset[str] = PUBLIC_PATHS
    public_prefixes: tuple[str, ...] = ()
    refuse: Callable[[Scope, Send], Awaitable[None]] = field(default=unauthenticated_problem)

    def is_public(self, path: str) -> bool:
        return path in self.public_paths or path.startswith(self.public_prefixes)


@dataclass(frozen=True)
class Limits:
    """What the pipeline lets through (from `ServiceSettings`)."""

    max_body_bytes: int
    max_bulk_body_bytes: int
    per_address: Rate
    per_client: Rate
    failed_auth_per_address: Rate


class _Refused(Exception):
    """An answer the pipeline gives itself (413, 400, 422) once it has read a body."""

    def __init__(self, status: int, code: str, title: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(code)
        self.status, self.code, self.title, self.errors = status, code, title, errors


class RequestPipeline:
    """Wraps a service's app; see the module's docstring for what it does, in which order."""

    def __init__(self, app: ASGIApp, *, authentication: Authentication, limits: Limits,
                 bulk_paths: Sequence[re.Pattern[str]] = ()) -> None:
        self._app, self._authentication, self._limits = app, authentication, limits
        self._bulk_paths = list(bulk_paths)
        self._per_address = RateLimiter(limits.per_address)
        self._per_client = RateLimiter(limits.per_client)
        self._failures = RateLimiter(limits.failed_auth_per_address)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        correlation_id = _correlation_id(scope)
        token = CORRELATION_ID.set(correlation_id)
        started = False

        async def send_marked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"x-correlation-id", correlation_id.encode())]}
            await send(message)

        try:
            await self._handle(scope, receive, send_marked)
        except _Refused as refused:  # a bulk body over its limit is found only while the route reads it
            if not started:
                await _refuse(send_marked, refused)
        except Exception as exc:  # the boundary: every error ends here as problem+json
            outage = is_outage(exc)
            route = getattr(scope.get("route"), "path", "unmatched")
            log.error("request failed", extra={"error": error_kind(exc), "correlation_id": correlation_id,
                                               "method": scope["method"], "route": route, "outage": outage})
            if not started:
                if outage:
                    await _problem(send_marked, 503, "database-unavailable", "Service unavailable",
                                   headers={"retry-after": "2"}, correlation_id=correlation_id)
                else:
                    await _problem(send_marked, 500, "internal-error", "Internal error",
                                   correlation_id=correlation_id)
        finally:
            CORRELATION_ID.reset(token)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        authentication = self._authentication
        if authentication.is_public(scope["path"]):
            await self._app(scope, receive, send)
            return
        address = (scope.get("client") or ("unknown",))[0]
        wait = self._per_address.take(address)
        if wait:
            await _too_many(send, wait)
            return
        credential = authentication.credential(scope)
        principal = await authentication.authenticate(credential) if credential else None
        if principal is None:
            wait = self._failures.take(address)
            if wait:
                await _too_many(send, wait)
                return
            await authentication.refuse(scope, send)
            return
        wait = self._per_client.take(principal.id)
        if wait:
            await _too_many(send, wait)
            return
        scope.setdefault("state", {})["principal"] = principal
        try:
            receive = await self._checked_input(scope, receive)
        except _Refused as refused:
            await _refuse(send, refused)
            return
        await self._app(scope, receive, send)

    async def _checked_input(self, scope: Scope, receive: Receive) -> Receive:
        errors = list(_query_and_path_errors(scope))
        if errors:
            raise _Refused(422, "validation", "Invalid request", errors)
        bulk = any(pattern.fullmatch(scope["path"]) for pattern in self._bulk_paths)
        limit = self._limits.max_bulk_body_bytes if bulk else self._limits.max_body_bytes
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            raise _too_large(limit)
        if bulk:
            return _limited(receive, limit)
        body = await _read_body(receive, limit)
        content_type = (_header(scope, b"content-type") or "").lower()
        if body and (not content_type or _JSON_TYPE.match(content_type)):
            _check_json(body)
        return _replay(body, receive)


def _correlation_id(scope: Scope) -> str:
    given = _header(scope, b"x-correlation-id") or _header(scope, b"x-request-id")
    return given if given and _CORRELATION.fullmatch(given) else uuid.uuid4().hex


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _query_and_path_errors(scope: Scope) -> Iterator[dict[str, str]]:
    if control_character_reason(scope["path"]):
        yield {"field": "path", "reason": "must not contain control characters", "kind": "control_characters"}
    raw = bytes(scope.get("query_string", b"")).decode("latin-1")
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        yield {"field": "query", "reason": "must be UTF-8", "kind": "encoding"}
        return
    for name, value in pairs:
        if control_character_reason(name) or control_character_reason(value):
            field = name if not control_character_reason(name) else "query"
            yield {"field": field, "reason": "must not contain control characters", "kind": "control_characters"}


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, then the client's own messages (a streamed answer waits on them for
    the disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


def _limited(receive: Receive, limit: int) -> Receive:
    size = 0

    async def counted() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise _too_large(limit)
        return message

    return counted


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_json(body: bytes) -> None:
    def malformed(reason: str, kind: str) -> _Refused:
        return _Refused(400, "malformed-body", "Malformed request body", [{"field": "body", "reason": reason,
                                                                             "kind": kind}])
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise malformed("must be UTF-8", "encoding") from None
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise malformed(f"must nest at most {MAX_JSON_DEPTH} levels", "json_depth") from None
    except json.JSONDecodeError as exc:
        raise malformed(f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})",
                        "json_invalid") from None
    except ValueError:
        raise malformed("is not valid JSON (NaN and Infinity are not numbers in JSON)", "json_invalid") from None
    errors = list(_text_errors(document))
    if errors:
        raise _Refused(422, "validation", "Invalid request", errors)


def _text_errors(document: Any) -> Iterator[dict[str, str]]:
    stack: list[tuple[Any, str, int]] = [(document, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _Refused(400, "malformed-body", "Malformed request body",
                           [{"field": "body", "reason": f"must nest at most {MAX_JSON_DEPTH} levels",
                             "kind": "json_depth"}])
        if isinstance(value, str):
            if control_character_reason(value):
                yield {"field": path or "body", "reason": "must not contain control characters",
                       "kind": "control_characters"}
        elif isinstance(value, dict):
            for key, item in value.items():
                field = f"{path}.{key}" if path else str(key)
                if control_character_reason(key):
                    yield {"field": path or "body", "reason": "names must not contain control characters",
                           "kind": "control_characters"}
                    continue
                stack.append((item, field, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}.{index}" if path else str(index), depth + 1)
                         for index, item in enumerate(value))


def _too_large(limit: int) -> _Refused:
    return _Refused(413, "body-too-large", "Request body too large",
                    [{"field": "body", "reason": f"must be at most {limit} bytes"}])


async def _refuse(send: Send, refused: _Refused) -> None:
    await _problem(send, refused.status, refused.code, refused.title, errors=refused.errors,
                   detail=DETAILS.get(refused.status))


async def _too_many(send: Send, wait: float) -> None:
    await _problem(send, 429, "rate-limited", "Too many requests", headers={"retry-after": retry_after(wait)},
                   detail="Slow down; retry after the number of seconds in Retry-After.")


async def _problem(send: Send, status: int, code: str, title: str, *, detail: str | None = None,
                   headers: dict[str, str] | None = None, errors: list[dict[str, str]] | None = None,
                   correlation_id: str | None = None) -> None:
    extra: dict[str, Any] = {}
    if errors:
        extra["errors"] = errors
    if correlation_id:
        extra["correlation_id"] = correlation_id
    response = problem_response(status, title, detail or title + ".", code, **extra)
    response.headers.update(headers or {})
    await send({"type": "http.response.start", "status": status, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})
