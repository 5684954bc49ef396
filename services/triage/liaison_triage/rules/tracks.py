"""An inquiry's track, and the MCO it is decided with.

The enrollment facts come from triage's own copy, fed by attribution's events;
a member the copy has never seen waits for them, until triage stops waiting.
"""

from __future__ import annotations

from dataclasses import dataclass

from liaison_shared.payloads import InquiryReceivedV1
from liaison_shared.vocabulary import CaseKind, Category, Party, Track

ENROLLMENT_UNKNOWN = "enrollment-unknown"
# A grievance, an appeal or an FWA referral is on its own track, whoever it is about.
KIND_TRACKS = {CaseKind.GRIEVANCE: Track.GRIEVANCE, CaseKind.APPEAL: Track.APPEAL,
               CaseKind.FWA_REFERRAL: Track.PROGRAM_INTEGRITY}


@dataclass(frozen=True)
class Enrollment:
    """What triage's copy says of a member on the day the inquiry was received."""

    known: bool  # the copy has any record of this Medicaid ID
    mco: str | None = None  # the MCO covering that day, if any
    risk_flags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TrackChoice:
    """The track, the MCO it was chosen with, and notes to list first among the rules that fired."""

    track: Track
    mco: str | None
    notes: tuple[str, ...] = ()


def choose_track(received: InquiryReceivedV1, enrollment: Enrollment | None, *, stop_waiting: bool
                 ) -> TrackChoice | None:
    """The inquiry's track, or None while a member's enrollment may still arrive."""
    if received.panel_removal is not None:
        return TrackChoice(Track.PCP_PANEL_REMOVAL, received.mco)
    if received.kind in KIND_TRACKS:
        return TrackChoice(KIND_TRACKS[received.kind], received.mco)
    if received.party is Party.PROVIDER:
        return TrackChoice(Track.PROVIDER, received.mco)
    if received.ime_callback_request:
        return TrackChoice(Track.IME_CALLBACK, received.mco)
    known = enrollment is not None and enrollment.known
    can_look_up = received.member is not None and received.member.medicaid_id is not None
    if not known and can_look_up and not stop_waiting:
        return None
    notes = () if known else (ENROLLMENT_UNKNOWN,)
    enrolled_with = enrollment.mco if enrollment is not None else None
    if received.category is Category.CARE_TRANSITION:
        return TrackChoice(Track.CARE_TRANSITION, enrolled_with or received.mco, notes)
    if received.category is Category.PCP_ASSIGNMENT:
        return TrackChoice(Track.PCP_ATTRIBUTION, enrolled_with or received.mco, notes)
    if enrolled_with is not None:
        return TrackChoice(Track.MEMBER_MCO, enrolled_with)
    if known:
        return TrackChoice(Track.MEMBER_NOT_ENROLLED, None)
    # Nothing says whether the member is enrolled: go by what the caller said.
    if received.mco is not None:
        return TrackChoice(Track.MEMBER_MCO, received.mco, notes)
    return TrackChoice(Track.MEMBER_NOT_ENROLLED, None, notes)
