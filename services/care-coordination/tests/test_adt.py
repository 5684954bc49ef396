"""HL7 v2 ADT A01/A03 parsing and acknowledgements: pure, on sample hospital messages in tests/messages/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import hl7
import pytest
from hypothesis import given
from hypothesis import strategies as st

from liaison_care_coordination.rules.adt import (
    AdtRejected,
    TimestampError,
    ack,
    ack_rejection,
    hl7_timestamp,
    parse_adt,
)
from liaison_care_coordination.rules.encounters import EncounterNotice

CHICAGO = ZoneInfo("America/Chicago")
MESSAGES = Path(__file__).with_name("messages")
# Everything in the samples that identifies the patient or their health: never in an error text or an ACK.
PHI = ("OKAFOR", "ADAEZE", "A7731942", "E4418273", "19870322", "1420 Grand", "5550142", "J44.1", "J96.01",
       "NGUYEN", "THANH", "B2209318", "7719025", "19640910", "R07.9", "Chest pain", "respiratory")


def sample(name: str) -> str:
    return (MESSAGES / name).read_bytes().decode()  # bytes: keep the sender's CR or LF as they are


A03 = sample("a03_discharge_friday_night.hl7")
A01 = sample("a01_emergency_lf.hl7")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
        microsecond: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, microsecond, tzinfo=dt.UTC)


def segments(text: str) -> list[str]:
    return [line for line in text.replace("\r\n", "\r").replace("\n", "\r").split("\r") if line]


def with_field(text: str, segment_id: str, field: int, value: str) -> str:
    """`text` with field `field` of its first `segment_id` segment set to `value` (segments joined by CR)."""
    lines = segments(text)
    for index, line in enumerate(lines):
        if line.startswith(segment_id):
            parts = line.split("|")
            position = field - 1 if segment_id == "MSH" else field  # MSH-1 is the separator itself
            parts += [""] * (position + 1 - len(parts))
            parts[position] = value
            lines[index] = "|".join(parts)
            break
    return "\r".join(lines) + "\r"


def without(text: str, segment_id: str) -> str:
    return "\r".join(line for line in segments(text) if not line.startswith(segment_id)) + "\r"


def get(message: hl7.Message, segment: str, field: int, component: int = 1, subcomponent: int = 1) -> str:
    """One unescaped value of an ACK, as a receiver's python-hl7 would read it."""
    return str(message.extract_field(segment, 1, field, 1, component, subcomponent))


def raw(message: hl7.Message, segment: str, field: int) -> str:
    found = message.segment(segment)
    return str(found(field)) if field < len(found) else ""


def parsed_ack(text: str) -> hl7.Message:
    message = hl7.parse(text)
    assert str(message.segment("MSH")[0][0]) == "MSH"
    return message


# --- reading admissions and discharges ---------------------------------------------------------------


def test_discharge_late_friday_local_time_is_early_saturday_utc() -> None:
    notice = parse_adt(A03, zone=CHICAGO)

    assert notice == EncounterNotice(
        kind="discharge", message_id="MDSM20261204231502-0417", medicaid_id="A7731942",
        event_at=utc(2026, 12, 5, 5, 10), facility="MERCYDSM", patient_class="inpatient",
        diagnoses=("J44.1", "J96.01"), discharge_disposition="01", sender="EPICADT@MERCYDSM",
    )


def test_discharge_time_is_pv1_45_not_the_time_the_message_was_sent_or_recorded() -> None:
    later_message = with_field(with_field(A03, "MSH", 7, "20261207080000"), "EVN", 2, "20261207080000")

    assert parse_adt(later_message, zone=CHICAGO).event_at == utc(2026, 12, 5, 5, 10)


def test_discharge_time_with_an_offset_uses_the_offset() -> None:
    east_coast = with_field(A03, "PV1", 45, "20261205001000-0500")

    assert parse_adt(east_coast, zone=CHICAGO).event_at == utc(2026, 12, 5, 5, 10)


