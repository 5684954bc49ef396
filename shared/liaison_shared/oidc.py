"""Access tokens of the program's OpenID provider, verified the same way by every service.

The verifier finds the provider's keys by discovery (`<issuer>/.well-known/openid-configuration`,
then its `jwks_uri`; asked at `provider_url` where the service reaches the provider at another
address than the issuer's, as inside a container network) and checks each bearer token's
signature (asymmetric algorithms only: `alg: none` and shared-secret tokens are refused),
expiry, not-before, issuer and audience with joserfc. Keys are refreshed in the background
and at once when a token names a key it has not seen (the provider rotated them), at most
every `MIN_REFETCH_SECONDS`; while the provider is down, tokens signed with keys already held
keep verifying, and `keys_fresh` says so for readiness.

Given the service's own client credentials, the verifier also asks the provider whether a token
it accepted is still active (token introspection, RFC 7662), at most once per token every
`revocation_seconds`: a disabled client or a revoked session is refused within that time
instead of at the token's expiry. While the provider cannot answer, the signature decides.

A token whose signature and claims passed is remembered by its exact string until its expiry
(at most `MAX_VERIFIED` of them), under the key set it was verified with: a repeat skips the
signature check, but is still refused once expired, still asked about at the provider as above,
and verified afresh once the keys were fetched again (a retired key no longer verifies).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from liaison_shared.access import AccessConfig
from liaison_shared.principal import Principal
from liaison_shared.retry import wait_or_stop

log = logging.getLogger(__name__)
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384")
MIN_REFETCH_SECONDS = 10.0
LEEWAY_SECONDS = 30  # clock skew tolerated between the provider and us
INTROSPECTION_TIMEOUT = 2.0
MAX_CHECKED = 10_000  # introspection answers kept before expired ones are dropped
MAX_VERIFIED = 10_000  # verified tokens kept before expired ones are dropped


@dataclass(frozen=True)
class _Verified:
    principal: Principal
    expires_at: float  # the token's exp (epoch seconds)
    keys: KeySet  # the key set that verified it


class KeysUnavailable(Exception):
    """The provider's keys could not be fetched (it is down or misconfigured)."""


