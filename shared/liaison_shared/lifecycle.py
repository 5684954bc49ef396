"""A case's status and how each event moves it: intake records it, the console shows it.

Pure: the status after an event depends only on the status before and the
event. Intake's case rules decide which actions are legal in which status;
this module is the one place the status itself is folded.
"""

from __future__ import annotations

from enum import StrEnum

from liaison_shared.payloads import (
    ContactAttemptedV1,
    InquiryReopenedV1,
    InquiryResolvedV1,
    McoContactedV1,
    McoReportedV1,
    Payload,
    PriorityAssignedV1,
)
from liaison_shared.vocabulary import McoReportKind


class Status(StrEnum):
    RECEIVED = "received"
    TRIAGED = "triaged"
    IN_PROGRESS = "in_progress"
    REFERRED_TO_MCO = "referred_to_mco"
    MCO_ENGAGED = "mco_engaged"
    RESOLVED = "resolved"


CONTACTED = (McoReportKind.MEMBER_CONTACTED, McoReportKind.PROVIDER_CONTACTED)


def status_after(status: Status, event: Payload) -> Status:
    """The case's status once `event` happened to a case in `status`."""
    match event:
        case PriorityAssignedV1() if status is Status.RECEIVED:
            return Status.TRIAGED
        case ContactAttemptedV1() if status in (Status.RECEIVED, Status.TRIAGED):
            return Status.IN_PROGRESS
        case McoContactedV1():
            return Status.REFERRED_TO_MCO
        case McoReportedV1(report=report) if report in CONTACTED:
            return Status.MCO_ENGAGED
        case InquiryResolvedV1():
            return Status.RESOLVED
        case InquiryReopenedV1():
            return Status.IN_PROGRESS
    return status
