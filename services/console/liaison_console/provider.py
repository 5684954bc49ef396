"""The console as a client of the program's OpenID provider: the authorization code flow with PKCE
(the console's public client), refreshing a session's tokens, and where signing out ends.

Side effects at the edge: HTTP to the provider, nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx


class SignInFailed(Exception):
    """The provider refused a code or a refresh token (or could not be asked)."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    id_token: str
    expires_in: float

    @classmethod
    def from_answer(cls, answer: dict[str, Any], *, id_token: str = "") -> Tokens:
        try:
            return cls(access_token=str(answer["access_token"]), refresh_token=str(answer["refresh_token"]),
                       id_token=str(answer.get("id_token") or id_token), expires_in=float(answer["expires_in"]))
        except (KeyError, TypeError, ValueError):
            raise SignInFailed("the provider's answer lacks tokens") from None

    def sealed_form(self) -> bytes:
        return json.dumps([self.access_token, self.refresh_token, self.id_token]).encode()

    @classmethod
    def from_sealed_form(cls, raw: bytes, expires_in: float) -> Tokens:
        access, refresh, id_token = json.loads(raw)
        return cls(access_token=access, refresh_token=refresh, id_token=id_token, expires_in=expires_in)


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def id_token_claims(id_token: str) -> dict[str, Any]:
    """The claims of an ID token the console received from the token endpoint itself (the back channel:
    its nonce is what is checked; the access token's signature is verified by the token verifier)."""
    try:
        payload = id_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        raise SignInFailed("the ID token is not a JWT") from None
    if not isinstance(claims, dict):
        raise SignInFailed("the ID token holds no claims")
    return claims


class Provider:
    """The provider's endpoints, from its discovery document (fetched once, on first use)."""

    def __init__(self, issuer: str, *, provider_url: str, client_id: str, redirect_uri: str,
                 http: httpx.AsyncClient | None = None) -> None:
        self._issuer, self._provider_url = issuer.rstrip("/"), provider_url.rstrip("/")
        self.client_id, self.redirect_uri = client_id, redirect_uri
        self._http = http or httpx.AsyncClient(timeout=5.0)
        self._endpoints: dict[str, str] | None = None

    async def _endpoint(self, name: str, *, browser: bool = False) -> str:
        if self._endpoints is None:
            try:
                response = await self._http.get(f"{self._provider_url}/.well-known/openid-configuration")
                response.raise_for_status()
                self._endpoints = {k: str(v) for k, v in response.json().items() if k.endswith("_endpoint")}
            except (httpx.HTTPError, ValueError, AttributeError):
                raise SignInFailed("the provider's discovery document is unavailable") from None
        url = self._endpoints[name]
        # Browsers reach the provider at the issuer's address; the console may reach it elsewhere.
        return url if browser else url.replace(self._issuer, self._provider_url, 1)

    async def authorization_url(self, *, state: str, nonce: str, challenge: str) -> str:
        query = urlencode({"client_id": self.client_id, "response_type": "code", "scope": "openid",
                           "redirect_uri": self.redirect_uri, "state": state, "nonce": nonce,
                           "code_challenge": challenge, "code_challenge_method": "S256"})
        return f"{await self._endpoint('authorization_endpoint', browser=True)}?{query}"

    async def redeem(self, code: str, verifier: str) -> Tokens:
        """Exchange the authorization code (with its PKCE verifier) for the person's tokens."""
        return Tokens.from_answer(await self._token({
            "grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
            "client_id": self.client_id, "code_verifier": verifier}))

    async def refresh(self, tokens: Tokens) -> Tokens:
        """New tokens for a session; SignInFailed if its session at the provider has ended."""
        return Tokens.from_answer(await self._token({"grant_type": "refresh_token", "client_id": self.client_id,
                                                     "refresh_token": tokens.refresh_token}),
                                  id_token=tokens.id_token)

    async def end_session_url(self, tokens: Tokens, signed_out_url: str) -> str:
        query = urlencode({"client_id": self.client_id, "id_token_hint": tokens.id_token,
                           "post_logout_redirect_uri": signed_out_url})
        return f"{await self._endpoint('end_session_endpoint', browser=True)}?{query}"

    async def revoke(self, tokens: Tokens) -> None:
        """End the person's session at the provider too (best effort: the console's own ends regardless)."""
        try:
            await self._http.post(await self._endpoint("revocation_endpoint"),
                                  data={"client_id": self.client_id, "token": tokens.refresh_token,
                                        "token_type_hint": "refresh_token"})
        except (httpx.HTTPError, SignInFailed, KeyError):
            return

    async def _token(self, form: dict[str, str]) -> dict[str, Any]:
        try:
            response = await self._http.post(await self._endpoint("token_endpoint"), data=form)
        except httpx.HTTPError:
            raise SignInFailed("the provider could not be reached") from None
        if response.status_code != 200:
            raise SignInFailed(f"the provider refused ({response.status_code})")
        answer = response.json()
        if not isinstance(answer, dict):
            raise SignInFailed("the provider's answer is not an object")
        return answer
