"""Ids derived from their cause, so that a repeat of the cause is the same notification or letter."""

from __future__ import annotations

import uuid

NOTIFICATIONS = uuid.UUID("6f0b8a52-5d3e-4c0e-9f0a-1b7c2d3e4f50")  # namespace of notification ids


def notification_id(cause_event_id: uuid.UUID, recipient: str, channel: str) -> uuid.UUID:
    """The same event to the same recipient over the same channel is always the same notification."""
    return uuid.uuid5(NOTIFICATIONS, f"{cause_event_id}:{recipient}:{channel}")


def letter_id(notice_event_id: uuid.UUID) -> uuid.UUID:
    """A notice has one letter: a redelivered notice event is the same letter. (Letters from before
    notices were derived from their inquiry's id the same way: those ids cannot meet these.)"""
    return uuid.uuid5(NOTIFICATIONS, f"letter:{notice_event_id}")
