"""Standard Webhooks signing and delivery (https://www.standardwebhooks.com).

An edge: everything comes in as arguments, nothing is logged, and a failure is a
`DeliveryFailed` whose reason names a status code or an error class only, never
the URL, the body or the receiver's answer (they may carry PHI or secrets).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import random
import time

import httpx

__all__ = ["SECRET_PREFIX", "DeliveryFailed", "post_webhook", "retry_delay", "sign", "signed_headers"]

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
RETRYABLE_STATUSES = frozenset({408, 429})
MAX_DRAINED_BYTES = 64 * 1024


class DeliveryFailed(Exception):
    """A notification could not be delivered.

    `reason` is PHI-free (a status code or an error class); `retryable` tells the
    delivery queue whether trying again later may succeed.
    """

    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable

    def __repr__(self) -> str:
        return f"DeliveryFailed(reason={self.reason!r}, retryable={self.retryable!r})"


def _key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"webhook secret must start with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
    except binascii.Error:
        raise ValueError("webhook secret is not valid base64") from None
    if not key:
        raise ValueError("webhook secret is empty")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value `v1,<base64 HMAC-SHA256>` of `{msg_id}.{timestamp}.{body}`.

    `secret` is `whsec_` followed by the base64 of the key; ValueError if it is malformed.
    """
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(secret: str, msg_id: str, body: bytes, now: int) -> dict[str, str]:
    """The request headers of a delivery of `body` signed at Unix time `now`."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(now),
        "webhook-signature": sign(secret, msg_id, now, body),
        "content-type": "application/json",
    }


async def post_webhook(
    client: httpx.AsyncClient, url: str, secret: str, msg_id: str, body: bytes, *, timeout: float
) -> None:
    """POST `body` to `url`, signed; return on a 2xx answer.

    `timeout` bounds the whole request; at most MAX_DRAINED_BYTES of the answer's body are
    read (and ignored), so the connection can be reused. Raises `DeliveryFailed`, retryable on a timeout, a connection
    error, 408, 429 or 5xx; not retryable on any other status, a malformed secret or URL.
    Redirects are not followed (the spec counts them as failures).
    """
    try:
        headers = signed_headers(secret, msg_id, body, int(time.time()))
    except ValueError:
        raise DeliveryFailed("invalid webhook secret", retryable=False) from None
    try:
        async with asyncio.timeout(timeout):
            request = client.build_request("POST", url, content=body, headers=headers, timeout=timeout)
            response = await client.send(request, stream=True, follow_redirects=False)
            try:
                # Drain a small answer so the connection goes back to the pool (no handshake per
                # webhook); a large one is cut off, costing only that connection.
                drained = 0
                async for chunk in response.aiter_raw():
                    drained += len(chunk)
                    if drained > MAX_DRAINED_BYTES:
                        break
            finally:
                await response.aclose()
    except (TimeoutError, httpx.TimeoutException) as exc:
        raise DeliveryFailed(f"timeout ({type(exc).__name__})", retryable=True) from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise DeliveryFailed(f"invalid url ({type(exc).__name__})", retryable=False) from None
    except httpx.TransportError as exc:
        raise DeliveryFailed(f"connection error ({type(exc).__name__})", retryable=True) from None
    status = response.status_code
    if 200 <= status < 300:
        return
    retryable = status >= 500 or status in RETRYABLE_STATUSES
    raise DeliveryFailed(f"http {status}", retryable=retryable)


def retry_delay(attempt: int, *, base: float = 1.0, cap: float = 300.0) -> float:
    """Seconds to wait before retry number `attempt` (0 for the first retry).

    Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**attempt)].
    """
    if attempt < 0:
        raise ValueError("attempt must be >= 0")
    ceiling = cap if attempt >= 64 else min(cap, base * 2.0**attempt)
    return random.uniform(0.0, ceiling)