def test_admission_in_v2_3_with_lf_separators_the_evening_before_spring_forward() -> None:
    notice = parse_adt(A01, zone=CHICAGO)

    assert notice.kind == "admission"
    assert notice.event_at == utc(2026, 3, 8, 5, 0)  # 23:00 CST, before clocks went forward at 02:00
    assert (notice.medicaid_id, notice.facility, notice.patient_class) == ("B2209318", "UIHC", "emergency")
    assert (notice.diagnoses, notice.discharge_disposition, notice.sender) == (("R07.9",), None, "CERNER@UIHC")


def test_admission_without_pv1_44_falls_back_to_the_event_time() -> None:
    no_admit_time = with_field(A01, "PV1", 44, "")
    assert parse_adt(no_admit_time, zone=CHICAGO).event_at == utc(2026, 3, 8, 5, 14)  # EVN-2

    occurred = with_field(no_admit_time, "EVN", 6, "202603072305")
    assert parse_adt(occurred, zone=CHICAGO).event_at == utc(2026, 3, 8, 5, 5)  # EVN-6 wins over EVN-2


@pytest.mark.parametrize("separator", ["\r", "\n", "\r\n"])
def test_segments_may_end_in_cr_lf_or_crlf(separator: str) -> None:
    text = separator.join(segments(A03)) + separator

    assert parse_adt(text, zone=CHICAGO) == parse_adt(A03, zone=CHICAGO)


def test_mllp_framing_and_blank_lines_are_ignored() -> None:
    framed = "\x0b" + "\r\r".join(segments(A03)) + "\r\x1c\r"

    assert parse_adt(framed, zone=CHICAGO) == parse_adt(A03, zone=CHICAGO)


def test_without_a_medicaid_typed_identifier_the_first_identifier_is_the_patient() -> None:
    only_mrn = with_field(A03, "PID", 3, "E4418273^^^MERCYMRN^MR^MERCYDSM~X1^^^OTHER^PI")

    assert parse_adt(only_mrn, zone=CHICAGO).medicaid_id == "E4418273"


def test_facility_falls_back_to_the_sending_facility() -> None:
    no_location = with_field(A03, "PV1", 3, "4WEST^412^B")

    assert parse_adt(no_location, zone=CHICAGO).facility == "MERCYDSM"


@pytest.mark.parametrize(("pv1_2", "pv1_18", "expected"), [
    ("I", "IP", "inpatient"), ("B", "", "inpatient"), ("E", "ER", "emergency"), ("O", "", "outpatient"),
    ("O", "OBS", "observation"), ("E", "OBS", "observation"), ("I", "OBS", "inpatient"), ("P", "", "other"),
    ("R", "", "other"), ("U", "", "other"), ("i", "", "inpatient"),
])
def test_patient_class_is_normalised(pv1_2: str, pv1_18: str, expected: str) -> None:
    text = with_field(with_field(A03, "PV1", 2, pv1_2), "PV1", 18, pv1_18)

    assert parse_adt(text, zone=CHICAGO).patient_class == expected


def test_version_2_8_and_a_message_without_evn_are_accepted() -> None:
    text = without(with_field(A03, "MSH", 12, "2.8"), "EVN")

    assert parse_adt(text, zone=CHICAGO).event_at == utc(2026, 12, 5, 5, 10)


def test_the_program_zone_is_the_default() -> None:
    assert parse_adt(A03).event_at == utc(2026, 12, 5, 5, 10)


def test_notice_requires_utc_event_time() -> None:
    with pytest.raises(ValueError, match="UTC"):
        EncounterNotice(kind="admission", message_id="1", medicaid_id="A1", event_at=dt.datetime(2026, 1, 1),
                        facility="F", patient_class="inpatient", diagnoses=(), discharge_disposition=None, sender="S")


