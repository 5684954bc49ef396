"""Compliance: the share of the clocks that came due which were met."""

from __future__ import annotations


def met_share(met: int, breached: int) -> float | None:
    """met / (met + breached); None when no clock was met or breached (open ones do not count)."""
    return met / (met + breached) if met + breached else None
