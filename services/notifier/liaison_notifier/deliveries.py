"""Sending what is owed, in batches: one statement claims the due deliveries
this instance has room for, each is sent over its channel as soon as one of
its recipient's send slots is free, and the outcomes that finished meanwhile
are recorded together (sent, retried later, or failed) in one transaction that
also publishes their notification-sent/failed events.

The claim is a lease: one committed UPDATE moves each row's next attempt past
the longest a wait for a slot and a send may take, so no other instance takes
it meanwhile, and no database connection is held while a slow endpoint answers. An outcome is
recorded only while its lease holds, so a delivery is recorded once. A crash
between the claim and the record leaves the lease to run out, and the
delivery goes again under the same notification id, which the receiver sees as
webhook-id / Message-ID and can drop.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Row
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from liaison_notifier import store
from liaison_notifier.contract import SubscriptionsConfig, WebhookRecipient
from liaison_notifier.email import send_email
from liaison_notifier.rules import routing
from liaison_notifier.rules.attempts import is_final, lease
from liaison_notifier.settings import Settings
from liaison_notifier.webhooks import DeliveryFailed, post_webhook, retry_delay
from liaison_shared.db import UnitOfWork
from liaison_shared.events import Event
from liaison_shared.outbox import Outbox
from liaison_shared.payloads import NotificationFailedV1, NotificationSentV1
from liaison_shared.retry import wait_any

log = logging.getLogger(__name__)
SOURCE = "/liaison/notifier"
CLAIM_LIMIT = 200  # deliveries claimed by one statement at most
# A recipient's deliveries held (claimed, not yet recorded) at most, in send slots: those sending
# and as many ready to go the moment a slot frees, so a slot never waits for a claim.
CLAIM_AHEAD = 2


@dataclass(frozen=True)
class Attempt:
    """A claimed delivery's send and how it ended (`failed` None: sent)."""

    row: Row[Any]
    failed: DeliveryFailed | None
    at: datetime


