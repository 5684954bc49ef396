"""Payload models of care coordination's events: plan and practice coordinating their high-risk patients
(conferences, next steps, the tracking list) and transitions of care (admissions, discharges, call-backs).

Minimum necessary: an event names the patient by attribution's member id only (never a name or a Medicaid
ID), the plan and the practice it concerns, and the instants its clocks need. Whoever needs more reads it
from care coordination's API, where every read is audited. Each item with a clock (a next step, a
conference's summary, a tracked patient, a discharge, a call-back request) is its own SLA-monitor case,
keyed by the item's id.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, StringConstraints

from liaison_shared.payloads import McoCode, Npi, Payload
from liaison_shared.vocabulary import CareParty, EncounterKind

WorkEmail = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]


class ConferenceHeldV1(Payload):
    """A case conference of a plan and a practice took place: the plan owes the practice its summary."""

    conference_id: UUID
    series_id: UUID
    plan: McoCode
    practice_npi: Npi
    held_at: AwareDatetime
    patients: int


class SummarySentV1(Payload):
    """The plan sent a conference's summary (decisions, next steps, the next agenda). The notifier tells
    the practice's care manager where to read it; the summary itself stays behind the API."""

    conference_id: UUID
    plan: McoCode
    practice_npi: Npi
    sent_at: AwareDatetime
    recipient_email: WorkEmail | None = None  # the practice's care manager (a work address, not PHI)


class NextStepAgreedV1(Payload):
    """A next step agreed at a conference: who does it, and the date they report back by."""

    step_id: UUID
    conference_id: UUID
    plan: McoCode
    practice_npi: Npi
    responsible: CareParty
    report_back_on: date
    agreed_at: AwareDatetime


class NextStepReportedV1(Payload):
    """The responsible party reported back on a next step (its update recorded)."""

    step_id: UUID
    reported_at: AwareDatetime


class TrackingStartedV1(Payload):
    """An unengaged patient, after one more outreach attempt, went on the tracking list: the plan's
    update (its claims activity report) is due in six months."""

    tracking_id: UUID
    member_id: UUID
    plan: McoCode
    practice_npi: Npi
    started_at: AwareDatetime


class TrackingUpdatedV1(Payload):
    """The plan recorded a tracked patient's update (the claims activity report)."""

    tracking_id: UUID
    updated_at: AwareDatetime


class EncounterNotifiedV1(Payload):
    """A hospital notified an admission or a discharge (HL7 v2 ADT or a Da Vinci notification) of a patient
    attributed to the practice: the practice is told; a discharge starts the follow-up clock from the
    discharge itself."""

    notice_id: UUID
    kind: EncounterKind
    member_id: UUID
    plan: McoCode | None = None
    practice_npi: Npi | None = None
    occurred_at: AwareDatetime  # the admission or the discharge, as the hospital recorded it
    received_at: AwareDatetime
    emergency: bool = False  # an emergency-department encounter (counted by the ED follow-up measure)


class CallbackRequestedV1(Payload):
    """A patient asked to be called back (24 calendar hours)."""

    request_id: UUID
    member_id: UUID
    plan: McoCode | None = None
    practice_npi: Npi | None = None
    requested_at: AwareDatetime


class FollowUpRecordedV1(Payload):
    """A care manager reached the patient about a discharge or a call-back request (`item_id` is the
    notice's or the request's id)."""

    item_id: UUID
    reached_at: AwareDatetime
    by: CareParty
