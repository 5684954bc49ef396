"""Da Vinci Unsolicited Notifications (http://hl7.org/fhir/us/davinci-alerts/) read into an `EncounterNotice`.

A notification is a FHIR R4 Bundle of type `message`: its first entry is a MessageHeader whose
eventCoding says admit or discharge, whose focus is the Encounter, whose subject is the Patient, all in
the Bundle. The guide is based on FHIR R4 (4.0.1); fhir.resources 8 ships no R4 package, so the Bundle
is validated with its R4B models, whose Bundle, MessageHeader, Encounter and Patient are R4's (as the
attribution service does for its ATR Groups).

A Bundle we will not take raises `NotificationRejected` with FHIR issues; `operation_outcome` turns them
into the OperationOutcome to return (HTTP 400/422). An accepted notification is answered with
`accepted_outcome()`, an informational OperationOutcome (the body of a 200 or 202). Issues give the
FHIRPath of the problem and a fixed text: never a value from the Bundle (no PHI).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable, Sequence
from typing import Any, Final, Literal, TypeVar

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.messageheader import MessageHeader
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from liaison_care_coordination.rules.encounters import EncounterKind, EncounterNotice, PatientClass

__all__ = [
    "EVENT_SYSTEM", "Issue", "IssueCode", "NotificationRejected", "Severity", "accepted_outcome",
    "operation_outcome", "parse_notification_bundle",
]

Severity = Literal["fatal", "error", "warning", "information"]
IssueCode = Literal["invalid", "structure", "required", "value", "not-supported", "code-invalid", "informational"]
Issue = tuple[Severity, IssueCode, str, str]
"""One problem: (severity, IssueType code, FHIRPath expression, diagnostics). Diagnostics never quote the Bundle."""

EVENT_SYSTEM: Final = "http://hl7.org/fhir/us/davinci-alerts/CodeSystem/notification-event"
# The published guide (STU1 1.0.0 and 1.1.0) codes are notification-admit / notification-discharge;
# notify-* and *-notification are spellings seen from senders built on drafts.
_EVENTS: Final[dict[str, EncounterKind]] = {
    "notification-admit": "admission", "notify-admit": "admission", "admit-notification": "admission",
    "notification-discharge": "discharge", "notify-discharge": "discharge", "discharge-notification": "discharge",
}
_IDENTIFIER_TYPES: Final = "http://terminology.hl7.org/CodeSystem/v2-0203"
_ICD10: Final = frozenset({"http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10"})
# v3 ActEncounterCode, the value set of Encounter.class.
_CLASSES: Final[dict[str, PatientClass]] = {
    "IMP": "inpatient", "ACUTE": "inpatient", "NONAC": "inpatient", "EMER": "emergency", "OBSENC": "observation",
    "AMB": "outpatient", "SS": "outpatient",
}
_MAX_ISSUES = 20
_Found = TypeVar("_Found", bound=Resource)
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


class NotificationRejected(Exception):
    """A notification Bundle we will not take; `issues` say where and why (answer with `operation_outcome`)."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        super().__init__("; ".join(f"{code} at {expression}: {text}" for _, code, expression, text in self.issues))


def _reject(code: IssueCode, expression: str, diagnostics: str) -> NotificationRejected:
    return NotificationRejected([("error", code, expression, diagnostics)])


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    """A FHIR OperationOutcome (JSON) listing `issues`, validated with fhir.resources."""
    entries = [
        {"severity": severity, "code": code, "diagnostics": diagnostics, **({"expression": [path]} if path else {})}
        for severity, code, path, diagnostics in issues
    ]
    outcome = OperationOutcome.model_validate({"resourceType": "OperationOutcome", "issue": entries})
    return outcome.model_dump(mode="json", by_alias=True, exclude_none=True)


def accepted_outcome() -> dict[str, Any]:
    """The informational OperationOutcome for a notification we accepted (body of the 200 or 202 answer)."""
    return operation_outcome([("information", "informational", "", "notification accepted")])


def _path(location: Sequence[int | str], *, keep_last: bool) -> str:
    parts = list(location) if keep_last else list(location)[:-1]
    path = "Bundle"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _NAME.fullmatch(part):  # pydantic adds internal steps such as "function-after[...]"
            path += f".{part}"
    return path


