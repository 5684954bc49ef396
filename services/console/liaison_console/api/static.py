"""The console's stylesheet and script (public: they hold no data)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from liaison_shared.problems import Problem

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).parent.parent / "static"
FILES = {"console.css": "text/css", "console.js": "text/javascript"}
PREFIX = "/static/"


@router.get("/static/{name}")
async def static_file(name: str) -> Response:
    if name not in FILES:
        raise Problem(404, "Not found", "No such file.", code="not-found")
    return FileResponse(STATIC / name, media_type=FILES[name], headers={"Cache-Control": "max-age=300"})
