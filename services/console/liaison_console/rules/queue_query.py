"""What a queue page asks for, read from its URL (filters, sort and page live there, so a view can be
bookmarked and shared), with every invalid parameter named."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlencode

from liaison_shared.lifecycle import Status
from liaison_shared.vocabulary import Category, Party, Priority, Queue, Source, Track

SORTS = ("next_due", "priority", "received", "status", "track", "queue", "mco", "category", "source", "assignee",
         "subject")
STATUSES = ("open", "all", *(s.value for s in Status))
MAX_PAGE = 100_000
_MCO = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,15}$")
_SUBJECT = re.compile(r"^[A-Za-z0-9._@:-]{1,200}$")
_CHOICES: dict[str, tuple[str, ...]] = {
    "track": tuple(t.value for t in Track), "priority": tuple(p.value for p in Priority),
    "source": tuple(s.value for s in Source), "category": tuple(c.value for c in Category),
    "party": tuple(p.value for p in Party), "status": STATUSES, "sort": SORTS, "dir": ("asc", "desc"),
    "breached": ("yes", "no"),
}
ROLE_QUEUE = "mine"
ALL_QUEUES = "all"


class InvalidQuery(ValueError):
    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("invalid queue query")
        self.errors = errors


@dataclass(frozen=True)
class QueueQuery:
    """One queue page. `queue` is a queue's name, "mine" (the queues of the person's roles, the default)
    or "all"; `queues` is what it resolves to (None: no queue filter)."""

    queue: str = ROLE_QUEUE
    queues: frozenset[str] | None = None
    assignee: str | None = None  # "me", "none" or a person's subject
    status: str = "open"
    track: str | None = None
    priority: str | None = None
    source: str | None = None
    category: str | None = None
    party: str | None = None
    mco: str | None = None
    breached: bool | None = None
    sort: str = "next_due"
    descending: bool = False
    page: int = 1

    def url(self, base: str = "/queue", **changes: Any) -> str:
        """The address of this query with `changes` applied (defaults left out, so links stay short)."""
        changed = replace(self, **changes) if changes else self
        default = QueueQuery()
        params: dict[str, str] = {}
        for f in fields(self):
            if f.name in ("queues", "descending"):
                continue
            value = getattr(changed, f.name)
            if value != getattr(default, f.name) and value is not None:
                params[f.name] = ("yes" if value else "no") if isinstance(value, bool) else str(value)
        if changed.descending:
            params["dir"] = "desc"
        return f"{base}?{urlencode(params)}" if params else base

    def sorted_by(self, column: str) -> str:
        """The address that sorts by `column` (again: the other way round), from page 1."""
        descending = not self.descending if column == self.sort else False
        return self.url(sort=column, descending=descending, page=1)


def parse_query(params: Mapping[str, str], role_queues: frozenset[str] | None) -> QueueQuery:
    """The query these URL parameters describe; `role_queues` is what "mine" means for this person."""
    errors: list[dict[str, str]] = []
    values: dict[str, object] = {}
    for name, choices in _CHOICES.items():
        raw = params.get(name)
        if raw in (None, ""):
            continue
        if raw not in choices:
            errors.append({"field": name, "reason": f"must be one of {', '.join(choices)}"})
        elif name == "breached":
            values["breached"] = raw == "yes"
        elif name == "dir":
            values["descending"] = raw == "desc"
        else:
            values[name] = raw
    queue = params.get("queue") or ROLE_QUEUE
    if queue not in (ROLE_QUEUE, ALL_QUEUES, *(q.value for q in Queue)):
        errors.append({"field": "queue", "reason": "must be mine, all or a queue's name"})
    values["queue"] = queue
    values["queues"] = role_queues if queue == ROLE_QUEUE else None if queue == ALL_QUEUES else frozenset({queue})
    mco = params.get("mco")
    if mco:
        if _MCO.fullmatch(mco):
            values["mco"] = mco
        else:
            errors.append({"field": "mco", "reason": "must be an MCO code (capitals, digits, hyphens)"})
    assignee = params.get("assignee")
    if assignee:
        if _SUBJECT.fullmatch(assignee):
            values["assignee"] = assignee
        else:
            errors.append({"field": "assignee", "reason": "must be me, none or a person's id"})
    page = params.get("page")
    if page:
        if page.isdigit() and 1 <= int(page) <= MAX_PAGE:
            values["page"] = int(page)
        else:
            errors.append({"field": "page", "reason": f"must be a whole number from 1 to {MAX_PAGE}"})
    unknown = sorted(set(params) - {*_CHOICES, "queue", "mco", "assignee", "page"})
    errors += [{"field": name, "reason": "is not a filter of the queue"} for name in unknown]
    if errors:
        raise InvalidQuery(errors)
    return QueueQuery(**values)  # type: ignore[arg-type]
