"""Speaking to a running `LiaisonSystem` over HTTP, as its users do: intake
with an API key, attribution's roster, the SLA monitor's clocks and the
notifier's delivery log with the system's operations key."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from liaison_shared.testing.system import LiaisonSystem
from liaison_shared.testing.waiting import wait_until

Json = dict[str, Any]


class SystemClient:
    """One caller's view of the system: `intake_key` decides what intake lets it see and do."""

    def __init__(self, system: LiaisonSystem, intake_key: str) -> None:
        self.system = system
        self.intake = httpx.AsyncClient(base_url=system.url("intake"), headers={"X-API-Key": intake_key},
                                        timeout=30)
        self.ops = {service: httpx.AsyncClient(base_url=system.url(service), headers={"X-API-Key": system.ops_key},
                                               timeout=30)
                    for service in ("attribution", "sla-monitor", "notifier")}

    async def aclose(self) -> None:
        for client in (self.intake, *self.ops.values()):
            await client.aclose()

    async def post(self, path: str, body: Json, *, idempotency_key: str | None = None) -> Json:
        """POST to intake; the answer must be 202 (any other is raised with its problem body)."""
        response = await self.intake.post(path, json=body,
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
        """Write to attribution (members, providers, claims, panel removals...)."""
        response = await self.ops["attribution"].post(path, json=body)
        if response.status_code not in (200, 201, 202):
            raise AssertionError(f"POST {path}: {response.status_code} {response.text[:1000]}")
        return dict(response.json())

    async def attribution(self, path: str) -> Json:
        response = await self.ops["attribution"].get(path)
        response.raise_for_status()
        return dict(response.json())

    async def clocks(self, inquiry_id: str) -> list[Json]:
        response = await self.ops["sla-monitor"].get(f"/v1/inquiries/{inquiry_id}/clocks")
        response.raise_for_status()
        return list(response.json())

    async def deliveries(self, inquiry_id: str) -> list[Json]:
        response = await self.ops["notifier"].get("/v1/deliveries", params={"inquiry_id": inquiry_id})
        response.raise_for_status()
        return list(response.json())


def _matches(entry: Json, event_type: str, details: Json) -> bool:
    return bool(entry["event_type"] == event_type
                and all(entry["details"].get(key) == value for key, value in details.items()))
