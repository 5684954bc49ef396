"""Tokens from the test OpenID provider (the Keycloak `make infra` starts, realm
`deploy/local/keycloak/liaison-realm.json`), through the flows real callers use:
client credentials for systems, the authorization-code flow with PKCE for people
(the test signs in on the provider's own login form, as a browser would).

Demo secrets follow the realm file: a system's is `<client id>-demo-secret`, a
person's password `<user name>-demo`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import time
from urllib.parse import parse_qs, urlencode, urlparse

import httpx

ISSUER = "http://127.0.0.1:8180/realms/liaison"
CONSOLE_CLIENT = "liaison-console"
REDIRECT_URI = "http://127.0.0.1:1/signed-in"  # never called: the code is read from the redirect
_LOGIN_FORM = re.compile(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"')


class SignInFailed(Exception):
    """The provider did not issue a token (unknown user, wrong secret, disabled client...)."""


class Tokens:
    """Access tokens by system (client id) or person (user name), cached until shortly before expiry."""

    def __init__(self, issuer: str = ISSUER) -> None:
        self.issuer = issuer.rstrip("/")
        self._cache: dict[tuple[str, str, str], tuple[float, str]] = {}

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/token"

    async def system(self, client_id: str, secret: str | None = None) -> str:
        """A system's token (client-credentials grant)."""
        return await self._cached(("system", client_id, secret or ""),
                                  lambda: self._client_credentials(client_id, secret))

    async def person(self, username: str, password: str | None = None) -> str:
        """A person's token, signed in on the provider's login form (authorization code + PKCE)."""
        return await self._cached(("person", username, password or ""), lambda: self._sign_in(username, password))

    async def headers(self, *, system: str | None = None, person: str | None = None) -> dict[str, str]:
        token = await (self.system(system) if system else self.person(person or ""))
        return {"Authorization": f"Bearer {token}"}

    async def _cached(self, key: tuple[str, str, str], fetch: object) -> str:
        found = self._cache.get(key)
        if found and found[0] > time.monotonic():
            return found[1]
        answer: dict[str, object] = await fetch()  # type: ignore[operator]
        token = str(answer["access_token"])
        self._cache[key] = (time.monotonic() + float(str(answer.get("expires_in", 60))) - 30, token)
        return token

    async def _client_credentials(self, client_id: str, secret: str | None) -> dict[str, object]:
        async with httpx.AsyncClient(timeout=30) as http:
            response = await http.post(self.token_endpoint, data={
                "grant_type": "client_credentials", "client_id": client_id,
                "client_secret": secret or f"{client_id}-demo-secret"})
        if response.status_code != 200:
            raise SignInFailed(f"{client_id}: {response.status_code} {response.text[:200]}")
        return dict(response.json())

    async def _sign_in(self, username: str, password: str | None) -> dict[str, object]:
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        query = urlencode({"client_id": CONSOLE_CLIENT, "response_type": "code", "scope": "openid",
                           "redirect_uri": REDIRECT_URI, "state": secrets.token_urlsafe(16),
                           "code_challenge": challenge, "code_challenge_method": "S256"})
        back = await log_in(f"{self.issuer}/protocol/openid-connect/auth?{query}", username, password)
        code = parse_qs(urlparse(back).query).get("code")
        if not code:
            raise SignInFailed(f"{username}: no code in the redirect")
        async with httpx.AsyncClient(timeout=30) as http:
            response = await http.post(self.token_endpoint, data={
                "grant_type": "authorization_code", "code": code[0], "redirect_uri": REDIRECT_URI,
                "client_id": CONSOLE_CLIENT, "code_verifier": verifier})
        if response.status_code != 200:
            raise SignInFailed(f"{username}: {response.status_code} {response.text[:200]}")
        return dict(response.json())


async def log_in(authorization_url: str, username: str, password: str | None = None) -> str:
    """Sign in on the provider's own login page at `authorization_url`, as a browser would; the
    address the provider then sends the browser back to (with the authorization code)."""
    async with httpx.AsyncClient(timeout=30, follow_redirects=False) as http:
        page = await http.get(authorization_url)
        form = _LOGIN_FORM.search(page.text)
        if page.status_code != 200 or form is None:
            raise SignInFailed(f"no login form ({page.status_code})")
        # Its cookies are Secure; a browser still sends them to a loopback address over plain HTTP.
        cookies = "; ".join(f"{c.name}={c.value}" for c in http.cookies.jar)
        answer = await http.post(html.unescape(form.group(1)), headers={"Cookie": cookies}, data={
            "username": username, "password": password or f"{username}-demo", "credentialId": ""})
    if answer.status_code != 302 or "location" not in answer.headers:
        raise SignInFailed(f"{username}: not signed in ({answer.status_code})")
    return str(answer.headers["location"])
