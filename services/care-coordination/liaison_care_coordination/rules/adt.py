"""HL7 v2 ADT admissions (A01) and discharges (A03) read into an `EncounterNotice`, and their ACKs.

Versions 2.3 to 2.8.2 are accepted; segments may end in CR (the standard), LF or CRLF, as senders do.
Parsing uses python-hl7 (`hl7`); what it does not check (segment ids, the order and count of the
segments we need, data types of the fields we read) is checked here, so a bad message is answered with
an AE or AR acknowledgement naming the segment and field at fault (HL7 table 0357 code in ERR-3).

Nothing from the message itself ever goes into a rejection's reason: reasons name segments and fields
and say what is wrong with them, so they can be logged and returned to the sender (no PHI).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

import hl7

from liaison_care_coordination.rules.encounters import EncounterKind, EncounterNotice, PatientClass, program_zone

__all__ = [
    "ERROR_TEXTS", "AckCode", "AdtRejected", "TimestampError", "ack", "ack_rejection", "hl7_timestamp",
    "parse_adt",
]

AckCode = Literal["AA", "AE", "AR"]

SEGMENT_SEQUENCE_ERROR: Final = "100"
REQUIRED_FIELD_MISSING: Final = "101"
DATA_TYPE_ERROR: Final = "102"
UNSUPPORTED_MESSAGE_TYPE: Final = "200"
UNSUPPORTED_EVENT_CODE: Final = "201"
UNSUPPORTED_VERSION_ID: Final = "203"
APPLICATION_INTERNAL_ERROR: Final = "207"
ERROR_TEXTS: Final[dict[str, str]] = {
    "0": "Message accepted",
    SEGMENT_SEQUENCE_ERROR: "Segment sequence error",
    REQUIRED_FIELD_MISSING: "Required field missing",
    DATA_TYPE_ERROR: "Data type error",
    "103": "Table value not found",
    UNSUPPORTED_MESSAGE_TYPE: "Unsupported message type",
    UNSUPPORTED_EVENT_CODE: "Unsupported event code",
    "202": "Unsupported processing id",
    UNSUPPORTED_VERSION_ID: "Unsupported version id",
    "206": "Application record locked",
    APPLICATION_INTERNAL_ERROR: "Application internal error",
}
"""HL7 table 0357 (message error condition codes) as used in ERR-3; the lead may pass any of these to `ack`."""

_TRIGGERS: Final[dict[str, EncounterKind]] = {"A01": "admission", "A03": "discharge"}
_VERSION = re.compile(r"2\.(?:3|3\.1|4|5|5\.1|6|7|7\.1|8|8\.1|8\.2)")
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{2}")
_PATIENT_CLASS = re.compile(r"[A-Za-z]{1,20}")
# HL7 table 0004 (user-defined, so unknown codes are "other" rather than an error). B is obstetrics: a stay.
_PATIENT_CLASSES: Final[dict[str, PatientClass]] = {"I": "inpatient", "B": "inpatient", "E": "emergency",
                                                    "O": "outpatient"}
# PV1-18 patient type is site-defined; these are the spellings hospitals use for observation status.
_OBSERVATION_TYPES: Final = frozenset({"OBS", "OBV", "OBSERVATION"})
_ACK_APPLICATION = "LIAISON"
_ACK_FACILITY = "CARE-COORDINATION"
_ACK_VERSION = "2.5.1"


class AdtRejected(Exception):
    """An ADT message we will not take: answer with `ack_rejection(text, error)`.

    `code` is the acknowledgement code: AE (understood, but its content is wrong) or AR (not an HL7 ADT
    message we handle). `segment`/`field` locate the problem (segment None when the segment id itself is
    bad); `error_code` is the HL7 table 0357 code for ERR-3. `reason` names fields, never values.
    """

    def __init__(self, code: Literal["AE", "AR"], reason: str, segment: str | None = None, field: int | None = None,
                 *, error_code: str = APPLICATION_INTERNAL_ERROR, sequence: int = 1) -> None:
        super().__init__(reason)
        self.code: Literal["AE", "AR"] = code
        self.reason = reason
        self.segment = segment
        self.field = field
        self.error_code = error_code
        self.sequence = sequence


class TimestampError(ValueError):
    """An HL7 timestamp that cannot be read. The message names the expected format, never the value."""


_HL7_TIMESTAMP = re.compile(
    r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})(?P<hour>\d{2})(?P<minute>\d{2})"
    r"(?:(?P<second>\d{2})(?:\.(?P<fraction>\d{1,4}))?)?"
    r"(?:(?P<sign>[+-])(?P<offset_hours>\d{2})(?P<offset_minutes>\d{2}))?"
)


def hl7_timestamp(value: str, zone: ZoneInfo) -> dt.datetime:
    """Read an HL7 v2 DTM/TS value `YYYYMMDDHHMM[SS[.S[S[S[S]]]]][+/-ZZZZ]` as an aware UTC datetime.

    A value without an offset is wall-clock time in `zone` (hospitals in the program send local time).
    A wall-clock time that happens twice when daylight saving time ends is read as the first of the two
    (PEP 495 `fold=0`, daylight time); one that never happens when it begins is read with the offset in
    force just before the change (02:30 on the spring-forward day is 08:30 UTC). An explicit offset always
    wins. Minutes are required: a time known only to the hour or the day is not a usable event time.
    """
    match = _HL7_TIMESTAMP.fullmatch(value.strip())
    if match is None:
        raise TimestampError("expected YYYYMMDDHHMM[SS[.S+]][+/-ZZZZ]")
    part = match.groupdict()
    fraction = part["fraction"] or ""
    try:
        local = dt.datetime(int(part["year"]), int(part["month"]), int(part["day"]), int(part["hour"]),
                            int(part["minute"]), int(part["second"] or 0), int(fraction.ljust(6, "0") or 0))
    except ValueError:
        raise TimestampError("date or time out of range") from None
    if part["sign"] is None:
        return local.replace(tzinfo=zone).astimezone(dt.UTC)
    hours, minutes = int(part["offset_hours"]), int(part["offset_minutes"])
    if hours > 14 or minutes > 59:
        raise TimestampError("time-zone offset out of range")
    offset = dt.timedelta(hours=hours, minutes=minutes)
    return local.replace(tzinfo=dt.timezone(-offset if part["sign"] == "-" else offset)).astimezone(dt.UTC)


class _Segment:
    """Typed access to one python-hl7 segment: unescaped, stripped strings, "" when absent."""

    def __init__(self, segment: Any) -> None:
        self._segment = segment

    def value(self, field: int, component: int = 1, repetition: int = 1, subcomponent: int = 1) -> str:
        try:
            return str(self._segment.extract_field(1, field, repetition, component, subcomponent)).strip()
        except IndexError:
            return ""

    def raw(self, field: int) -> str:
        return str(self._segment(field)) if field < len(self._segment) else ""

    def repetitions(self, field: int) -> int:
        return len(self._segment(field)) if self.raw(field) else 0


@dataclass(frozen=True)
class _Message:
    lines: tuple[str, ...]
    separators: str  # field, component, repetition, escape, subcomponent (MSH-1 then MSH-2)
    segments: dict[str, list[_Segment]]
    order: tuple[str, ...]

    def one(self, segment_id: str) -> _Segment:
        found = self.segments.get(segment_id, [])
        if not found:
            raise AdtRejected("AE", f"{segment_id} segment missing", segment_id,
                              error_code=SEGMENT_SEQUENCE_ERROR)
        if len(found) > 1:
            raise AdtRejected("AE", f"more than one {segment_id} segment", segment_id, sequence=2,
                              error_code=SEGMENT_SEQUENCE_ERROR)
        return found[0]

    def all(self, segment_id: str) -> list[_Segment]:
        return self.segments.get(segment_id, [])


def _lines(text: str) -> list[str]:
    # MLLP framing characters, if a relay left them, are not part of the message.
    body = text.strip().strip("\x0b\x1c").strip()
    return [line for line in re.split(r"\r\n|\n|\r", body) if line.strip()]


def _separators(header: str) -> str | None:
    if len(header) < 8 or not header.startswith("MSH") or header[3].isalnum():
        return None
    field = header[3]
    encoding = header[4:header.find(field, 4)] if header.find(field, 4) > 0 else ""
    chosen = field + encoding[:4]
    if len(encoding) < 4 or len(set(chosen)) != 5 or any(c.isalnum() or c.isspace() for c in chosen):
        return None
    return chosen


def _read(text: str) -> _Message:
    lines = _lines(text)
    if not lines or lines[0][:3] in {"BHS", "FHS"}:
        reason = "batches and files are not accepted: send one message" if lines else "empty message"
        raise AdtRejected("AR", reason, "MSH", error_code=SEGMENT_SEQUENCE_ERROR)
    separators = _separators(lines[0])
    if separators is None:
        raise AdtRejected("AR", "not an HL7 v2 message: it must start with an MSH segment and its encoding characters",
                          "MSH", error_code=SEGMENT_SEQUENCE_ERROR)
    field_separator = separators[0]
    for position, line in enumerate(lines[1:], start=2):
        if not _SEGMENT_ID.fullmatch(line[:3]) or (len(line) > 3 and line[3] != field_separator):
            raise AdtRejected("AE", f"segment {position} has no valid segment id (three upper-case letters or digits "
                              "followed by the field separator)", error_code=SEGMENT_SEQUENCE_ERROR)
        if line[:3] in {"MSH", "BHS", "FHS", "BTS", "FTS"}:
            raise AdtRejected("AR", "more than one message: send one message per request", line[:3],
                              error_code=SEGMENT_SEQUENCE_ERROR)
    try:
        parsed = hl7.parse("\r".join(lines))
    except (hl7.HL7Exception, ValueError, IndexError, KeyError, AssertionError):
        raise AdtRejected("AR", "the message could not be parsed as HL7 v2", "MSH",
                          error_code=SEGMENT_SEQUENCE_ERROR) from None
    segments: dict[str, list[_Segment]] = {}
    for segment in parsed:
        segments.setdefault(str(segment[0][0]), []).append(_Segment(segment))
    return _Message(tuple(lines), separators, segments, tuple(line[:3] for line in lines))


def _trigger(header: _Segment, message: _Message) -> str:
    message_type = header.value(9, 1)
    if not message_type:
        raise AdtRejected("AR", "MSH-9 message type missing", "MSH", 9, error_code=REQUIRED_FIELD_MISSING)
    if message_type != "ADT":
        raise AdtRejected("AR", "MSH-9 message type not supported: only ADT is accepted", "MSH", 9,
                          error_code=UNSUPPORTED_MESSAGE_TYPE)
    events = message.all("EVN")
    trigger = header.value(9, 2) or (events[0].value(1) if events else "")
    if trigger not in _TRIGGERS:
        raise AdtRejected("AR", "MSH-9 trigger event not supported: only A01 and A03 are accepted", "MSH", 9,
                          error_code=UNSUPPORTED_EVENT_CODE)
    return trigger


def _check_version(header: _Segment) -> None:
    version = header.value(12, 1)
    if not version:
        raise AdtRejected("AR", "MSH-12 version id missing", "MSH", 12, error_code=REQUIRED_FIELD_MISSING)
    if not _VERSION.fullmatch(version):
        raise AdtRejected("AR", "MSH-12 version id not supported: 2.3 to 2.8.2 are accepted", "MSH", 12,
                          error_code=UNSUPPORTED_VERSION_ID)


def _check_order(message: _Message) -> None:
    positions = {segment_id: message.order.index(segment_id) for segment_id in ("EVN", "PID", "PV1")
                 if segment_id in message.order}
    if "EVN" in positions and "PID" in positions and positions["EVN"] > positions["PID"]:
        raise AdtRejected("AE", "EVN segment must come before PID", "EVN", error_code=SEGMENT_SEQUENCE_ERROR)
    if "PID" in positions and "PV1" in positions and positions["PID"] > positions["PV1"]:
        raise AdtRejected("AE", "PID segment must come before PV1", "PID", error_code=SEGMENT_SEQUENCE_ERROR)


def _medicaid_id(patient: _Segment) -> str:
    """PID-3: the identifier whose type (CX-5) is MA, Medicaid, else the first identifier given."""
    identifiers = [(patient.value(3, 1, repetition), patient.value(3, 5, repetition))
                   for repetition in range(1, patient.repetitions(3) + 1)]
    present = [(identifier, kind) for identifier, kind in identifiers if identifier]
    if not present:
        raise AdtRejected("AE", "PID-3 patient identifier list missing", "PID", 3, error_code=REQUIRED_FIELD_MISSING)
    return next((identifier for identifier, kind in present if kind.upper() == "MA"), present[0][0])


def _patient_class(visit: _Segment, separators: str) -> PatientClass:
    raw = visit.raw(2)
    if not raw.strip():
        raise AdtRejected("AE", "PV1-2 patient class missing", "PV1", 2, error_code=REQUIRED_FIELD_MISSING)
    code = visit.value(2)
    if any(separator in raw for separator in separators[1:]) or not _PATIENT_CLASS.fullmatch(code):
        raise AdtRejected("AE", "PV1-2 patient class malformed: expected one code (HL7 table 0004)", "PV1", 2,
                          error_code=DATA_TYPE_ERROR)
    patient_class = _PATIENT_CLASSES.get(code.upper(), "other")
    if patient_class in {"outpatient", "emergency"} and visit.value(18).upper() in _OBSERVATION_TYPES:
        return "observation"
    return patient_class


def _event_at(kind: EncounterKind, message: _Message, visit: _Segment, zone: ZoneInfo) -> dt.datetime:
    """A01: PV1-44 admit time, else EVN-6 event occurred, else EVN-2 recorded. A03: PV1-45 discharge time only."""
    events = message.all("EVN")
    candidates = [("PV1", visit, 44)] if kind == "admission" else [("PV1", visit, 45)]
    if kind == "admission" and events:
        candidates += [("EVN", events[0], 6), ("EVN", events[0], 2)]
    for segment_id, segment, field in candidates:
        value = segment.value(field, 1)
        if value:
            try:
                return hl7_timestamp(value, zone)
            except TimestampError as exc:
                raise AdtRejected("AE", f"{segment_id}-{field} timestamp malformed: {exc}", segment_id, field,
                                  error_code=DATA_TYPE_ERROR) from None
    name = "PV1-44 admit date/time" if kind == "admission" else "PV1-45 discharge date/time"
    raise AdtRejected("AE", f"{name} missing", "PV1", candidates[0][2], error_code=REQUIRED_FIELD_MISSING)


def parse_adt(text: str, *, zone: ZoneInfo | None = None) -> EncounterNotice:
    """Read an ADT^A01 (admission) or ADT^A03 (discharge) message, or raise `AdtRejected` (AE or AR).

    `zone` is where timestamps without an offset were written (default: the program's time zone).
    """
    message = _read(text)
    header = message.one("MSH")
    kind = _TRIGGERS[_trigger(header, message)]
    _check_version(header)
    message_id = header.value(10)
    if not message_id:
        raise AdtRejected("AE", "MSH-10 message control id missing", "MSH", 10, error_code=REQUIRED_FIELD_MISSING)
    _check_order(message)
    patient, visit = message.one("PID"), message.one("PV1")
    medicaid_id = _medicaid_id(patient)
    patient_class = _patient_class(visit, message.separators)
    application, sending_facility = header.value(3, 1), header.value(4, 1)
    facility = visit.value(3, 4) or sending_facility
    if not facility:
        raise AdtRejected("AE", "facility missing: neither PV1-3 assigned location facility nor MSH-4 sending "
                          "facility is given", "MSH", 4, error_code=REQUIRED_FIELD_MISSING)
    sender = "@".join(part for part in (application, sending_facility) if part)
    if not sender:
        raise AdtRejected("AE", "sender missing: neither MSH-3 sending application nor MSH-4 sending facility "
                          "is given", "MSH", 3, error_code=REQUIRED_FIELD_MISSING)
    codes = (diagnosis.value(3, 1) for diagnosis in message.all("DG1"))
    return EncounterNotice(
        kind=kind,
        message_id=message_id,
        medicaid_id=medicaid_id,
        event_at=_event_at(kind, message, visit, zone or program_zone()),
        facility=facility,
        patient_class=patient_class,
        diagnoses=tuple(dict.fromkeys(code for code in codes if code)),
        discharge_disposition=visit.value(36) or None,
        sender=sender,
    )


@dataclass(frozen=True)
class _Original:
    """The MSH of the message being acknowledged, its fields kept raw (in its own encoding characters)."""

    separators: str
    sending_application: str
    sending_facility: str
    receiving_application: str
    receiving_facility: str
    trigger: str
    control_id: str
    processing_id: str
    version: str


_UNREADABLE = _Original("|^~\\&", "", "", "", "", "", "", "P", _ACK_VERSION)


def _original(text: str) -> _Original | None:
    lines = _lines(text)
    separators = _separators(lines[0]) if lines else None
    if separators is None:
        return None
    fields = lines[0].split(separators[0])
    raw = [fields[n] if n < len(fields) else "" for n in range(13)]  # raw[n] is MSH-(n+1): MSH-1 is the separator
    component = separators[1]
    message_type = raw[8].split(separators[2])[0].split(component)
    trigger = message_type[1] if len(message_type) > 1 else ""
    processing = raw[10].split(component)[0]
    version = raw[11].split(component)[0]
    return _Original(
        separators=separators,
        sending_application=raw[2], sending_facility=raw[3],
        receiving_application=raw[4], receiving_facility=raw[5],
        trigger=trigger if _SEGMENT_ID.fullmatch(trigger) else "",
        control_id=raw[9].split(component)[0],
        processing_id=processing if processing in {"P", "T", "D"} else "P",
        version=version if _VERSION.fullmatch(version) else _ACK_VERSION,
    )


def _escape(text: str, separators: str) -> str:
    field, component, repetition, escape, subcomponent = tuple(separators)
    escaped = text.replace(escape, f"{escape}E{escape}")
    for character, name in ((field, "F"), (component, "S"), (repetition, "R"), (subcomponent, "T")):
        escaped = escaped.replace(character, f"{escape}{name}{escape}")
    return " ".join(escaped.split())  # no CR or LF: they would end the segment


def ack(
    original: str,
    code: AckCode,
    reason: str | None = None,
    *,
    segment: str | None = None,
    field: int | None = None,
    sequence: int = 1,
    error_code: str | None = None,
    control_id: str | None = None,
    at: dt.datetime | None = None,
) -> str:
    """The HL7 ACK answering `original` (the message text as received, parseable or not).

    MSH swaps the original's sending and receiving applications and facilities (ours default to
    LIAISON / CARE-COORDINATION when the original names none), gets a fresh control id (`control_id`
    in tests) and MSH-9 `ACK^<trigger>^ACK`; MSA carries `code` and the original MSH-10. For AE and AR
    an ERR segment follows: ERR-2 `segment^sequence^field`, ERR-3 the table 0357 `error_code` (default
    207, application internal error), ERR-4 severity E, ERR-8 `reason`. An AA with a `reason` gets an
    informational ERR (code 0, severity I). For originals of v2.3 and 2.4, which predate ERR-2..8, ERR-1
    and MSA-3 carry the same. `reason` must not contain PHI: it is sent back to the hospital.
    """
    header = _original(original) or _UNREADABLE
    separators = header.separators
    bar, hat = separators[0], separators[1]
    stamp = (at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%d%H%M%S+0000")
    msh = [
        "MSH", separators[1:], header.receiving_application or _ACK_APPLICATION,
        header.receiving_facility or _ACK_FACILITY, header.sending_application, header.sending_facility, stamp, "",
        hat.join(["ACK", header.trigger, "ACK"]) if header.trigger else "ACK",
        control_id or secrets.token_hex(10).upper(), header.processing_id, header.version,
    ]
    legacy = header.version.startswith(("2.3", "2.4"))
    text = _escape(reason, separators) if reason else ""
    msa = ["MSA", code, header.control_id] + ([text] if legacy and text else [])
    segments = [bar.join(msh), bar.join(msa)]
    if code != "AA" or reason:
        condition = error_code or ("0" if code == "AA" else APPLICATION_INTERNAL_ERROR)
        segments.append(_err(separators, condition, "I" if code == "AA" else "E", text, segment, sequence, field,
                             legacy=legacy))
    return "\r".join(segments) + "\r"


def _err(separators: str, condition: str, severity: str, text: str, segment: str | None, sequence: int,
         field: int | None, *, legacy: bool) -> str:
    """ERR (v2.5 layout); for v2.3/2.4 receivers ERR-1 also carries location and code in the old ELD layout."""
    bar, hat, amp = separators[0], separators[1], separators[4]
    location = [segment, str(sequence), *([str(field)] if field is not None else [])] if segment else []
    condition_parts = [condition, ERROR_TEXTS.get(condition, ""), "HL70357"]
    old_location = [*location, "", "", ""][:3]
    err1 = hat.join([*old_location, amp.join(condition_parts)]) if legacy else ""
    return bar.join(["ERR", err1, hat.join(location), hat.join(condition_parts), severity, "", "", "", text])


def ack_rejection(original: str, rejected: AdtRejected, *, control_id: str | None = None,
                  at: dt.datetime | None = None) -> str:
    """The AE or AR acknowledgement for a message that `parse_adt` rejected."""
    return ack(original, rejected.code, rejected.reason, segment=rejected.segment, field=rejected.field,
               sequence=rejected.sequence, error_code=rejected.error_code, control_id=control_id, at=at)
