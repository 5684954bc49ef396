"""A grievance's or an appeal's record as 42 CFR 438.416(b) asks the plan to keep it, read from the
case and its log: the reason, the date of receipt, each review's date and decision, the resolution
at each level and its date, the enrollee's name, and every notice and extension. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol
from uuid import UUID

from liaison_shared.catalog import BY_PAYLOAD
from liaison_shared.payloads import (
    DeadlineExtendedV1,
    ExpeditedDeniedV1,
    InquiryReopenedV1,
    InquiryResolvedV1,
    NoticeIssuedV1,
    ReviewRecordedV1,
)

_TYPES = {BY_PAYLOAD[model].type: name for model, name in (
    (ReviewRecordedV1, "review"), (NoticeIssuedV1, "notice"), (DeadlineExtendedV1, "extension"),
    (ExpeditedDeniedV1, "denial"), (InquiryResolvedV1, "resolution"), (InquiryReopenedV1, "reopening"))}


class LogEntry(Protocol):
    @property
    def event_type(self) -> str: ...
    @property
    def at(self) -> Any: ...
    @property
    def details(self) -> dict[str, Any]: ...


def grievance_record(*, inquiry_id: UUID, kind: str, identity: dict[str, Any], mco: str | None, description: str,
                     category: str, received_at: Any, appeal: dict[str, Any] | None,
                     log: Iterable[LogEntry]) -> dict[str, Any]:
    """The record (`GrievanceRecord`'s fields) of the case, from its log in order. A reopening voids
    the resolution before it; the reviews of every level stay."""
    member = identity.get("member") or {}
    record: dict[str, Any] = {
        "inquiry_id": inquiry_id, "kind": kind, "mco": mco, "reason": description, "category": category,
        "received_at": received_at, "appeal": appeal,
        "enrollee": {"name": member.get("name") or identity.get("caller_name") or "", "medicaid_id":
                     member.get("medicaid_id")},
        "expedited_denial": None, "reviews": [], "resolution": None, "extension": None, "notices": []}
    for entry in log:
        what, d = _TYPES.get(entry.event_type), entry.details
        if what == "review":
            record["reviews"].append({"level": d["level"], "at": entry.at, "summary": d["summary"],
                                      "resolution": d.get("resolution")})
        elif what == "notice":
            record["notices"].append({"notice": d["notice"], "at": entry.at, "text": d["text"]})
        elif what == "extension":
            record["extension"] = {"days": d["days"], "requested_by": d["requested_by"], "reason": d["reason"],
                                   "at": entry.at}
        elif what == "denial":
            record["expedited_denial"] = {"reason": d["reason"], "at": entry.at}
        elif what == "resolution":
            record["resolution"] = {"code": d["resolution_code"], "summary": d.get("summary"), "at": entry.at}
        elif what == "reopening":
            record["resolution"] = None
    return record
