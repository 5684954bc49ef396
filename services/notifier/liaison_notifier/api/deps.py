"""What the notifier's routes are given: a read session and the caller, with the scope to read."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from liaison_shared.access import DELIVERIES_READ
from liaison_shared.deps import ReadSession
from liaison_shared.principal import Principal, require_scope

__all__ = ["ReadSession", "Reader"]

Reader = Annotated[Principal, Depends(require_scope(DELIVERIES_READ))]
