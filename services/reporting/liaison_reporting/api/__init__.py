"""Reporting's read API, one router per resource."""

from __future__ import annotations

from liaison_reporting.api import reports

ROUTERS = (reports.router,)
