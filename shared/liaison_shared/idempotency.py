"""The fingerprint of a request guarded by an Idempotency-Key: a retry with the
same key must be the same request, however its JSON was spaced or ordered."""

from __future__ import annotations

import hashlib
import json


def request_fingerprint(method: str, path: str, body: bytes) -> bytes:
    """SHA-256 of the method, the path and the body's canonical JSON (sorted keys, no spacing).
    A body that is not JSON is taken as its bytes."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), canonical])).digest()
