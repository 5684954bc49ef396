"""Who is calling: API keys with scopes, stored hashed.

A key reads `lia_<client id>_<secret>`; only SHA-256 of the secret is stored
(the secret is 256 random bits, so a slow hash adds nothing). Scopes:
`intake:write` (create inquiries), `inquiry:read`, `inquiry:act`, and
`mco:<CODE>`, which confines a credential to inquiries referred to that MCO.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
import uuid
from typing import TypeAlias

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from liaison_intake import store
from liaison_shared.principal import Principal

INTAKE_WRITE, INQUIRY_READ, INQUIRY_ACT = "intake:write", "inquiry:read", "inquiry:act"
_SCOPE = re.compile(r"^(intake:write|inquiry:read|inquiry:act|mco:[A-Z0-9][A-Z0-9-]{1,15})$")
_KEY = re.compile(r"^lia_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$")
CACHE_SECONDS = 30.0


Client: TypeAlias = Principal  # an intake client's id is the hex of its UUID


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


async def issue_key(session: AsyncSession, *, name: str, scopes: list[str]) -> str:
    """Create a client and return its key (shown once; only its hash is kept)."""
    bad = [s for s in scopes if not _SCOPE.match(s)]
    if bad or not scopes:
        raise ValueError(f"invalid scopes: {bad or 'none given'}")
    client_id, secret = uuid.uuid4(), secrets.token_urlsafe(32)
    await store.insert_api_client(session, client_id=client_id, name=name, key_hash=_hash(secret),
                                  scopes=sorted(set(scopes)))
    return f"lia_{client_id.hex}_{secret}"


class Authenticator:
    """Checks presented keys against the database, caching hits briefly
    (a revoked key stops working within CACHE_SECONDS)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._cache: dict[bytes, tuple[float, Client]] = {}

    async def authenticate(self, presented: str) -> Client | None:
        match = _KEY.match(presented)
        if match is None:
            return None
        fingerprint = _hash(presented)
        cached = self._cache.get(fingerprint)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        client_id, secret = uuid.UUID(match.group(1)), match.group(2)
        async with self._sessions() as session:
            row = await store.active_api_client(session, client_id)
        if row is None or not hmac.compare_digest(row.key_hash, _hash(secret)):
            return None
        client = Client(id=client_id.hex, name=row.name, scopes=frozenset(row.scopes))
        self._cache[fingerprint] = (time.monotonic() + CACHE_SECONDS, client)
        return client
