"""Signing a person in to the console without a browser (tests and benchmarks of its pages): the
console's own /login, the provider's login form, and back to the console's callback."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import httpx

from liaison_shared.testing.identity import SignInFailed, log_in

HTML = {"Accept": "text/html"}
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


async def console_session(console: httpx.AsyncClient, username: str) -> str:
    """Sign `username` in to the console `console` talks to (its cookie stays in the client); the
    session's CSRF token, which the console's writes must carry."""
    started = await console.get("/login", params={"next": "/queue"})
    if started.status_code != 303:
        raise SignInFailed(f"the console's /login answered {started.status_code}")
    back = urlparse(await log_in(started.headers["location"], username))
    done = await console.get(f"{back.path}?{back.query}")
    if done.status_code != 303:
        raise SignInFailed(f"{username}: the console's callback answered {done.status_code}")
    page = await console.get("/queue", headers=HTML)
    found = _CSRF.search(page.text)
    if page.status_code != 200 or found is None:
        raise SignInFailed(f"{username}: no queue page after sign-in ({page.status_code})")
    return found.group(1)
