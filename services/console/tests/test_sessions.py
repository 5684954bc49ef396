"""Signing in and out of the console: the code flow with PKCE at the provider, a session cookie that
holds nothing but a random value, idle and absolute expiry, token refresh, sign-out at the
provider too, and CSRF on every write."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from liaison_console.sessions import COOKIE

from .conftest import HTML, Console


async def test_a_page_without_a_session_goes_to_the_sign_in_and_comes_back(console: Console) -> None:
    async with console.client() as http:
        page = await http.get("/queue?priority=urgent", headers=HTML)
        assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fqueue%3Fpriority%3Durgent"
        script = await http.get("/queue/rows")  # a script's request, not a page's: no redirect
        assert script.status_code == 401 and script.json()["code"] == "unauthenticated"
        start = await http.get(page.headers["location"])
        assert start.status_code == 303
        authorize = parse_qs(urlparse(start.headers["location"]).query)
        assert authorize["client_id"] == ["liaison-console"] and authorize["code_challenge_method"] == ["S256"]
        assert authorize["redirect_uri"] == ["http://127.0.0.1:9/auth/callback"]
        forged = await http.get("/auth/callback", params={"code": "x", "state": "not-one-of-ours"})
        assert forged.status_code == 400 and COOKIE not in http.cookies


async def test_the_cookie_is_a_random_value_and_the_tokens_are_sealed(console: Console) -> None:
    async with console.signed_in("maria") as (http, _):
        cookie = http.cookies[COOKIE]
        rows = await console.sql("SELECT id_hash, tokens, subject FROM sessions")
        assert [bytes(r.id_hash) for r in rows] == [hashlib.sha256(cookie.encode()).digest()]
        assert b"eyJ" not in bytes(rows[0].tokens)  # no JWT in the clear
        people = await console.sql("SELECT name, roles, mco FROM people")
        assert [(p.name, p.roles, p.mco) for p in people] == [("Maria Lopez", ["member-liaison"], None)]


async def test_sessions_end_when_idle_and_when_too_old(console: Console) -> None:
    idle = timedelta(minutes=console.runtime.settings.session_idle_minutes)
    longest = timedelta(hours=console.runtime.settings.session_max_hours)
    for column, back in (("last_seen_at", idle), ("created_at", longest)):
        async with console.signed_in("sam") as (http, _):
            assert (await http.get("/queue", headers=HTML)).status_code == 200
            await console.sql(f"UPDATE sessions SET {column} = {column} - make_interval(secs => :s)",
                              s=(back + timedelta(seconds=1)).total_seconds())
            ended = await http.get("/queue", headers=HTML)
            assert ended.status_code == 303 and ended.headers["location"].startswith("/login")
            assert await console.sql("SELECT 1 FROM sessions") == []


async def test_an_expiring_access_token_is_refreshed(console: Console) -> None:
    async with console.signed_in("una") as (http, _):
        before = await console.sql("SELECT tokens, access_expires_at FROM sessions")
        await console.sql("UPDATE sessions SET access_expires_at = now()")
        assert (await http.get("/queue", headers=HTML)).status_code == 200
        after = await console.sql("SELECT tokens, access_expires_at FROM sessions")
        assert after[0].tokens != before[0].tokens and after[0].access_expires_at > before[0].access_expires_at


async def test_sign_out_ends_the_session_here_and_at_the_provider(console: Console) -> None:
    async with console.signed_in("paul") as (http, csrf):
        assert (await http.post("/logout")).status_code == 403  # no CSRF token
        answer = await http.post("/logout", headers={"X-CSRF-Token": csrf})
        assert answer.status_code == 200
        goodbye = urlparse(answer.json()["redirect"])
        assert goodbye.path.endswith("/protocol/openid-connect/logout")
        assert parse_qs(goodbye.query)["post_logout_redirect_uri"] == ["http://127.0.0.1:9/signed-out"]
        assert await console.sql("SELECT 1 FROM sessions") == []
        assert (await http.get("/queue", headers=HTML)).status_code == 303


async def test_writes_need_the_sessions_csrf_token(console: Console) -> None:
    async with console.signed_in("maria") as (http, csrf):
        body = {"ids": ["5b0f4b8e-5c4e-4a43-9a53-3f1d2a9b7c11"]}
        for headers in ({}, {"X-CSRF-Token": "not-this-one"}):
            refused = await http.post("/queue/claim", json=body, headers=headers)
            assert refused.status_code == 403 and refused.json()["code"] == "csrf"
        invalid = await http.post("/queue/claim", json={"ids": ["not-a-uuid"]}, headers={"X-CSRF-Token": csrf})
        assert invalid.status_code == 422 and invalid.json()["errors"][0]["field"] == "ids.0"
