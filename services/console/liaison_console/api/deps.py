"""What the console's routes are given: the use cases, the backends, the live feed, the sessions,
the templates, and the signed-in person (with their token for intake and their CSRF token)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.templating import Jinja2Templates

from liaison_console.backends import Backends
from liaison_console.live import LiveFeed
from liaison_console.service import Console
from liaison_console.sessions import COOKIE, Sessions, SignedIn
from liaison_shared.deps import ReadSession, provided
from liaison_shared.problems import Problem

__all__ = ["CheckedPerson", "Feed", "Pages", "Person", "ReadSession", "Services", "SessionStore", "Uses"]

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")

Uses = Annotated[Console, Depends(provided(Console))]
Services = Annotated[Backends, Depends(provided(Backends))]
Feed = Annotated[LiveFeed, Depends(provided(LiveFeed))]
SessionStore = Annotated[Sessions, Depends(provided(Sessions))]


def pages() -> Jinja2Templates:
    return TEMPLATES


Pages = Annotated[Jinja2Templates, Depends(pages)]


async def signed_in(request: Request, sessions: SessionStore) -> SignedIn:
    """The request's session (the pipeline has authenticated it already)."""
    found = await sessions.signed_in(request.cookies.get(COOKIE, ""))
    if found is None:  # ended between the pipeline's check and now
        raise Problem(401, "Unauthenticated", "Your session has ended; sign in again.", code="unauthenticated")
    return found


Person = Annotated[SignedIn, Depends(signed_in)]


async def checked(person: Person, x_csrf_token: Annotated[str, Header()] = "") -> SignedIn:
    """The session of a request that changes something: it must carry the session's CSRF token."""
    if x_csrf_token != person.csrf:
        raise Problem(403, "Forbidden", "The request lacks this session's CSRF token; reload the page.",
                      code="csrf")
    return person


CheckedPerson = Annotated[SignedIn, Depends(checked)]
