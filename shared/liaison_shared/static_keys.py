"""API keys given to a service as SHA-256 hashes in its settings (for services
whose callers are few: staff tools, integrations). Keys are compared in
constant time; a missing or unknown key is a 401 problem."""


import hashlib
import hmac
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated

from fastapi import Depends
from fastapi.security import APIKeyHeader

from liaison_shared.problems import Problem


def require_key(allowed_sha256: Sequence[str]) -> Callable[..., Awaitable[None]]:
    """A FastAPI dependency that lets through only keys whose SHA-256 (hex) is allowed."""
    allowed = [bytes.fromhex(h) for h in allowed_sha256]
    header = APIKeyHeader(name="X-API-Key", auto_error=False)

    async def check(key: Annotated[str | None, Depends(header)]) -> None:
        digest = hashlib.sha256((key or "").encode()).digest()
        if not key or not any(hmac.compare_digest(digest, h) for h in allowed):
            raise Problem(401, "Unauthenticated", "Send a valid API key in X-API-Key.", code="unauthenticated")

    return check
