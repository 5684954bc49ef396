"""Da Vinci Unsolicited Notification Bundles read into notices, and OperationOutcomes for the ones refused."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison_care_coordination.rules.da_vinci import (
    EVENT_SYSTEM,
    NotificationRejected,
    accepted_outcome,
    operation_outcome,
    parse_notification_bundle,
)
from liaison_care_coordination.rules.encounters import EncounterNotice

MESSAGES = Path(__file__).with_name("messages")
ADMIT: dict[str, Any] = json.loads((MESSAGES / "davinci_admit_bundle.json").read_text())
DISCHARGE: dict[str, Any] = json.loads((MESSAGES / "davinci_discharge_bundle.json").read_text())
HEADER, ENCOUNTER, PATIENT, CONDITION, ORGANIZATION = 0, 1, 2, 3, 4  # entry positions in both samples
ENCOUNTER_ID, PATIENT_ID, CONDITION_ID, ORGANIZATION_ID = (
    DISCHARGE["entry"][position]["resource"]["id"] for position in (ENCOUNTER, PATIENT, CONDITION, ORGANIZATION))
PHI = ("Okafor", "Adaeze", "Nkechi", "A7731942", "E4418273", "1987-03-22", "1420 Grand", "J44.1", "J96.01",
       "195951007", "respiratory")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
        microsecond: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, microsecond, tzinfo=dt.UTC)


def changed(bundle: dict[str, Any], position: int | None = None, /, **fields: Any) -> dict[str, Any]:
    """A deep copy of `bundle` with `fields` set on the resource of entry `position`, else on the Bundle
    (a None value removes the field, "__null__" sets a JSON null)."""
    copied = copy.deepcopy(bundle)
    target = copied if position is None else copied["entry"][position]["resource"]
    for name, value in fields.items():
        if value is None:
            target.pop(name, None)
        else:
            target[name] = None if value == "__null__" else value
    return copied


def rejected(body: object, **options: Any) -> list[tuple[str, str, str, str]]:
    with pytest.raises(NotificationRejected) as caught:
        parse_notification_bundle(body, **options)
    issues = list(caught.value.issues)
    text = str(caught.value) + json.dumps(operation_outcome(issues))
    assert not [word for word in PHI if word.lower() in text.lower()], "an issue quotes the Bundle"
    return issues


def codes_and_paths(issues: list[tuple[str, str, str, str]]) -> list[tuple[str, str]]:
    return [(code, expression) for _, code, expression, _ in issues]


# --- accepted notifications --------------------------------------------------------------------------


def test_discharge_notification_friday_night_local_is_saturday_utc() -> None:
    notice = parse_notification_bundle(DISCHARGE)

    assert notice == EncounterNotice(
        kind="discharge", message_id="b7c4e2f0-5d1a-4f3e-9a41-2f7c9d0e8a13", medicaid_id="A7731942",
        event_at=utc(2026, 12, 5, 5, 10), facility="MercyOne Des Moines Medical Center", patient_class="inpatient",
        diagnoses=("J44.1", "J96.01"), discharge_disposition="01",
        sender="https://fhir.mercyone.example.org/notifications",
    )


def test_admit_notification_uses_period_start_with_its_daylight_time_offset() -> None:
    notice = parse_notification_bundle(ADMIT)

    assert (notice.kind, notice.event_at, notice.patient_class) == ("admission", utc(2026, 3, 8, 8, 30), "emergency")
    assert notice.discharge_disposition is None
    assert notice.diagnoses == ("J44.1", "J96.01")  # ICD-10 chosen over SNOMED; the Condition's code too


@pytest.mark.parametrize(("code", "kind"), [
    ("notification-admit", "admission"), ("notify-admit", "admission"), ("admit-notification", "admission"),
    ("notification-discharge", "discharge"), ("notify-discharge", "discharge"),
    ("discharge-notification", "discharge"),
])
def test_event_codes_of_the_guide_and_its_drafts_are_accepted(code: str, kind: str) -> None:
    bundle = changed(DISCHARGE, HEADER, eventCoding={"system": EVENT_SYSTEM, "code": code})

    assert parse_notification_bundle(bundle).kind == kind


@pytest.mark.parametrize(("code", "expected"), [
    ("IMP", "inpatient"), ("ACUTE", "inpatient"), ("EMER", "emergency"), ("OBSENC", "observation"),
    ("AMB", "outpatient"), ("HH", "other"), ("VR", "other"),
])
def test_encounter_class_is_normalised(code: str, expected: str) -> None:
    bundle = changed(DISCHARGE, ENCOUNTER, **{"class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                                                        "code": code}})

    assert parse_notification_bundle(bundle).patient_class == expected


def test_medicaid_id_may_come_from_a_configured_identifier_system() -> None:
    identifiers = [{"system": "urn:oid:2.16.840.1.113883.4.3.19", "value": "A7731942"}]
    bundle = changed(DISCHARGE, PATIENT, identifier=identifiers)

    assert parse_notification_bundle(bundle, medicaid_systems={"urn:oid:2.16.840.1.113883.4.3.19"}).medicaid_id == (
        "A7731942")
    assert codes_and_paths(rejected(bundle)) == [("required", "Bundle.entry[2].resource.identifier")]


def test_resources_may_be_referenced_by_type_and_id_under_absolute_full_urls() -> None:
    bundle = copy.deepcopy(DISCHARGE)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        entry["fullUrl"] = f"https://fhir.mercyone.example.org/{resource['resourceType']}/{resource['id']}"
    bundle["entry"][HEADER]["resource"]["focus"] = [{"reference": f"Encounter/{ENCOUNTER_ID}"}]
    bundle["entry"][ENCOUNTER]["resource"]["subject"] = {"reference": f"Patient/{PATIENT_ID}"}
    bundle["entry"][ENCOUNTER]["resource"]["diagnosis"] = [{"condition": {"reference": f"Condition/{CONDITION_ID}"}}]

    assert parse_notification_bundle(bundle) == parse_notification_bundle(DISCHARGE)


def test_facility_falls_back_to_the_service_provider_organization_then_the_location() -> None:
    by_organization = changed(DISCHARGE, ENCOUNTER, serviceProvider={"reference": "urn:uuid:" + ORGANIZATION_ID})
    assert parse_notification_bundle(by_organization).facility == "MercyOne Des Moines Medical Center"

    by_location = changed(DISCHARGE, ENCOUNTER, serviceProvider=None)
    assert parse_notification_bundle(by_location).facility == "4 West, room 412"


# --- refused notifications ---------------------------------------------------------------------------


@pytest.mark.parametrize("event", [
    {"system": EVENT_SYSTEM, "code": "notification-transfer"},
    {"system": "http://example.org/events", "code": "notification-discharge"},
    {"code": "notification-discharge"},
])
def test_other_events_are_not_supported(event: dict[str, str]) -> None:
    issues = rejected(changed(DISCHARGE, HEADER, eventCoding=event))

    assert codes_and_paths(issues) == [("not-supported", "Bundle.entry[0].resource.eventCoding")]


def test_an_event_uri_is_not_supported() -> None:
    issues = rejected(changed(DISCHARGE, HEADER, eventCoding=None, eventUri="http://example.org/discharge"))

    assert codes_and_paths(issues) == [("not-supported", "Bundle.entry[0].resource")]


def test_a_bundle_without_the_encounter_is_missing_a_required_resource() -> None:
    bundle = copy.deepcopy(DISCHARGE)
    del bundle["entry"][ENCOUNTER]

    assert codes_and_paths(rejected(bundle)) == [("required", "Bundle.entry[0].resource.focus")]
    assert codes_and_paths(rejected(changed(DISCHARGE, HEADER, focus=None))) == [
        ("required", "Bundle.entry[0].resource.focus")]


def test_an_encounter_whose_patient_is_not_in_the_bundle_is_refused() -> None:
    bundle = copy.deepcopy(DISCHARGE)
    del bundle["entry"][PATIENT]

    assert codes_and_paths(rejected(bundle)) == [("required", "Bundle.entry[1].resource.subject")]


def test_a_discharge_without_its_end_time_and_patient_id_reports_both() -> None:
    bundle = changed(changed(DISCHARGE, ENCOUNTER, period={"start": "2026-12-01T08:45:00-06:00"}), PATIENT,
                     identifier=[{"system": "urn:oid:1.2.3", "value": "E4418273"}])

    assert codes_and_paths(rejected(bundle)) == [
        ("required", "Bundle.entry[2].resource.identifier"), ("required", "Bundle.entry[1].resource.period.end"),
    ]


def test_an_admission_known_only_to_the_day_is_refused() -> None:
    issues = rejected(changed(ADMIT, ENCOUNTER, period={"start": "2026-03-08"}))

    assert codes_and_paths(issues) == [("value", "Bundle.entry[1].resource.period.start")]


def test_no_facility_at_all_is_refused() -> None:
    issues = rejected(changed(DISCHARGE, ENCOUNTER, serviceProvider=None, location=None))

    assert codes_and_paths(issues) == [("required", "Bundle.entry[1].resource.serviceProvider")]


STRUCTURE_PROBLEMS = {
    "not a bundle": ({"resourceType": "Patient", "name": [{"family": "Okafor"}]}, [("structure", "Bundle")]),
    "not an object": ([DISCHARGE], [("structure", "Bundle")]),
    "entries not a list": (changed(DISCHARGE, entry="Okafor"), [("structure", "Bundle.entry")]),
    "unknown resource type": (
        changed(DISCHARGE, entry=[*DISCHARGE["entry"], {"resource": {"resourceType": "Okafor"}}]),
        [("structure", "Bundle.entry[6].resource")]),
    "unknown element": (changed(DISCHARGE, PATIENT, Okafor_Adaeze="A7731942"),
                        [("structure", "Bundle.entry[2].resource")]),
    "wrong type": (changed(DISCHARGE, ENCOUNTER, **{"class": {"code": 5}}),
                   [("structure", "Bundle.entry[1].resource.class.code")]),
    "impossible date": (changed(DISCHARGE, PATIENT, birthDate="1987-02-30"),
                        [("value", "Bundle.entry[2].resource.birthDate")]),
    "date-time without zone": (changed(DISCHARGE, ENCOUNTER, period={"end": "2026-12-04T23:10:00"}),
                               [("value", "Bundle.entry[1].resource.period.end")]),
    "encounter class missing": (changed(DISCHARGE, ENCOUNTER, **{"class": None}),
                                [("required", "Bundle.entry[1].resource.class")]),
    "message header source missing": (changed(DISCHARGE, HEADER, source=None),
                                      [("required", "Bundle.entry[0].resource.source")]),
    "required element null": (changed(DISCHARGE, ENCOUNTER, **{"class": "__null__"}),
                              [("structure", "Bundle.entry[1].resource.class")]),
    "empty endpoint": (changed(DISCHARGE, HEADER, source={"endpoint": ""}),
                       [("structure", "Bundle.entry[0].resource.source.endpoint")]),
    "object where a url belongs": (changed(DISCHARGE, HEADER, source={"endpoint": {"Okafor": 1}}),
                                   [("structure", "Bundle")]),
    "not a message bundle": (changed(DISCHARGE, type="collection"), [("value", "Bundle.type")]),
    "first entry not a message header": (
        changed(DISCHARGE, entry=list(reversed(DISCHARGE["entry"]))), [("structure", "Bundle.entry[0].resource")]),
    "no entries": (changed(DISCHARGE, entry=None), [("structure", "Bundle.entry[0].resource")]),
}


@pytest.mark.parametrize("case", STRUCTURE_PROBLEMS.values(), ids=STRUCTURE_PROBLEMS.keys())
def test_invalid_fhir_is_refused_with_its_location(case: tuple[object, list[tuple[str, str]]]) -> None:
    body, expected = case

    assert codes_and_paths(rejected(body)) == expected


# --- OperationOutcomes -------------------------------------------------------------------------------


def test_operation_outcome_is_valid_fhir_and_names_the_problem() -> None:
    issues = rejected(changed(DISCHARGE, HEADER, eventCoding={"system": EVENT_SYSTEM, "code": "notification-lab"}))

    outcome = operation_outcome(issues)

    assert OperationOutcome.model_validate(outcome).issue[0].code == "not-supported"
    assert outcome == {"resourceType": "OperationOutcome", "issue": [{
        "severity": "error", "code": "not-supported", "expression": ["Bundle.entry[0].resource.eventCoding"],
        "diagnostics": "only Da Vinci admit and discharge notification events are accepted",
    }]}


def test_accepted_outcome_is_an_informational_operation_outcome() -> None:
    outcome = accepted_outcome()

    assert OperationOutcome.model_validate(outcome).issue[0].severity == "information"
    assert outcome["issue"][0]["code"] == "informational"


def test_many_validation_errors_are_capped() -> None:
    bundle = changed(DISCHARGE, entry=[{"resource": {"resourceType": "Patient", "birthDate": "x"}}] * 50)

    issues = rejected(bundle)

    assert 1 <= len(issues) <= 20
    assert OperationOutcome.model_validate(operation_outcome(issues))


def _mutations() -> st.SearchStrategy[dict[str, Any]]:
    """The discharge sample with one element replaced by something odd or removed."""
    def paths(value: object, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
        found = [path] if path else []
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
        for key, item in items:
            found += paths(item, (*path, key))
        return found

    odd = st.sampled_from([None, "", 0, -1, 2.5, True, [], {}, "x", [1], {"a": 1}, "2026-12-04", "Patient/1"])

    def mutate(path: tuple[str | int, ...], replacement: object, remove: bool) -> dict[str, Any]:
        bundle = copy.deepcopy(DISCHARGE)
        parent: Any = bundle
        for key in path[:-1]:
            parent = parent[key]
        if remove:
            del parent[path[-1]]
        else:
            parent[path[-1]] = replacement
        return bundle

    return st.builds(mutate, st.sampled_from(paths(DISCHARGE)), odd, st.booleans())


@settings(max_examples=300)
@given(_mutations())
def test_any_altered_bundle_is_either_a_complete_notice_or_a_valid_outcome(bundle: dict[str, Any]) -> None:
    try:
        notice = parse_notification_bundle(bundle)
    except NotificationRejected as refusal:
        assert refusal.issues
        OperationOutcome.model_validate(operation_outcome(refusal.issues))
    else:
        assert all([notice.message_id, notice.medicaid_id, notice.facility, notice.sender])