# --- timestamps --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("202612042310", utc(2026, 12, 5, 5, 10)),
    ("20261204231000", utc(2026, 12, 5, 5, 10)),
    ("20261204231000-0600", utc(2026, 12, 5, 5, 10)),
    ("20261204231000.25-0600", utc(2026, 12, 5, 5, 10, 0, 250000)),
    ("20261204231000+0530", utc(2026, 12, 4, 17, 40)),
    ("202601151200", utc(2026, 1, 15, 18, 0)),  # CST, UTC-6
    ("202607151200", utc(2026, 7, 15, 17, 0)),  # CDT, UTC-5
    ("202603080159", utc(2026, 3, 8, 7, 59)),  # last minute of CST
    ("202603080300", utc(2026, 3, 8, 8, 0)),  # first minute of CDT
    ("202603080230", utc(2026, 3, 8, 8, 30)),  # never happened: read with the offset before the change
    ("202611010130", utc(2026, 11, 1, 6, 30)),  # happened twice: the first (CDT)
    ("202611010130-0600", utc(2026, 11, 1, 7, 30)),  # the second, as the offset says
    ("202611010200", utc(2026, 11, 1, 8, 0)),  # CST again
])
def test_hl7_timestamps_convert_to_utc_across_daylight_saving_time(value: str, expected: dt.datetime) -> None:
    assert hl7_timestamp(value, CHICAGO) == expected


@pytest.mark.parametrize("value", [
    "20261204", "2026120423", "2026-12-04T23:10", "20261304231000", "20261204251000", "20261204231000-2500",
    "20261204231000-06", "202612042310 00", "20261204231000.1234567", "",
])
def test_unreadable_hl7_timestamps_are_refused_without_echoing_them(value: str) -> None:
    with pytest.raises(TimestampError) as caught:
        hl7_timestamp(value, CHICAGO)
    assert value not in str(caught.value) or not value


@given(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31),
                    timezones=st.just(dt.UTC)))
def test_an_instant_written_as_chicago_local_time_reads_back_unless_the_hour_repeats(instant: dt.datetime) -> None:
    local = instant.astimezone(CHICAGO).replace(microsecond=0)
    text = local.strftime("%Y%m%d%H%M%S")

    read = hl7_timestamp(text, CHICAGO)

    if local.fold == 0:
        assert read == local.astimezone(dt.UTC)
    else:  # the second 01:xx of the fall-back night is written the same as the first: an hour earlier
        assert read == local.astimezone(dt.UTC) - dt.timedelta(hours=1)
    assert hl7_timestamp(local.strftime("%Y%m%d%H%M%S%z"), CHICAGO) == local.astimezone(dt.UTC)


# --- rejections --------------------------------------------------------------------------------------

