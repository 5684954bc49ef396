"""Intake's HTTP API, v1, one router per resource, in the order they are served."""

from __future__ import annotations

from liaison_intake.api import actions, inquiries, log

ROUTERS = (inquiries.router, actions.router, log.router)
