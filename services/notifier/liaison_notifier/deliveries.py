"""Sending what is owed: each pending delivery is claimed by one instance,
sent over its channel, and recorded (sent, retried later, or failed) in the
same transaction that publishes the notification-sent/failed event.

The claim is a lease: one committed UPDATE moves the row's next attempt
past the longest a send may take, so no other instance takes it meanwhile,
and no database connection is held while a slow endpoint answers. A crash
between the claim and the record leaves the lease to run out, and the
delivery goes again under the same notification id, which the receiver
sees as webhook-id / Message-ID and can drop.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import Row
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
DUE_BATCH = 200


class Deliverer:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], outbox: Outbox, config: SubscriptionsConfig,
                 settings: Settings, now: Callable[[], datetime]) -> None:
        self._sessions, self._outbox, self._config = sessions, outbox, config
        self._settings, self._now = settings, now
        self._in_flight: set[UUID] = set()
        self._owed = asyncio.Event()
        self._per_endpoint: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(settings.per_endpoint_concurrency))

    def wake(self) -> None:
        """New deliveries were committed: look now rather than at the next poll."""
        self._owed.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Start a task per due delivery, bounded per endpoint, until stop; then let them finish."""
        tasks: set[asyncio.Task[None]] = set()
        async with httpx.AsyncClient() as http:
            while not stop.is_set():
                self._owed.clear()
                for notification_id, recipient in await self._due():
                    self._in_flight.add(notification_id)
                    task = asyncio.create_task(self._deliver(http, notification_id, recipient))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                await wait_any(stop, self._owed, timeout=self._settings.delivery_poll_seconds)
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _due(self) -> list[tuple[UUID, str]]:
        """The oldest due deliveries, at most a few per recipient: a recipient with a long backlog
        (a slow or dead endpoint) cannot fill the batch and hold back everyone behind it."""
        async with self._sessions() as session:
            rows = await store.due_deliveries(session, self._now(), limit=DUE_BATCH,
                                              per_recipient=2 * self._settings.per_endpoint_concurrency)
        return [(r.notification_id, r.recipient) for r in rows if r.notification_id not in self._in_flight]

    async def _deliver(self, http: httpx.AsyncClient, notification_id: UUID, recipient: str) -> None:
        try:
            async with self._per_endpoint[recipient]:
                row = await self._claim(notification_id)
                if row is None:
                    return  # another instance has it, or it is done
                try:
                    await self._send(http, row)
                except DeliveryFailed as failed:
                    await self._record(row, failed)
                else:
                    await self._record(row, None)
        except Exception as exc:  # the database went away mid-delivery: it stays pending and is retried
            log.warning("delivery interrupted", extra={"error": type(exc).__name__})
        finally:
            self._in_flight.discard(notification_id)

    async def _claim(self, notification_id: UUID) -> Row[Any] | None:
        now = self._now()
        until = now + lease(self._settings.smtp_timeout_seconds, self._settings.webhook_timeout_seconds)
        async with UnitOfWork(self._sessions) as uow:
            row = await store.claim(uow.session, notification_id, now, until)
            await uow.commit()
        return row

    async def _record(self, row: Row[Any], failed: DeliveryFailed | None) -> None:
        """Sent, to be retried, or failed for good; with its event, once (a lapsed lease's repeat records nothing)."""
        now, attempts = self._now(), row.attempts + 1
        final = failed is not None and is_final(retryable=failed.retryable, attempts=attempts,
                                                max_attempts=self._settings.max_attempts)
        if failed is None:
            values: dict[str, Any] = {"status": "sent", "sent_at": now, "last_error": None}
        else:
            values = {"status": "failed" if final else "pending", "last_error": failed.reason,
                      "next_attempt_at": now + timedelta(seconds=retry_delay(
                          attempts, base=self._settings.retry_base_seconds))}
        async with UnitOfWork(self._sessions) as uow:
            if not await store.record_attempt(uow.session, row.notification_id, attempts=attempts, **values):
                return
            if failed is None:
                await self._publish(uow.session, NotificationSentV1(
                    notification_id=row.notification_id, cause_event_id=row.cause_event_id,
                    inquiry_id=row.inquiry_id, channel=row.channel, recipient=row.recipient, sent_at=now))
            elif final:
                await self._publish(uow.session, NotificationFailedV1(
                    notification_id=row.notification_id, cause_event_id=row.cause_event_id,
                    inquiry_id=row.inquiry_id, channel=row.channel, recipient=row.recipient, attempts=attempts,
                    error=failed.reason[:200], failed_at=now))
            await uow.commit()

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

    async def _publish(self, session: AsyncSession, payload: NotificationSentV1 | NotificationFailedV1) -> None:
        await self._outbox.add(session, Event(payload, source=SOURCE, subject=str(payload.inquiry_id)))
