"""Speaking to a running `LiaisonSystem` over HTTP, as its users do, each call
with the access token of whoever makes it in the program: new inquiries from
the call center's system, case actions and reads from a liaison who signed in,
roster data from the attribution feed; or, for an MCO's integration, all of it
from that MCO's system client."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncGenerator, Callable
from typing import Any

import httpx

from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.system import LiaisonSystem
from liaison_shared.testing.waiting import wait_until

Json = dict[str, Any]
NEW_INQUIRY = re.compile(r"^/v1/inquiries/[a-z-]+$")  # /v1/inquiries/member, /provider...; not a case's actions
READERS = ("attribution", "sla-monitor", "notifier")


class BearerAuth(httpx.Auth):
    """Puts a current access token on every request: a system's (client credentials) or a person's.

    `Tokens` renews a token shortly before it expires, so a client may live longer than its tokens
    (fault drills and benchmarks run for many minutes); one renewal at a time per caller."""

    def __init__(self, tokens: Tokens, *, system: str | None = None, person: str | None = None) -> None:
        if (system is None) == (person is None):
            raise ValueError("a caller is either a system or a person")
        self.tokens, self.system, self.person = tokens, system, person
        self._lock = asyncio.Lock()

    @property
    def caller(self) -> str:
        return self.system or self.person or ""

    async def token(self) -> str:
        async with self._lock:
            if self.system is not None:
                return await self.tokens.system(self.system)
            return await self.tokens.person(self.person or "")

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = f"Bearer {await self.token()}"
        yield request


def mco_system(mco: str) -> str:
    """The client id of an MCO's integration in the realm (`mco-ia-tc` for IA-TC)."""
    return f"mco-{mco.lower()}"


class SystemClient:
    """One party's view of the system. `receiver` posts new inquiries, `actor` acts on cases and reads
    (intake, clocks, deliveries, attribution), `feed` writes to attribution; each is a `BearerAuth`."""

    def __init__(self, system: LiaisonSystem, *, receiver: BearerAuth | None = None,
                 actor: BearerAuth | None = None, feed: BearerAuth | None = None) -> None:
        tokens = system.tokens
        self.system = system
        self.receiver = receiver or BearerAuth(tokens, system="call-center")
        self.actor = actor or BearerAuth(tokens, person="maria")  # a member liaison
        self.feed = feed or BearerAuth(tokens, system="attribution-feed")
        self.intake = httpx.AsyncClient(base_url=system.url("intake"), auth=self.actor, timeout=30)
        """Intake, as the actor: reads, the log's export, actions."""
        self.readers = {service: httpx.AsyncClient(base_url=system.url(service), auth=self.actor, timeout=30)
                        for service in READERS}
        """Attribution, the SLA monitor and the notifier, as the actor."""

    @classmethod
    def of_mco(cls, system: LiaisonSystem, mco: str) -> SystemClient:
        """An MCO's integration: every call with its system client's token (confined to its cases)."""
        auth = BearerAuth(system.tokens, system=mco_system(mco))
        return cls(system, receiver=auth, actor=auth, feed=auth)

    async def aclose(self) -> None:
        for client in (self.intake, *self.readers.values()):
            await client.aclose()

    async def post(self, path: str, body: Json, *, idempotency_key: str | None = None) -> Json:
        """POST to intake, a new inquiry as the receiver and anything else as the actor; the answer
        must be 202 (any other is raised with its problem body)."""
        auth = self.receiver if NEW_INQUIRY.match(path) else self.actor
        response = await self.intake.post(path, json=body, auth=auth,
                                          headers={"Idempotency-Key": idempotency_key or uuid.uuid4().hex})
        if response.status_code != 202:
            raise AssertionError(f"POST {path}: {response.status_code} {response.text[:1000]}")
        return dict(response.json())

    async def inquiry(self, inquiry_id: str) -> Json:
        response = await self.intake.get(f"/v1/inquiries/{inquiry_id}")
        response.raise_for_status()
        return dict(response.json())

    async def log(self, inquiry_id: str) -> list[Json]:
        response = await self.intake.get(f"/v1/inquiries/{inquiry_id}/log")
        response.raise_for_status()
        return list(response.json()["entries"])

    async def wait_for_log(self, inquiry_id: str, match: Callable[[list[Json]], bool], *, what: str,
                           timeout: float = 60) -> list[Json]:
        """The inquiry's log once `match` holds for it."""
        async def probe() -> list[Json] | None:
            response = await self.intake.get(f"/v1/inquiries/{inquiry_id}/log")
            if response.status_code == 404:
                return None  # a case opened by another service's event, not yet arrived
            response.raise_for_status()
            entries = list(response.json()["entries"])
            return entries if match(entries) else None

        found = await wait_until(probe, timeout=timeout, interval=0.2, what=what)
        assert found is not None
        return found

    async def wait_for_entry(self, inquiry_id: str, event_type: str, *, timeout: float = 60,
                             **details: Any) -> Json:
        """The first log entry of `event_type` (without `liaison.` and `.v1`) whose details include `details`."""
        full = f"liaison.{event_type}.v1"

        def found(entries: list[Json]) -> bool:
            return any(_matches(e, full, details) for e in entries)

        entries = await self.wait_for_log(inquiry_id, found, what=f"{event_type} {details or ''}", timeout=timeout)
        return next(e for e in entries if _matches(e, full, details))

    async def roster(self, path: str, body: Json) -> Json:
        """Write to attribution as the feed (members, providers, claims, panel removals...)."""
        response = await self.readers["attribution"].post(path, json=body, auth=self.feed)
        if response.status_code not in (200, 201, 202):
            raise AssertionError(f"POST {path}: {response.status_code} {response.text[:1000]}")
        return dict(response.json())

    async def attribution(self, path: str) -> Json:
        response = await self.readers["attribution"].get(path)
        response.raise_for_status()
        return dict(response.json())

    async def clocks(self, inquiry_id: str) -> list[Json]:
        response = await self.readers["sla-monitor"].get(f"/v1/inquiries/{inquiry_id}/clocks")
        response.raise_for_status()
        return list(response.json())

    async def deliveries(self, inquiry_id: str) -> list[Json]:
        response = await self.readers["notifier"].get("/v1/deliveries", params={"inquiry_id": inquiry_id})
        response.raise_for_status()
        return list(response.json())


def _matches(entry: Json, event_type: str, details: Json) -> bool:
    return bool(entry["event_type"] == event_type
                and all(entry["details"].get(key) == value for key, value in details.items()))