def _validation_issues(error: ValidationError) -> list[Issue]:
    issues: list[Issue] = []
    for detail in error.errors()[:_MAX_ISSUES]:
        kind, location = detail["type"], detail["loc"]
        if kind == "missing":
            issues.append(("error", "required", _path(location, keep_last=True), "required element missing"))
        elif kind == "extra_forbidden":
            # The unknown element's own name comes from the sender: name only its parent.
            issues.append(("error", "structure", _path(location, keep_last=False), "unknown element"))
        elif kind.endswith("_type") or kind == "fhir-validation-wrong-resource-type":
            issues.append(("error", "structure", _path(location, keep_last=True), "element of the wrong type"))
        else:
            issues.append(("error", "value", _path(location, keep_last=True), "invalid value for the FHIR data type"))
    return issues


def _check_shape(body: object) -> None:
    """What fhir.resources cannot report as a validation error: not a Bundle, unknown resource types."""
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        raise _reject("structure", "Bundle", "the body must be a FHIR Bundle resource")
    entries = body.get("entry")
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        resource_type = resource.get("resourceType")
        try:
            known = isinstance(resource_type, str) and bool(get_fhir_model_class(resource_type))
        except (ValueError, AttributeError, KeyError):
            known = False
        if not known:
            raise _reject("structure", f"Bundle.entry[{index}].resource", "unknown or missing FHIR resourceType")


def _empty_path(value: object, path: str = "Bundle") -> str | None:
    """Where the first JSON null or empty string is. FHIR JSON forbids both, but fhir.resources lets them
    through even for required elements; only primitive arrays may hold nulls (aligned with their `_name`)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if item is None or item == "":
                return f"{path}.{key}"
            if isinstance(item, list) and f"_{key}" not in value and any(element is None for element in item):
                return f"{path}.{key}"
            if found := _empty_path(item, f"{path}.{key}"):
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if item == "":
                return f"{path}[{index}]"
            if found := _empty_path(item, f"{path}[{index}]"):
                return found
    return None


class _Entries:
    """The Bundle's resources, found by reference (fullUrl, or ResourceType/id)."""

    def __init__(self, bundle: Bundle) -> None:
        self.resources: list[Resource | None] = [entry.resource for entry in bundle.entry or []]
        self._by_reference: dict[str, int] = {}
        for index, entry in enumerate(bundle.entry or []):
            if entry.resource is None:
                continue
            if entry.fullUrl:
                self._by_reference[entry.fullUrl] = index
            if entry.resource.id:
                self._by_reference.setdefault(f"{entry.resource.get_resource_type()}/{entry.resource.id}", index)

    def find(self, reference: Reference | None, kind: type[_Found]) -> tuple[int, _Found] | None:
        target = reference.reference if reference else None
        if not target:
            return None
        index = self._by_reference.get(target)
        if index is None:  # an absolute URL whose tail is ResourceType/id
            index = next((found for key, found in self._by_reference.items()
                          if "/" in key and not key.startswith("urn:") and target.endswith("/" + key)), None)
        if index is None:
            return None
        resource = self.resources[index]
        return (index, resource) if isinstance(resource, kind) else None


def _event(header: MessageHeader) -> EncounterKind:
    where = "Bundle.entry[0].resource.eventCoding"
    coding = header.eventCoding
    if coding is None:
        raise _reject("not-supported", "Bundle.entry[0].resource", "the event must be an eventCoding")
    if coding.system != EVENT_SYSTEM or coding.code not in _EVENTS:
        raise _reject("not-supported", where, "only Da Vinci admit and discharge notification events are accepted")
    return _EVENTS[coding.code]


def _code(concept: CodeableConcept | None) -> str | None:
    """One code per concept: ICD-10 when the concept carries it, else its first coded value."""
    codings = [coding for coding in (concept.coding or []) if coding.code] if concept else []
    chosen = next((coding for coding in codings if coding.system in _ICD10), codings[0] if codings else None)
    return chosen.code if chosen else None


def _diagnoses(encounter: Encounter, entries: _Entries) -> tuple[str, ...]:
    codes = [_code(concept) for concept in encounter.reasonCode or []]
    for diagnosis in encounter.diagnosis or []:
        found = entries.find(diagnosis.condition, Condition)
        if found is not None:
            codes.append(_code(found[1].code))
    return tuple(dict.fromkeys(code for code in codes if code))


def _medicaid_id(patient: Patient, systems: Collection[str]) -> str | None:
    for identifier in patient.identifier or []:
        typed_ma = any(coding.code == "MA" and coding.system in {None, _IDENTIFIER_TYPES}
                       for coding in (identifier.type.coding or [] if identifier.type else []))
        if identifier.value and (typed_ma or (identifier.system is not None and identifier.system in systems)):
            return identifier.value
    return None


