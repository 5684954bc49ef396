"""Live updates: the change feed, pushed as server-sent events to the cases a person may see, and a
reconnect that resumes after the last event its page saw (`Last-Event-ID`) without losing one."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx

from liaison_shared.payloads import Actor, McoContactedV1

from .conftest import Console, assigned, received, served

ACTOR = Actor(subject="s-1", name="Maria Lopez", roles=("member-liaison",))


async def events(http: httpx.AsyncClient, url: str, wanted: int, connected: asyncio.Event | None = None,
                 **headers: str) -> list[dict[str, Any]]:
    """The first `wanted` change events of the stream at `url` (id and data); `connected` is set once
    the stream has answered."""
    found: list[dict[str, Any]] = []
    async with http.stream("GET", url, headers=headers, timeout=30) as stream:
        current: dict[str, Any] = {}
        async for line in stream.aiter_lines():
            if connected is not None:
                connected.set()
            if line.startswith("id: "):
                current["id"] = int(line[4:])
            elif line.startswith("data: "):
                current.update(json.loads(line[6:]))
            elif line == "" and "id" in current:
                found.append(current)
                current = {}
                if len(found) == wanted:
                    return found
    return found


async def test_changes_reach_only_those_who_may_see_them_and_resume_after_a_reconnect(console: Console) -> None:
    async with served(console.app) as address, console.signed_in("tina") as (signed_in, _):
        cookies = signed_in.cookies
        ours, theirs = received(), received()
        referral = McoContactedV1(inquiry_id=ours.inquiry_id, mco="IA-TC", actor=ACTOR,
                                  at=ours.received_at + timedelta(minutes=1))
        await console.publish(theirs, assigned(theirs), ours, assigned(ours), referral)
        await console.projected(ours.inquiry_id, lambda r: r.referred_mcos == ["IA-TC"], what="the referral")
        async with httpx.AsyncClient(base_url=address, cookies=cookies) as http:
            connected = asyncio.Event()
            listening = asyncio.create_task(events(http, "/live", 3, connected))
            # Three changes to each case, now that one of them is referred to IA-TC (the stream is open:
            # it answered its first line before the events go out).
            await connected.wait()
            for priority in ("escalated", "standard", "urgent"):
                await console.publish(assigned(ours, priority=priority), assigned(theirs, priority=priority))
            first = await asyncio.wait_for(listening, 30)
            assert {e["inquiry_id"] for e in first} == {str(ours.inquiry_id)}  # never IA-TC's other cases
            assert [e["id"] for e in first] == sorted(e["id"] for e in first)
            # The page lost its connection after the first event; the browser resumes after it.
            resumed = await events(http, "/live", 2, **{"Last-Event-ID": str(first[0]["id"])})
            assert [e["id"] for e in resumed] == [e["id"] for e in first[1:]]