class TokenVerifier:
    def __init__(self, issuer: str, audience: str, access: AccessConfig, *, provider_url: str | None = None,
                 client: tuple[str, str] | None = None, revocation_seconds: float = 30.0,
                 refresh_seconds: float = 300.0, http: httpx.AsyncClient | None = None,
                 monotonic: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self.issuer, self.audience = issuer.rstrip("/"), audience
        self._provider_url = (provider_url or issuer).rstrip("/")
        self._client, self._revocation_seconds = client, revocation_seconds
        self._introspection_uri: str | None = None
        self._checked: dict[bytes, tuple[float, bool]] = {}
        self._verified: dict[str, _Verified] = {}
        self._wall_clock = wall_clock
        self._unanswered_until = -float("inf")
        self._access, self._refresh_seconds, self._monotonic = access, refresh_seconds, monotonic
        self._http = http or httpx.AsyncClient(timeout=5.0)
        self._keys: KeySet | None = None
        self._fetched_at = -float("inf")
        self._tried_at = -float("inf")
        self._lock = asyncio.Lock()
        self._claims = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS, iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": audience}, exp={"essential": True}, sub={"essential": True})

    @property
    def has_keys(self) -> bool:
        return self._keys is not None

    @property
    def keys_fresh(self) -> bool:
        """Whether keys were fetched within two refresh periods (readiness)."""
        return self._monotonic() - self._fetched_at < 2 * self._refresh_seconds

    async def authenticate(self, token: str) -> Principal | None:
        """The principal of a valid access token, else None (the pipeline answers 401)."""
        if token.count(".") != 2:
            return None
        try:
            keys = await self._current_keys()
            verified = self._verified.get(token)
            if verified is None or verified.keys is not keys:
                verified = await self._verify(token, keys)
                if verified is None:
                    return None
            elif self._wall_clock() > verified.expires_at + LEEWAY_SECONDS:
                del self._verified[token]
                return None
            if not await self._still_active(token):
                return None
            return verified.principal
        except (JoseError, KeysUnavailable, ValueError, KeyError, TypeError):
            return None

    async def _verify(self, token: str, keys: KeySet) -> _Verified | None:
        """Check the token's signature and claims (raises on a bad one) and remember it."""
        try:
            decoded = jwt.decode(token, keys, algorithms=ALGORITHMS)
        except InvalidKeyIdError:  # maybe rotated: fetch once more, then decide
            keys = await self._current_keys(refetch=True)
            decoded = jwt.decode(token, keys, algorithms=ALGORITHMS)
        self._claims.validate(decoded.claims)
        if decoded.header.get("typ", "JWT").lower() not in ("jwt", "at+jwt"):
            return None
        verified = _Verified(self._access.principal(decoded.claims), float(decoded.claims["exp"]), keys)
        if len(self._verified) >= MAX_VERIFIED:
            now = self._wall_clock()
            self._verified = {t: v for t, v in self._verified.items() if v.expires_at + LEEWAY_SECONDS >= now}
            if len(self._verified) >= MAX_VERIFIED:
                self._verified.clear()
        self._verified[token] = verified
        return verified

    async def _still_active(self, token: str) -> bool:
        now = self._monotonic()
        if self._client is None or self._introspection_uri is None or now < self._unanswered_until:
            return True
        digest = hashlib.sha256(token.encode()).digest()
        checked = self._checked.get(digest)
        if checked is not None and checked[0] > now:
            return checked[1]
        try:
            response = await self._http.post(self._introspection_uri, data={"token": token}, auth=self._client,
                                             timeout=INTROSPECTION_TIMEOUT)
            response.raise_for_status()
            active = response.json().get("active") is True
        except (httpx.HTTPError, ValueError, AttributeError):
            self._unanswered_until = now + self._revocation_seconds  # not asked again meanwhile
            return True  # the provider cannot say: the signature decides until it can
        if len(self._checked) > MAX_CHECKED:
            self._checked = {k: v for k, v in self._checked.items() if v[0] > now}
        self._checked[digest] = (now + self._revocation_seconds, active)
        return active

    async def refresh(self) -> None:
        """Fetch the provider's keys now (raises `KeysUnavailable`)."""
        async with self._lock:
            await self._fetch()

    async def keep_fresh(self, stop: asyncio.Event) -> None:
        """A worker: refresh the keys every `refresh_seconds` (sooner after a failure)."""
        while not stop.is_set():
            try:
                await self.refresh()
                pause = self._refresh_seconds
            except KeysUnavailable:
                log.warning("identity provider keys could not be refreshed", extra={"issuer": self.issuer})
                pause = min(self._refresh_seconds, MIN_REFETCH_SECONDS)
            if await wait_or_stop(stop, pause):
                return

    async def _current_keys(self, *, refetch: bool = False) -> KeySet:
        async with self._lock:
            stale = self._keys is None or self._monotonic() - self._fetched_at > self._refresh_seconds
            if (stale or refetch) and self._monotonic() - self._tried_at >= MIN_REFETCH_SECONDS:
                try:
                    await self._fetch()
                except KeysUnavailable:
                    if self._keys is None:
                        raise
            if self._keys is None:
                raise KeysUnavailable
            return self._keys

    async def _fetch(self) -> None:
        self._tried_at = self._monotonic()
        try:
            discovery = await self._json(f"{self._provider_url}/.well-known/openid-configuration")
            if discovery.get("issuer") != self.issuer:
                raise KeysUnavailable("the discovery document names another issuer")
            # Reached at another address than the issuer's, the provider names its keys after that address.
            jwks_uri = str(discovery["jwks_uri"]).replace(self.issuer, self._provider_url, 1)
            self._keys = KeySet.import_key_set(await self._json(jwks_uri))  # type: ignore[arg-type]
            introspection = discovery.get("introspection_endpoint")
            self._introspection_uri = str(introspection).replace(self.issuer, self._provider_url, 1) \
                if introspection else None
        except (httpx.HTTPError, KeyError, ValueError, JoseError) as failed:
            raise KeysUnavailable(type(failed).__name__) from None
        self._fetched_at = self._monotonic()

    async def _json(self, url: str) -> dict[str, Any]:
        response = await self._http.get(url)
        response.raise_for_status()
        found = response.json()
        if not isinstance(found, dict):
            raise ValueError("not a JSON object")
        return found
