"""API keys given to a service as SHA-256 hashes in its settings (for services
whose callers are few: staff tools, integrations). Keys are compared in
constant time; the request pipeline answers 401 for a key that is not given."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence

from liaison_shared.principal import Authenticate, Principal


def static_keys(by_scope: Mapping[str, Sequence[str]]) -> Authenticate:
    """An authenticator for keys whose SHA-256 (hex) is listed under each scope they carry."""
    hashes: dict[bytes, set[str]] = {}
    for scope, listed in by_scope.items():
        for digest in listed:
            hashes.setdefault(bytes.fromhex(digest), set()).add(scope)

    async def authenticate(credential: str) -> Principal | None:
        digest = hashlib.sha256(credential.encode()).digest()
        for known, scopes in hashes.items():
            if hmac.compare_digest(digest, known):
                return Principal(id=f"key-{known.hex()[:12]}", name=f"key-{known.hex()[:12]}",
                                 scopes=frozenset(scopes))
        return None

    return authenticate
