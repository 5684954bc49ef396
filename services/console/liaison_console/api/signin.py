"""Signing in and out: the provider's login page and back (code flow with PKCE), and sign-out, which
ends the session here and at the provider."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from liaison_console.api.deps import CheckedPerson, Pages, SessionStore
from liaison_console.provider import SignInFailed
from liaison_console.sessions import COOKIE

router = APIRouter(include_in_schema=False)

PUBLIC_PATHS = frozenset({"/login", "/auth/callback", "/signed-out"})


@router.get("/login")
async def sign_in(sessions: SessionStore, next: Annotated[str | None, Query(max_length=2000)] = None) -> Response:
    return RedirectResponse(await sessions.begin(next), status_code=303)


@router.get("/auth/callback")
async def signed_in(request: Request, sessions: SessionStore, pages: Pages,
                    code: Annotated[str | None, Query(max_length=4000)] = None,
                    state: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    if not code or not state:
        return _failed(request, pages)
    try:
        cookie, next_path = await sessions.complete(code, state)
    except SignInFailed:
        return _failed(request, pages)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(COOKIE, cookie, httponly=True, samesite="lax", path="/", secure=sessions.secure_cookie,
                        max_age=int(sessions.longest.total_seconds()))
    return response


@router.post("/logout")
async def sign_out(request: Request, person: CheckedPerson, sessions: SessionStore) -> Response:
    goodbye = await sessions.end(request.cookies.get(COOKIE, ""))
    response = JSONResponse({"redirect": goodbye})
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/signed-out", response_class=HTMLResponse)
async def signed_out(request: Request, pages: Pages) -> Response:
    return pages.TemplateResponse(request, "signed_out.html", {"failed": False})


def _failed(request: Request, pages: Pages) -> Response:
    return pages.TemplateResponse(request, "signed_out.html", {"failed": True}, status_code=400)
