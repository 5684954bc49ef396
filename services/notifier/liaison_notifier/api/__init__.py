"""The notifier's HTTP API, one router per resource, in the order they are served."""

from __future__ import annotations

from liaison_notifier.api import deliveries, letters

ROUTERS = (deliveries.router, letters.router)
