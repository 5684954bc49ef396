"""Live updates: a server-sent event stream of the changes to the cases the person may see. Each
event's id is the change's number: a reconnecting browser sends the last one it saw
(`Last-Event-ID`) and the stream resumes after it. Pages refetch what changed; the events carry only
the case's id and what kind of change it was."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from liaison_console.api.deps import Feed, Person
from liaison_shared.deps import CurrentRuntime

router = APIRouter(include_in_schema=False)
RETRY_MS = 500


@router.get("/live")
async def live(person: Person, feed: Feed, runtime: CurrentRuntime,
               after: Annotated[int | None, Query(ge=0)] = None,
               last_event_id: Annotated[str | None, Header(max_length=20)] = None) -> StreamingResponse:
    resume = int(last_event_id) if last_event_id and last_event_id.isdigit() else after

    async def stream() -> AsyncIterator[str]:
        yield f"retry: {RETRY_MS}\n: connected\n\n"
        async for batch in feed.follow(person.principal, resume, runtime.draining):
            if not batch:
                yield ": alive\n\n"
            for change in batch:
                data = json.dumps({"inquiry_id": str(change.inquiry_id), "kind": change.kind})
                yield f"id: {change.seq}\nevent: change\ndata: {data}\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