class Deliverer:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], outbox: Outbox, config: SubscriptionsConfig,
                 settings: Settings, now: Callable[[], datetime]) -> None:
        self._sessions, self._outbox, self._config = sessions, outbox, config
        self._settings, self._now = settings, now
        self._slots: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(settings.per_endpoint_concurrency))  # the per-endpoint in-flight limit
        self._held: Counter[str] = Counter()  # claimed, not yet recorded, per recipient
        self._finished: list[Attempt] = []  # sent, not yet recorded
        self._recording: asyncio.Task[None] | None = None
        self._owed = asyncio.Event()

    def wake(self) -> None:
        """New deliveries were committed (or some were recorded): look now rather than at the next poll."""
        self._owed.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and send batches until stop; then let the sends finish and record them."""
        sends: set[asyncio.Task[None]] = set()
        async with httpx.AsyncClient() as http:
            try:
                while not stop.is_set():
                    self._owed.clear()
                    for row in await self._claim():
                        task = asyncio.create_task(self._deliver(http, row))
                        sends.add(task)
                        task.add_done_callback(sends.discard)
                    await wait_any(stop, self._owed, timeout=self._settings.delivery_poll_seconds)
            finally:
                await asyncio.gather(*sends, return_exceptions=True)
                if self._recording is not None:
                    await self._recording

    async def _claim(self) -> Sequence[Row[Any]]:
        now = self._now()
        until = now + lease(self._settings.smtp_timeout_seconds, self._settings.webhook_timeout_seconds,
                            sends=CLAIM_AHEAD)
        async with UnitOfWork(self._sessions) as uow:
            rows = await store.claim_due(uow.session, now, until, held=+self._held, limit=CLAIM_LIMIT,
                                         per_recipient=CLAIM_AHEAD * self._settings.per_endpoint_concurrency)
            await uow.commit()
        self._held.update(row.recipient for row in rows)
        return rows

    async def _deliver(self, http: httpx.AsyncClient, row: Row[Any]) -> None:
        attempt = None
        try:
            async with self._slots[row.recipient]:
                attempt = Attempt(row, await self._failure_of_send(http, row), self._now())
        finally:
            if attempt is None:  # interrupted: its lease runs out and it goes again
                self._release([row])
        self._finished.append(attempt)
        if self._recording is None or self._recording.done():
            self._recording = asyncio.create_task(self._record_finished())

    async def _failure_of_send(self, http: httpx.AsyncClient, row: Row[Any]) -> DeliveryFailed | None:
        try:
            await self._send(http, row)
        except DeliveryFailed as failed:
            return failed
        return None

    def _release(self, rows: Sequence[Row[Any]]) -> None:
        self._held.subtract(row.recipient for row in rows)
        self.wake()  # room to claim more

    async def _record_finished(self) -> None:
        """Record what finished, in one transaction per batch; the sends finishing meanwhile make the next."""
        while self._finished:
            batch, self._finished = self._finished, []
            try:
                await self._record(batch)
            except (SQLAlchemyError, OSError) as exc:  # the database went away: these go again when their leases end
                log.warning("deliveries not recorded", extra={"error": type(exc).__name__, "deliveries": len(batch)})
            self._release([attempt.row for attempt in batch])

    async def _record(self, batch: list[Attempt]) -> None:
        """Sent, to be retried, or failed for good, with their events; once (a lapsed lease records nothing)."""
        outcomes = {a.row.notification_id: (a, self._outcome(a)) for a in batch}
        async with UnitOfWork(self._sessions) as uow:
            recorded = await store.record_attempts(uow.session, [values for _, values in outcomes.values()])
            await self._outbox.add(uow.session, *(
                self._announcement(attempt, values) for attempt, values in outcomes.values()
                if attempt.row.notification_id in recorded and values["status"] != "pending"))
            await uow.commit()

    def _outcome(self, attempt: Attempt) -> dict[str, Any]:
        row, failed, now = attempt.row, attempt.failed, attempt.at
        values: dict[str, Any] = {"notification_id": row.notification_id, "lease": row.next_attempt_at,
                                  "attempts": row.attempts + 1}
        if failed is None:
            return values | {"status": "sent", "sent_at": now, "last_error": None,
                             "next_attempt_at": row.next_attempt_at}
        final = is_final(retryable=failed.retryable, attempts=values["attempts"],
                         max_attempts=self._settings.max_attempts)
        return values | {"status": "failed" if final else "pending", "last_error": failed.reason, "sent_at": None,
                         "next_attempt_at": now + timedelta(seconds=retry_delay(
                             values["attempts"], base=self._settings.retry_base_seconds))}

    def _announcement(self, attempt: Attempt, values: dict[str, Any]) -> Event:
        row = attempt.row
        payload: NotificationSentV1 | NotificationFailedV1
        if attempt.failed is None:
            payload = NotificationSentV1(
                notification_id=row.notification_id, cause_event_id=row.cause_event_id, inquiry_id=row.inquiry_id,
                channel=row.channel, recipient=row.recipient, sent_at=attempt.at)
        else:
            payload = NotificationFailedV1(
                notification_id=row.notification_id, cause_event_id=row.cause_event_id, inquiry_id=row.inquiry_id,
                channel=row.channel, recipient=row.recipient, attempts=values["attempts"],
                error=attempt.failed.reason[:200], failed_at=attempt.at)
        # A care event's delivery is of no inquiry: its own id is then the subject (not "None").
        return Event(payload, source=SOURCE, subject=str(payload.inquiry_id or payload.notification_id))

    async def _send(self, http: httpx.AsyncClient, row: Row[Any]) -> None:
        address = routing.recipient(self._config, row.recipient)
        if isinstance(address, WebhookRecipient):
            secret = os.environ.get(address.secret_env)
            if not secret:
                raise DeliveryFailed(f"no secret in {address.secret_env}", retryable=False)
            await post_webhook(http, address.url, secret, str(row.notification_id), row.body.encode(),
                               timeout=self._settings.webhook_timeout_seconds)
            return
        await send_email(host=self._settings.smtp_host, port=self._settings.smtp_port,
                         sender=self._settings.smtp_sender, to=list(address.to), subject=row.subject,
                         body=row.body, message_id=str(row.notification_id),
                         timeout=self._settings.smtp_timeout_seconds)