REJECTIONS = {
    "not hl7 at all": ("Dear hospital, the patient was discharged.", "AR", "100", "MSH", None),
    "empty": ("", "AR", "100", "MSH", None),
    "json": ('{"resourceType": "Bundle"}', "AR", "100", "MSH", None),
    "no msh first": ("\r".join(segments(A03)[1:]), "AR", "100", "MSH", None),
    "msh without encoding characters": ("MSH|\r" + "\r".join(segments(A03)[1:]), "AR", "100", "MSH", None),
    "batch of two": (A03 + A03, "AR", "100", "MSH", None),
    "update a08": (with_field(A03, "MSH", 9, "ADT^A08^ADT_A01"), "AR", "201", "MSH", 9),
    "lab result oru": (with_field(A03, "MSH", 9, "ORU^R01^ORU_R01"), "AR", "200", "MSH", 9),
    "no message type": (with_field(A03, "MSH", 9, ""), "AR", "101", "MSH", 9),
    "version 2.2": (with_field(A03, "MSH", 12, "2.2"), "AR", "203", "MSH", 12),
    "version 3": (with_field(A03, "MSH", 12, "3.0"), "AR", "203", "MSH", 12),
    "no version": (with_field(A03, "MSH", 12, ""), "AR", "101", "MSH", 12),
    "no control id": (with_field(A03, "MSH", 10, ""), "AE", "101", "MSH", 10),
    "no pid": (without(A03, "PID"), "AE", "100", "PID", None),
    "no pv1": (without(A03, "PV1"), "AE", "100", "PV1", None),
    "two pv1": (A03 + next(line for line in segments(A03) if line.startswith("PV1")) + "\r",
                "AE", "100", "PV1", None),
    "pv1 before pid": ("\r".join([segments(A03)[0], segments(A03)[1], segments(A03)[3], segments(A03)[2]]),
                       "AE", "100", "PID", None),
    "no pid-3": (with_field(A03, "PID", 3, ""), "AE", "101", "PID", 3),
    "pid-3 without ids": (with_field(A03, "PID", 3, "^^^MERCYMRN^MR~^^^IAMEDICAID^MA"), "AE", "101", "PID", 3),
    "a03 without discharge time": (with_field(A03, "PV1", 45, ""), "AE", "101", "PV1", 45),
    "a03 discharge date only": (with_field(A03, "PV1", 45, "20261204"), "AE", "102", "PV1", 45),
    "a03 discharge iso text": (with_field(A03, "PV1", 45, "2026-12-04 23:10"), "AE", "102", "PV1", 45),
    "a03 discharge impossible": (with_field(A03, "PV1", 45, "20261232231000"), "AE", "102", "PV1", 45),
    "a01 admit time malformed": (with_field(A01, "PV1", 44, "yesterday"), "AE", "102", "PV1", 44),
    "a01 without any time": (with_field(with_field(A01, "PV1", 44, ""), "EVN", 2, ""), "AE", "101", "PV1", 44),
    "bad segment id": (A03.replace("\rPV1|", "\rPV!|"), "AE", "100", None, None),
    "lower-case segment id": (A03.replace("\rDG1|1", "\rdg1|1"), "AE", "100", None, None),
    "line break inside a field": (A03.replace("1420 Grand Ave", "1420 Grand\nAve"), "AE", "100", None, None),
    "no patient class": (with_field(A03, "PV1", 2, ""), "AE", "101", "PV1", 2),
    "patient class with components": (with_field(A03, "PV1", 2, "I^X"), "AE", "102", "PV1", 2),
    "patient class repeated": (with_field(A03, "PV1", 2, "I~E"), "AE", "102", "PV1", 2),
    "patient class not a code": (with_field(A03, "PV1", 2, "1"), "AE", "102", "PV1", 2),
    "no facility": (with_field(with_field(A03, "PV1", 3, "4WEST"), "MSH", 4, ""), "AE", "101", "MSH", 4),
}


@pytest.mark.parametrize("case", REJECTIONS.values(), ids=REJECTIONS.keys())
def test_bad_messages_are_rejected_with_the_right_code_and_location(
    case: tuple[str, str, str, str | None, int | None],
) -> None:
    text, code, error_code, segment, field = case

    with pytest.raises(AdtRejected) as caught:
        parse_adt(text, zone=CHICAGO)

    rejected = caught.value
    assert (rejected.code, rejected.error_code, rejected.segment, rejected.field) == (code, error_code, segment, field)
    assert rejected.reason and str(rejected) == rejected.reason
    assert not [word for word in PHI if word.lower() in rejected.reason.lower()]


@pytest.mark.parametrize("case", REJECTIONS.values(), ids=REJECTIONS.keys())
def test_every_rejection_is_answered_with_an_ack_that_parses(
    case: tuple[str, str, str, str | None, int | None],
) -> None:
    text, code, error_code, segment, field = case
    with pytest.raises(AdtRejected) as caught:
        parse_adt(text, zone=CHICAGO)

    answer = ack_rejection(text, caught.value)

    message = parsed_ack(answer)
    assert raw(message, "MSA", 1) == code
    assert get(message, "ERR", 3, 1) == error_code
    assert get(message, "ERR", 3, 3) == "HL70357"
    assert raw(message, "ERR", 4) == "E"
    assert get(message, "ERR", 8) == caught.value.reason
    location = f"{segment}^{caught.value.sequence}" + (f"^{field}" if field else "") if segment else ""
    assert raw(message, "ERR", 2) == location
    assert not [word for word in PHI if word.lower() in answer.lower()]


# --- acknowledgements --------------------------------------------------------------------------------


