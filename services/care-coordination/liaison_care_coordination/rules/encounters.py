"""The common model of a transition of care: one admission or discharge notice, whichever way it arrived.

A hospital tells us about an admission or a discharge either as an HL7 v2 ADT message (A01, A03; see
`rules.adt`) or as a Da Vinci Unsolicited Notifications FHIR Bundle (see `rules.da_vinci`). Both parsers
produce the same `EncounterNotice`, so everything downstream (matching the member, opening the follow-up
clock) is written once and never sees a wire format.

A notice carries PHI (the Medicaid ID, the diagnoses): log its `message_id` and `kind`, nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from liaison_shared.program import program_calendar

__all__ = ["EncounterKind", "EncounterNotice", "PatientClass", "program_zone"]

EncounterKind = Literal["admission", "discharge"]
PatientClass = Literal["inpatient", "emergency", "observation", "outpatient", "other"]


@dataclass(frozen=True)
class EncounterNotice:
    """One admission or discharge, as the sending hospital reported it.

    `event_at` is when the patient was admitted (or discharged), in UTC: not when we received the message.
    `sender` names the system that sent the notice (HL7: `application@facility` from MSH-3 and MSH-4;
    FHIR: MessageHeader.source.endpoint); `facility` names the hospital where the encounter happened.
    """

    kind: EncounterKind
    message_id: str
    medicaid_id: str
    event_at: dt.datetime
    facility: str
    patient_class: PatientClass
    diagnoses: tuple[str, ...]
    discharge_disposition: str | None
    sender: str

    def __post_init__(self) -> None:
        if self.event_at.tzinfo is None or self.event_at.utcoffset() != dt.timedelta(0):
            raise ValueError("event_at must be a timezone-aware datetime in UTC")


def program_zone() -> ZoneInfo:
    """The program's time zone, in which hospitals send local times (America/Chicago in the default file)."""
    zone: ZoneInfo = program_calendar().zone
    return zone
