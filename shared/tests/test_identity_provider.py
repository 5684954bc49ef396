"""Tokens of the real OpenID provider (Keycloak, realm `liaison`) on a small app
with the real runtime: systems and people are who their tokens say, a token
of another realm or a tampered one is refused, a missing scope is 403, and an
outage of the provider stops nothing while the keys it gave are held."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from fastapi import APIRouter, Depends

from liaison_shared.principal import CurrentPrincipal, Principal, require_scope
from liaison_shared.runtime import Runtime
from liaison_shared.settings import ServiceSettings
from liaison_shared.testing.bus_process import MIGRATIONS
from liaison_shared.testing.identity import SignInFailed, Tokens
from liaison_shared.testing.plugin import SettingsFactory
from liaison_shared.testing.waiting import wait_until

routes = APIRouter()


@routes.get("/whoami")
async def whoami(principal: CurrentPrincipal) -> dict[str, Any]:
    return {"id": principal.id, "name": principal.name, "client": principal.client, "mco": principal.mco,
            "roles": sorted(principal.roles), "scopes": sorted(principal.scopes)}


@routes.get("/audit")
async def audit(_: Principal = Depends(require_scope("audit:read"))) -> dict[str, str]:
    return {"ok": "yes"}


def app(make_settings: SettingsFactory, **settings: Any) -> tuple[Runtime, httpx.AsyncClient]:
    runtime = Runtime(make_settings(ServiceSettings, **settings), migrations=MIGRATIONS)
    runtime.add_routers(routes)
    return runtime, httpx.AsyncClient(transport=httpx.ASGITransport(app=runtime.app()), base_url="http://svc")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_system_and_a_person_are_who_their_tokens_say(make_settings: SettingsFactory, tokens: Tokens) -> None:
    _, http = app(make_settings)
    system = (await http.get("/whoami", headers=bearer(await tokens.system("mco-ia-tc")))).json()
    assert (system["name"], system["client"], system["mco"], system["roles"]) == \
        ("mco-ia-tc", "mco-ia-tc", "IA-TC", [])
    assert system["scopes"] == ["inquiry:act", "inquiry:read", "mco:IA-TC"]
    person = (await http.get("/whoami", headers=bearer(await tokens.person("cora")))).json()
    assert (person["name"], person["client"], person["roles"]) == ("Cora Diaz", "liaison-console", ["compliance"])
    assert "audit:read" in person["scopes"]
    assert (await http.get("/audit", headers=bearer(await tokens.person("cora")))).status_code == 200


async def test_a_missing_scope_is_403_and_a_bad_token_401(make_settings: SettingsFactory, tokens: Tokens) -> None:
    _, http = app(make_settings)
    forbidden = await http.get("/audit", headers=bearer(await tokens.person("maria")))
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "forbidden")
    token = await tokens.system("call-center")
    header, claims, signature = token.split(".")
    tampered = f"{header}.{claims}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    for refused in (tampered, "not-a-token", token.replace(".", "", 1)):
        answer = await http.get("/whoami", headers=bearer(refused))
        assert answer.status_code == 401 and answer.headers["www-authenticate"].startswith("Bearer")
        assert answer.headers["content-type"] == "application/problem+json"
        assert set(answer.json()) <= {"type", "title", "status", "detail", "code", "correlation_id", "instance"}


async def test_a_token_of_another_realm_is_refused(make_settings: SettingsFactory, tokens: Tokens) -> None:
    _, http = app(make_settings)
    master = tokens.issuer.replace("/realms/liaison", "/realms/master")
    async with httpx.AsyncClient() as idp:
        answer = await idp.post(f"{master}/protocol/openid-connect/token", data={
            "grant_type": "password", "client_id": "admin-cli", "username": "admin", "password": "admin-demo"})
    assert answer.status_code == 200, answer.text[:200]
    refused = await http.get("/whoami", headers=bearer(answer.json()["access_token"]))
    assert refused.status_code == 401


class Forwarder:
    """A TCP forwarder to the provider, to cut it off (listener and open connections)."""

    def __init__(self, target: str) -> None:
        self._host, self._port = urlparse(target).hostname or "", urlparse(target).port or 80
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        await self._server.wait_closed()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(self._host, self._port)
        self._writers |= {client_writer, upstream_writer}
        await asyncio.gather(self._pipe(client_reader, upstream_writer), self._pipe(upstream_reader, client_writer))

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()


async def test_a_provider_outage_keeps_held_keys_working_and_readiness_says_so(
        make_settings: SettingsFactory, tokens: Tokens) -> None:
    provider = Forwarder(tokens.issuer)
    address = await provider.start()
    issuer = address + urlparse(tokens.issuer).path  # the provider names the issuer after the address asked
    token = await Tokens(issuer).system("call-center")
    runtime, http = app(make_settings, oidc_issuer=issuer, oidc_refresh_seconds=1)
    assert (await http.get("/whoami", headers=bearer(token))).status_code == 200
    await provider.cut()

    async def stale() -> bool:
        answer = await http.get("/whoami", headers=bearer(token))  # tries to refresh, keeps what it holds
        assert answer.status_code == 200
        return bool(runtime.degraded())

    await wait_until(stale, timeout=30, what="the keys reported not refreshed")
    assert runtime.degraded() == ["identity-keys-not-refreshed"]
    assert (await runtime.ready())["identity_keys"] is True


async def test_a_wrong_client_secret_gets_no_token(tokens: Tokens) -> None:
    with pytest.raises(SignInFailed, match="401"):
        await tokens.system("call-center", secret="not-the-secret")


class Admin:
    """The provider's admin API (the local realm's bootstrap admin), to revoke a client as an administrator would."""

    def __init__(self, issuer: str) -> None:
        base = issuer.split("/realms/")[0]
        self._token_url = f"{base}/realms/master/protocol/openid-connect/token"
        self.clients = f"{base}/admin/realms/{issuer.rstrip('/').rsplit('/', 1)[1]}/clients"

    async def headers(self, http: httpx.AsyncClient) -> dict[str, str]:
        answer = await http.post(self._token_url, data={"grant_type": "password", "client_id": "admin-cli",
                                                        "username": "admin", "password": "admin-demo"})
        answer.raise_for_status()
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def test_a_revoked_clients_token_is_refused_before_it_expires(make_settings: SettingsFactory,
                                                                    tokens: Tokens) -> None:
    client_id = f"revocable-{uuid.uuid4().hex[:8]}"
    admin = Admin(tokens.issuer)
    async with httpx.AsyncClient(timeout=30) as idp:
        headers = await admin.headers(idp)
        created = await idp.post(admin.clients, headers=headers, json={
            "clientId": client_id, "enabled": True, "publicClient": False, "secret": f"{client_id}-demo-secret",
            "serviceAccountsEnabled": True, "standardFlowEnabled": False,
            "defaultClientScopes": ["basic", "profile", "roles", "liaison", "intake:write"]})
        assert created.status_code == 201, created.text[:200]
        internal_id = created.headers["location"].rsplit("/", 1)[1]
        try:
            token = await Tokens(tokens.issuer).system(client_id)
            _, http = app(make_settings, oidc_revocation_seconds=0)
            assert (await http.get("/whoami", headers=bearer(token))).status_code == 200
            disabled = await idp.put(f"{admin.clients}/{internal_id}", headers=headers, json={"enabled": False})
            assert disabled.status_code == 204
            refused = await http.get("/whoami", headers=bearer(token))  # the token itself is still unexpired
            assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
        finally:
            await idp.delete(f"{admin.clients}/{internal_id}", headers=headers)
