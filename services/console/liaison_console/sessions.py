"""People's sessions: sign-in through the provider (code flow with PKCE), the session cookie that
then authenticates each request, idle and absolute expiry, token refresh, and sign-out.

The cookie holds a random value; the console keeps only its SHA-256, and the person's tokens sealed
(AES-GCM) with the session key. A session ends after `session_idle_minutes` without a request,
`session_max_hours` after sign-in, when the provider refuses to refresh it, or on sign-out.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from liaison_console import store
from liaison_console.provider import Provider, SignInFailed, Tokens, id_token_claims, pkce_pair
from liaison_console.settings import Settings
from liaison_shared.principal import Principal
from liaison_shared.runtime import Runtime

COOKIE = "liaison_session"
SIGN_IN_SECONDS = 600  # a sign-in not completed within ten minutes must start again
REFRESH_MARGIN_SECONDS = 30
TOUCH_EVERY_SECONDS = 30.0


@dataclass(frozen=True)
class SignedIn:
    """A request's session: who, with which access token (for intake), and its CSRF token."""

    principal: Principal
    access_token: str
    csrf: str
    id_hash: bytes


def _hash(cookie: str) -> bytes:
    return hashlib.sha256(cookie.encode()).digest()


def safe_next(path: str | None) -> str:
    """Where to go after sign-in: a path of the console only (never another site)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/queue"
    return path


class Sessions:
    def __init__(self, runtime: Runtime, provider: Provider, settings: Settings) -> None:
        self._runtime, self._provider, self._settings = runtime, provider, settings
        self._aead = AESGCM(hashlib.sha256(settings.session_key.get_secret_value().encode()).digest())
        self._cache: dict[bytes, tuple[float, SignedIn]] = {}
        self._touched: dict[bytes, float] = {}
        self._locks: dict[bytes, asyncio.Lock] = {}

    @property
    def idle(self) -> timedelta:
        return timedelta(minutes=self._settings.session_idle_minutes)

    @property
    def secure_cookie(self) -> bool:
        """Whether browsers reach the console over HTTPS (then its cookie is sent over HTTPS only), as its
        public address says: behind a TLS-terminating ingress the request itself arrives as plain HTTP."""
        return self._settings.address.startswith("https://")

    @property
    def longest(self) -> timedelta:
        return timedelta(hours=self._settings.session_max_hours)

    async def begin(self, next_path: str | None) -> str:
        """Start a sign-in: where to send the browser (the provider's login page)."""
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        verifier, challenge = pkce_pair()
        async with self._runtime.unit_of_work() as uow:
            await store.begin_sign_in(uow.session, state=state, verifier=verifier, nonce=nonce,
                                      next_path=safe_next(next_path))
            await uow.commit()
        return await self._provider.authorization_url(state=state, nonce=nonce, challenge=challenge)

    async def complete(self, code: str, state: str) -> tuple[str, str]:
        """Finish a sign-in the provider sent back: the new session's cookie value and where to go."""
        since = datetime.now(UTC) - timedelta(seconds=SIGN_IN_SECONDS)
        async with self._runtime.unit_of_work() as uow:
            begun = await store.take_sign_in(uow.session, state, since=since)
            await uow.commit()
        if begun is None:
            raise SignInFailed("unknown or expired sign-in")
        tokens = await self._provider.redeem(code, begun.verifier)
        if id_token_claims(tokens.id_token).get("nonce") != begun.nonce:
            raise SignInFailed("the ID token's nonce is not this sign-in's")
        principal = await self._runtime.identity.authenticate(tokens.access_token)
        if principal is None:
            raise SignInFailed("the access token is not valid")
        cookie = secrets.token_urlsafe(32)
        id_hash = _hash(cookie)
        async with self._runtime.unit_of_work() as uow:
            await store.create_session(uow.session, id_hash=id_hash, subject=principal.id,
                                       tokens=self._seal(tokens, id_hash), csrf=secrets.token_urlsafe(24),
                                       access_expires_at=self._expiry(tokens))
            await store.remember_person(uow.session, subject=principal.id, name=principal.name,
                                        roles=sorted(principal.roles), mco=principal.mco)
            await uow.commit()
        return cookie, begun.next_path

    async def authenticate(self, cookie: str) -> Principal | None:
        """The pipeline's check of a request's session cookie: its person, or None (signed out)."""
        signed_in = await self.signed_in(cookie)
        return signed_in.principal if signed_in is not None else None

    async def signed_in(self, cookie: str) -> SignedIn | None:
        id_hash = _hash(cookie)
        now = time.monotonic()
        cached = self._cache.get(id_hash)
        if cached is not None and cached[0] > now:
            await self._touch(id_hash, now)
            return cached[1]
        async with self._locks.setdefault(id_hash, asyncio.Lock()):
            found = await self._load(id_hash)
        if found is None:
            self._forget(id_hash)
            return None
        signed_in, access_expires_at = found
        seconds_left = (access_expires_at - datetime.now(UTC)).total_seconds() - REFRESH_MARGIN_SECONDS
        self._cache[id_hash] = (now + min(self._settings.session_cache_seconds, max(seconds_left, 0.0)), signed_in)
        if len(self._cache) > 10_000:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
        return signed_in

    async def end(self, cookie: str) -> str:
        """Sign out: the session ends here and at the provider; where the browser goes next."""
        id_hash = _hash(cookie)
        signed_out = f"{self._settings.address}/signed-out"
        async with self._runtime.unit_of_work() as uow:
            row = await store.get_session(uow.session, id_hash)
            await store.end_session(uow.session, id_hash)
            await uow.commit()
        self._forget(id_hash)
        if row is None:
            return signed_out
        tokens = self._unseal(row.tokens, id_hash)
        if tokens is None:
            return signed_out
        await self._provider.revoke(tokens)
        return await self._provider.end_session_url(tokens, signed_out)

    async def purge(self) -> None:
        """Delete sessions past their idle or absolute limit, and sign-ins never completed."""
        now = datetime.now(UTC)
        async with self._runtime.unit_of_work() as uow:
            await store.purge_sessions(uow.session, idle_since=now - self.idle, created_before=now - self.longest,
                                       sign_ins_before=now - timedelta(seconds=SIGN_IN_SECONDS))
            await uow.commit()

    async def _load(self, id_hash: bytes) -> tuple[SignedIn, datetime] | None:
        now = datetime.now(UTC)
        async with self._runtime.unit_of_work() as uow:
            row = await store.get_session(uow.session, id_hash)
            if row is None:
                return None
            tokens = self._unseal(row.tokens, id_hash)
            if tokens is None or now - row.last_seen_at > self.idle or now - row.created_at > self.longest:
                await store.end_session(uow.session, id_hash)
                await uow.commit()
                return None
            expires_at = row.access_expires_at
            if (expires_at - now).total_seconds() < REFRESH_MARGIN_SECONDS:
                try:
                    tokens = await self._provider.refresh(tokens)
                except SignInFailed:
                    await store.end_session(uow.session, id_hash)
                    await uow.commit()
                    return None
                expires_at = self._expiry(tokens)
                await store.renew_session(uow.session, id_hash, tokens=self._seal(tokens, id_hash),
                                          access_expires_at=expires_at)
            else:
                await store.touch_session(uow.session, id_hash)
            principal = await self._runtime.identity.authenticate(tokens.access_token)
            if principal is None:  # revoked or disabled at the provider
                await store.end_session(uow.session, id_hash)
                await uow.commit()
                return None
            await uow.commit()
        self._touched[id_hash] = time.monotonic()
        return SignedIn(principal, tokens.access_token, row.csrf, id_hash), expires_at

    async def _touch(self, id_hash: bytes, now: float) -> None:
        # Idle expiry counts from the last request; writing it down at most every 30 s is enough.
        if now - self._touched.get(id_hash, 0.0) < TOUCH_EVERY_SECONDS:
            return
        self._touched[id_hash] = now
        async with self._runtime.unit_of_work() as uow:
            await store.touch_session(uow.session, id_hash)
            await uow.commit()

    def _forget(self, id_hash: bytes) -> None:
        self._cache.pop(id_hash, None)
        self._touched.pop(id_hash, None)
        self._locks.pop(id_hash, None)

    @staticmethod
    def _expiry(tokens: Tokens) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=tokens.expires_in)

    def _seal(self, tokens: Tokens, id_hash: bytes) -> bytes:
        nonce = secrets.token_bytes(12)
        return nonce + self._aead.encrypt(nonce, tokens.sealed_form(), id_hash)

    def _unseal(self, sealed: bytes, id_hash: bytes) -> Tokens | None:
        try:
            raw = self._aead.decrypt(sealed[:12], sealed[12:], id_hash)
        except InvalidTag:  # another session key: the session cannot be used
            return None
        return Tokens.from_sealed_form(raw, expires_in=0)