def _facility(encounter: Encounter, entries: _Entries) -> str | None:
    provider = encounter.serviceProvider
    organization = entries.find(provider, Organization)
    candidates = [
        provider.display if provider else None,
        provider.identifier.value if provider and provider.identifier else None,
        organization[1].name if organization else None,
        next((location.location.display for location in encounter.location or [] if location.location.display), None),
    ]
    return next((candidate for candidate in candidates if candidate), None)


def _event_at(kind: EncounterKind, encounter: Encounter, where: str, issues: list[Issue]) -> dt.datetime | None:
    element = "start" if kind == "admission" else "end"
    value = getattr(encounter.period, element) if encounter.period else None
    if value is None:
        issues.append(("error", "required", f"{where}.period.{element}",
                       f"the {kind} time is required"))
        return None
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        issues.append(("error", "value", f"{where}.period.{element}", "a date and time with a time zone is required"))
        return None
    return value.astimezone(dt.UTC)


def parse_notification_bundle(body: object, *, medicaid_systems: Collection[str] = ()) -> EncounterNotice:
    """Read a Da Vinci admit or discharge notification Bundle, or raise `NotificationRejected`.

    The member is the Patient.identifier typed MA (v2-0203 Medicaid number) or whose system is one of
    `medicaid_systems` (the state's Medicaid ID namespace). The event time is Encounter.period.start for
    an admission and Encounter.period.end for a discharge; both must carry a time and a zone.
    """
    _check_shape(body)
    try:
        bundle = Bundle.model_validate(body)
    except ValidationError as error:
        raise NotificationRejected(_validation_issues(error)) from None
    except (TypeError, ValueError, KeyError, AttributeError):
        # fhir.resources lets some malformed primitives (an object where a URL belongs) escape as bare errors.
        raise _reject("structure", "Bundle", "the Bundle does not follow the FHIR R4 structure") from None
    # Checked once the Bundle validated, so every key on the path is a FHIR element name, not sender text.
    if empty_at := _empty_path(body):
        raise _reject("structure", empty_at, "null and empty values are not allowed in FHIR JSON")
    if bundle.type != "message":
        raise _reject("value", "Bundle.type", "the Bundle must be of type message")
    entries = _Entries(bundle)
    header = entries.resources[0] if entries.resources else None
    if not isinstance(header, MessageHeader):
        raise _reject("structure", "Bundle.entry[0].resource", "the first entry must be a MessageHeader")
    kind = _event(header)
    message_id = header.id or (bundle.identifier.value if bundle.identifier else None) or bundle.id
    if not message_id:
        raise _reject("required", "Bundle.entry[0].resource.id", "the MessageHeader id is required")
    found = next((found for focus in header.focus or [] if (found := entries.find(focus, Encounter))), None)
    if found is None:
        raise _reject("required", "Bundle.entry[0].resource.focus", "the focus must be an Encounter in the Bundle")
    index, encounter = found
    where = f"Bundle.entry[{index}].resource"
    subject = entries.find(encounter.subject, Patient)
    if subject is None:
        raise _reject("required", f"{where}.subject", "the Encounter subject must be a Patient in the Bundle")
    issues: list[Issue] = []
    medicaid_id = _medicaid_id(subject[1], medicaid_systems)
    if medicaid_id is None:
        issues.append(("error", "required", f"Bundle.entry[{subject[0]}].resource.identifier",
                       "a Medicaid identifier (type MA) is required"))
    facility = _facility(encounter, entries)
    if facility is None:
        issues.append(("error", "required", f"{where}.serviceProvider", "the facility (serviceProvider) is required"))
    event_at = _event_at(kind, encounter, where, issues)
    if issues or medicaid_id is None or facility is None or event_at is None:
        raise NotificationRejected(issues)
    hospitalization = encounter.hospitalization
    return EncounterNotice(
        kind=kind,
        message_id=message_id,
        medicaid_id=medicaid_id,
        event_at=event_at,
        facility=facility,
        patient_class=_CLASSES.get(encounter.class_fhir.code or "", "other"),
        diagnoses=_diagnoses(encounter, entries),
        discharge_disposition=_code(hospitalization.dischargeDisposition) if hospitalization else None,
        sender=str(header.source.endpoint),
    )
