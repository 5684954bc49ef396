"""Standard Webhooks signing, checked against an independent verifier, and delivery to a real HTTP receiver."""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from liaison_notifier.webhooks import DeliveryFailed, post_webhook, retry_delay, sign, signed_headers

SECRET = "whsec_" + base64.b64encode(b"a test key of thirty-two bytes!!").decode()
PHI_BODY = b'{"member_name": "Jane Q. Doe", "medicaid_id": "123456789A", "callback_phone": "515-555-0100"}'


def verify(secret: str, headers: dict[str, str], body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """The receiver's side of the spec, written from the spec alone (not from `sign`)."""
    msg_id, timestamp = headers.get("webhook-id"), headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (msg_id and timestamp and signatures) or abs(now - int(timestamp)) > tolerance:
        return False
    assert secret.startswith("whsec_")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    to_sign = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, to_sign, hashlib.sha256).digest())
    for entry in signatures.split(" "):
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(signature.encode(), expected):
            return True
    return False


def test_the_spec_test_vector() -> None:
    secret, msg_id, timestamp = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330
    body = b'{"test": 2432232314}'
    assert sign(secret, msg_id, timestamp, body) == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    headers = signed_headers(secret, msg_id, body, timestamp)
    assert verify(secret, headers, body, now=timestamp)


@given(key=st.binary(min_size=1, max_size=64), msg_id=st.text(st.characters(codec="ascii", categories=["L", "N"]),
       min_size=1, max_size=40), timestamp=st.integers(0, 2**33), body=st.binary(max_size=500))
def test_signed_headers_verify_independently(key: bytes, msg_id: str, timestamp: int, body: bytes) -> None:
    secret = "whsec_" + base64.b64encode(key).decode()
    headers = signed_headers(secret, msg_id, body, timestamp)
    assert headers["webhook-id"] == msg_id
    assert headers["webhook-timestamp"] == str(timestamp)
    assert headers["content-type"] == "application/json"
    assert verify(secret, headers, body, now=timestamp)
    assert not verify(secret, headers, body + b" ", now=timestamp)
    assert not verify("whsec_" + base64.b64encode(key + b"x").decode(), headers, body, now=timestamp)


