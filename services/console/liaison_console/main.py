"""Composition root and entry point of the console."""

from __future__ import annotations

import functools
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from starlette.types import Scope, Send

from liaison_console import workers
from liaison_console.api import ROUTERS
from liaison_console.api.headers import SecurityHeaders
from liaison_console.api.signin import PUBLIC_PATHS
from liaison_console.api.static import PREFIX as STATIC_PREFIX
from liaison_console.backends import Backends
from liaison_console.handlers import handlers
from liaison_console.live import LiveFeed
from liaison_console.provider import Provider
from liaison_console.service import Console
from liaison_console.sessions import COOKIE, Sessions
from liaison_console.settings import Settings
from liaison_console.store import change_channel
from liaison_shared.calendar import BusinessCalendar
from liaison_shared.pipeline import PUBLIC_PATHS as PROBES
from liaison_shared.pipeline import Authentication, unauthenticated_problem
from liaison_shared.program import program_calendar
from liaison_shared.runtime import Runtime, serve

MIGRATIONS = Path(__file__).parent / "migrations"


def session_cookie(scope: Scope) -> str | None:
    """A page's credential: the session cookie its browser sends."""
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            for part in bytes(value).decode("latin-1").split(";"):
                key, _, found = part.strip().partition("=")
                if key == COOKIE and found:
                    return found
    return None


async def to_sign_in(scope: Scope, send: Send) -> None:
    """Without a session a page goes to the sign-in (and comes back); scripts and streams get 401."""
    accepts = next((bytes(v) for k, v in scope.get("headers", ()) if k == b"accept"), b"")
    if scope["method"] != "GET" or b"text/html" not in accepts:
        await unauthenticated_problem(scope, send)
        return
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    back = scope["path"] + (f"?{query}" if query else "")
    location = f"/login?next={quote(back, safe='')}".encode()
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", location), (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


def bootstrap(settings: Settings, calendar: BusinessCalendar | None = None) -> Runtime:
    runtime = Runtime(settings, migrations=MIGRATIONS)
    channel = change_channel(settings.schema_name)
    console = Console(calendar or program_calendar(), channel, settings.page_size)
    provider = Provider(settings.oidc_issuer, provider_url=settings.oidc_provider_url or settings.oidc_issuer,
                        client_id=settings.sign_in_client_id, redirect_uri=f"{settings.address}/auth/callback")
    sessions = Sessions(runtime, provider, settings)
    feed = LiveFeed(runtime, channel, timedelta(hours=settings.changes_kept_hours))
    runtime.authentication = Authentication(sessions.authenticate, credential=session_cookie,
                                            public_paths=PROBES | PUBLIC_PATHS, public_prefixes=(STATIC_PREFIX,),
                                            refuse=to_sign_in)
    runtime.consume(handlers.bind(console))
    backends = Backends(settings.intake_url, settings.notifier_url, reporting_url=settings.reporting_url,
                        care_coordination_url=settings.care_coordination_url)
    runtime.provide(console, sessions, feed, backends)
    runtime.add_routers(*ROUTERS)
    runtime.add_middleware(SecurityHeaders)
    runtime.add_worker(feed.run)
    runtime.add_worker(functools.partial(workers.purge_sessions, sessions))
    return runtime


def main() -> None:
    serve(bootstrap(Settings()))


if __name__ == "__main__":
    main()