def test_accepted_discharge_ack_swaps_sender_and_receiver_and_echoes_the_control_id() -> None:
    answer = ack(A03, "AA", control_id="ACK0001", at=utc(2026, 12, 5, 5, 15, 3))

    assert answer == (
        "MSH|^~\\&|LIAISON|IAMCO|EPICADT|MERCYDSM|20261205051503+0000||ACK^A03^ACK|ACK0001|P|2.5.1\r"
        "MSA|AA|MDSM20261204231502-0417\r"
    )
    message = parsed_ack(answer)
    assert (raw(message, "MSH", 3), raw(message, "MSH", 5), get(message, "MSH", 9, 2)) == ("LIAISON", "EPICADT", "A03")
    assert raw(message, "MSA", 2) == "MDSM20261204231502-0417"
    with pytest.raises(KeyError):
        message.segment("ERR")


def test_each_ack_has_a_fresh_control_id() -> None:
    first, second = parsed_ack(ack(A01, "AA")), parsed_ack(ack(A01, "AA"))

    assert raw(first, "MSH", 10) != raw(second, "MSH", 10)
    assert len(raw(first, "MSH", 10)) == 20
    assert raw(first, "MSH", 9) == "ACK^A01^ACK"
    assert raw(first, "MSA", 2) == "UIHC8841207"


def test_error_ack_for_a_v2_3_sender_also_fills_err_1_and_msa_3() -> None:
    answer = ack(A01, "AE", "PV1-45 discharge date/time missing", segment="PV1", field=45, error_code="101")

    message = parsed_ack(answer)
    assert raw(message, "MSH", 12) == "2.3"
    assert get(message, "MSA", 3) == "PV1-45 discharge date/time missing"
    assert (get(message, "ERR", 1, 1), get(message, "ERR", 1, 2), get(message, "ERR", 1, 3)) == ("PV1", "1", "45")
    assert (get(message, "ERR", 1, 4, 1), get(message, "ERR", 1, 4, 3)) == ("101", "HL70357")
    assert raw(message, "ERR", 2) == "PV1^1^45"


def test_ack_for_something_that_is_not_hl7_names_us_as_sender() -> None:
    message = parsed_ack(ack("not a message", "AR", "not an HL7 v2 message", segment="MSH", error_code="100"))

    assert (raw(message, "MSH", 3), raw(message, "MSH", 4)) == ("LIAISON", "CARE-COORDINATION")
    assert raw(message, "MSH", 5) == ""
    assert (raw(message, "MSH", 9), raw(message, "MSH", 12), raw(message, "MSA", 2)) == ("ACK", "2.5.1", "")
    assert raw(message, "ERR", 2) == "MSH^1"


def test_reason_with_hl7_delimiters_and_line_breaks_is_escaped_and_reads_back() -> None:
    reason = r"PV1|2 ^odd~ & \ value"

    answer = ack(A03, "AE", reason + "\nsecond line", segment="PV1", field=2, error_code="102")

    assert len(segments(answer)) == 3
    assert get(parsed_ack(answer), "ERR", 8) == reason + " second line"


def test_application_error_after_parsing_defaults_to_internal_error() -> None:
    message = parsed_ack(ack(A03, "AE", "member could not be matched"))

    assert (get(message, "ERR", 3, 1), get(message, "ERR", 3, 2)) == ("207", "Application internal error")
    assert raw(message, "ERR", 2) == ""


def test_accepted_with_a_note_carries_an_informational_err() -> None:
    message = parsed_ack(ack(A03, "AA", "duplicate notice: already recorded"))

    assert (raw(message, "MSA", 1), get(message, "ERR", 3, 1), raw(message, "ERR", 4)) == ("AA", "0", "I")


@given(st.one_of(
    st.text(max_size=300),
    st.builds(lambda at, junk: A03[:at] + junk + A03[at:], st.integers(0, len(A03)), st.text(max_size=5)),
    st.builds(lambda at, cut: A03[:at] + A03[at + cut:], st.integers(0, len(A03)), st.integers(1, 20)),
))
def test_any_text_is_either_a_notice_or_a_rejection_and_always_gets_an_ack_that_parses(text: str) -> None:
    try:
        parse_adt(text, zone=CHICAGO)
        answer = ack(text, "AA")
    except AdtRejected as rejected:
        answer = ack_rejection(text, rejected)

    assert raw(parsed_ack(answer), "MSA", 1) in {"AA", "AE", "AR"}