@pytest.mark.parametrize("secret", ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not base64!", "whsec_"])
def test_a_malformed_secret_is_refused_without_echoing_it(secret: str) -> None:
    with pytest.raises(ValueError) as info:
        sign(secret, "msg_1", 1, b"{}")
    if key_text := secret.removeprefix("whsec_"):
        assert key_text not in str(info.value)


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 that answers scripted statuses and checks each signature."""

    url: str
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    received: list[tuple[dict[str, str], bytes, bool]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {key.lower(): value for key, value in self.headers.items()}
            valid = verify(SECRET, headers, body, now=int(time.time()))
            state.received.append((headers, body, valid))
            if state.delay:
                state.release.wait(state.delay)
            status = (state.statuses.pop(0) if state.statuses else 200) if valid else 401
            answer = b"receiver says: Jane Q. Doe unknown"
            try:
                self.send_response(status)
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender gave up (the timeout test)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks/liaison")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as http:
        yield http


async def test_a_500_is_retryable_and_the_retry_is_delivered(receiver: Receiver, client: httpx.AsyncClient) -> None:
    receiver.statuses = [500, 200]
    with pytest.raises(DeliveryFailed) as info:
        await post_webhook(client, receiver.url, SECRET, "msg_abc", PHI_BODY, timeout=5)
    assert info.value.retryable
    assert info.value.reason == "http 500"
    await post_webhook(client, receiver.url, SECRET, "msg_abc", PHI_BODY, timeout=5)
    assert [(h["webhook-id"], h["content-type"], body, valid) for h, body, valid in receiver.received] == [
        ("msg_abc", "application/json", PHI_BODY, True)] * 2


@pytest.mark.parametrize(("status", "retryable"), [(400, False), (404, False), (410, False), (301, False),
                                                   (408, True), (429, True), (503, True)])
async def test_status_classification(receiver: Receiver, client: httpx.AsyncClient, status: int,
                                     retryable: bool) -> None:
    receiver.statuses = [status]
    with pytest.raises(DeliveryFailed) as info:
        await post_webhook(client, receiver.url, SECRET, "msg_status", PHI_BODY, timeout=5)
    assert (info.value.reason, info.value.retryable) == (f"http {status}", retryable)
    assert receiver.received[0][2], "the receiver saw a valid signature"


async def test_a_receiver_slower_than_the_timeout_is_a_retryable_timeout(
    receiver: Receiver, client: httpx.AsyncClient
) -> None:
    receiver.delay = 5.0
    started = time.monotonic()
    with pytest.raises(DeliveryFailed) as info:
        await post_webhook(client, receiver.url, SECRET, "msg_slow", PHI_BODY, timeout=0.3)
    assert time.monotonic() - started < 3
    assert info.value.retryable
    assert info.value.reason.startswith("timeout")
    assert_nothing_chained(info.value)


async def test_nobody_listening_is_a_retryable_connection_error(client: httpx.AsyncClient) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DeliveryFailed) as info:
        await post_webhook(client, f"http://127.0.0.1:{port}/", SECRET, "msg_x", PHI_BODY, timeout=2)
    assert info.value.retryable
    assert info.value.reason == "connection error (ConnectError)"
    assert_nothing_chained(info.value)


@pytest.mark.parametrize(("url", "secret"), [("ftp://127.0.0.1/x", SECRET), ("http://127.0.0.1:1/", "nope")])
async def test_a_bad_url_or_secret_is_not_retryable(client: httpx.AsyncClient, url: str, secret: str) -> None:
    with pytest.raises(DeliveryFailed) as info:
        await post_webhook(client, url, secret, "msg_x", PHI_BODY, timeout=2)
    assert not info.value.retryable


async def test_failures_carry_no_phi(receiver: Receiver, client: httpx.AsyncClient) -> None:
    receiver.statuses = [400]
    with pytest.raises(DeliveryFailed) as info:
        await post_webhook(client, receiver.url, SECRET, "msg_phi", PHI_BODY, timeout=5)
    text = f"{info.value} {info.value!r} {info.value.args}"
    for secret_or_phi in ("Jane", "123456789A", "515-555-0100", "receiver says", "/hooks/liaison", SECRET[6:]):
        assert secret_or_phi not in text
    assert_nothing_chained(info.value)


def assert_nothing_chained(exc: BaseException) -> None:
    """A logged traceback must not drag along the library's exception (its text may quote the server)."""
    assert exc.__cause__ is None
    assert exc.__context__ is None or exc.__suppress_context__


@given(attempt=st.integers(0, 10_000), base=st.floats(0.01, 10), cap=st.floats(0.5, 3600))
def test_retry_delay_stays_within_the_backoff_ceiling(attempt: int, base: float, cap: float) -> None:
    delay = retry_delay(attempt, base=base, cap=cap)
    assert 0.0 <= delay <= min(cap, base * 2.0 ** min(attempt, 64))
    assert delay <= cap


@given(base=st.floats(0.01, 10), cap=st.floats(0.5, 3600))
def test_retry_delay_ceiling_grows_then_holds_at_the_cap(base: float, cap: float) -> None:
    with mock.patch.object(random, "uniform", lambda low, high: high):  # the top of the jitter range
        ceilings = [retry_delay(attempt, base=base, cap=cap) for attempt in range(40)]
    assert ceilings == sorted(ceilings)
    assert ceilings[0] == min(base, cap)
    assert ceilings[-1] == cap


def test_retry_delay_is_jittered_and_grows_on_average() -> None:
    early = [retry_delay(1) for _ in range(2000)]
    late = [retry_delay(6) for _ in range(2000)]
    assert len(set(early)) > 1000
    assert sum(early) / len(early) < sum(late) / len(late)
    assert max(late) <= 64


def test_retry_delay_refuses_a_negative_attempt() -> None:
    with pytest.raises(ValueError):
        retry_delay(-1)
