"""An inquiry's track from what it says and what triage's enrollment copy knows: waiting for an
unknown member's enrollment, and going by the caller's MCO once triage stops waiting."""

from __future__ import annotations

import uuid

import pytest

from liaison_shared.payloads import MemberIdentity, PanelRemovalCase, ProviderIdentity
from liaison_shared.vocabulary import Track
from liaison_triage.rules.tracks import ENROLLMENT_UNKNOWN, Enrollment, TrackChoice, choose_track

from .conftest import received

LOOKED_UP = {"member": MemberIdentity(name="Jane Testmember", medicaid_id="7654321B")}
ANONYMOUS = {"member": MemberIdentity(name="Al Testanon")}
ENROLLED = Enrollment(known=True, mco="IA-TC")
FORMER = Enrollment(known=True)  # known to the copy, not covered that day
UNKNOWN = Enrollment(known=False)
REMOVAL = PanelRemovalCase(removal_id=uuid.uuid4(), member_id=uuid.uuid4(), pcp_npi="1245319599",
                           reason="disruptive_behavior", high_risk=False, held_for_compliance_review=False)
PROVIDER = {"party": "provider", "member": None, "provider": ProviderIdentity(npi="1245319599", contact_name="Pat")}


@pytest.mark.parametrize(
    ("fields", "enrollment", "expected"),
    [
        ({**LOOKED_UP, "panel_removal": REMOVAL, "mco": "IA-WM"}, None, TrackChoice(Track.PCP_PANEL_REMOVAL, "IA-WM")),
        ({**PROVIDER, "mco": "IA-MH"}, None, TrackChoice(Track.PROVIDER, "IA-MH")),
        ({**LOOKED_UP, "ime_callback_request": True}, None, TrackChoice(Track.IME_CALLBACK, None)),
        ({**LOOKED_UP, "category": "care_transition", "mco": "IA-WM"}, ENROLLED,
         TrackChoice(Track.CARE_TRANSITION, "IA-TC")),
        ({**LOOKED_UP, "category": "pcp_assignment"}, ENROLLED, TrackChoice(Track.PCP_ATTRIBUTION, "IA-TC")),
        ({**LOOKED_UP, "mco": "IA-WM"}, ENROLLED, TrackChoice(Track.MEMBER_MCO, "IA-TC")),
        ({**LOOKED_UP, "mco": "IA-WM"}, FORMER, TrackChoice(Track.MEMBER_NOT_ENROLLED, None)),
        ({**LOOKED_UP, "category": "care_transition", "mco": "IA-WM"}, FORMER,
         TrackChoice(Track.CARE_TRANSITION, "IA-WM")),
    ],
)
def test_the_track_comes_from_the_inquiry_then_the_enrollment(
    fields: dict[str, object], enrollment: Enrollment | None, expected: TrackChoice
) -> None:
    assert choose_track(received(**fields), enrollment, stop_waiting=False) == expected


@pytest.mark.parametrize("enrollment", [None, UNKNOWN])
def test_a_member_the_copy_does_not_know_waits_for_the_enrollment(enrollment: Enrollment | None) -> None:
    assert choose_track(received(**LOOKED_UP, mco="IA-WM"), enrollment, stop_waiting=False) is None


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({**LOOKED_UP, "mco": "IA-WM"}, TrackChoice(Track.MEMBER_MCO, "IA-WM", (ENROLLMENT_UNKNOWN,))),
        (LOOKED_UP, TrackChoice(Track.MEMBER_NOT_ENROLLED, None, (ENROLLMENT_UNKNOWN,))),
        ({**LOOKED_UP, "category": "pcp_assignment", "mco": "IA-WM"},
         TrackChoice(Track.PCP_ATTRIBUTION, "IA-WM", (ENROLLMENT_UNKNOWN,))),
    ],
)
def test_once_triage_stops_waiting_the_callers_mco_decides_with_enrollment_unknown(
    fields: dict[str, object], expected: TrackChoice
) -> None:
    assert choose_track(received(**fields), UNKNOWN, stop_waiting=True) == expected


def test_a_member_without_a_medicaid_id_never_waits() -> None:
    assert choose_track(received(**ANONYMOUS, mco="IA-MH"), None, stop_waiting=False) == TrackChoice(
        Track.MEMBER_MCO, "IA-MH", (ENROLLMENT_UNKNOWN,))
    assert choose_track(received(**ANONYMOUS), None, stop_waiting=False) == TrackChoice(
        Track.MEMBER_NOT_ENROLLED, None, (ENROLLMENT_UNKNOWN,))
