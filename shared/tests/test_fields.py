"""The intake API's field types accept what they should and explain rejections.

Pydantic puts the submitted value into ``str(ValidationError)`` (``input_value=...``)
and into each ``errors()`` entry's ``input``. Submitted values may be PHI, so callers
must render validation errors from each entry's ``msg`` and ``loc`` (and ``type``)
only, never from ``str(exc)``. These tests therefore check the ``msg`` of each error:
it names the reason and never contains the submitted value.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from liaison_shared import clock
from liaison_shared.fields import (
    Description,
    IdempotencyKey,
    McoCode,
    MedicaidId,
    Npi,
    PastInstant,
    PersonName,
    PhoneNumber,
    ProviderNumber,
    ShortNote,
    npi_is_valid,
)


class NpiModel(BaseModel):
    value: Npi


class PhoneModel(BaseModel):
    value: PhoneNumber


class MedicaidIdModel(BaseModel):
    value: MedicaidId


class ProviderNumberModel(BaseModel):
    value: ProviderNumber


class McoCodeModel(BaseModel):
    value: McoCode


class PersonNameModel(BaseModel):
    value: PersonName


class DescriptionModel(BaseModel):
    value: Description


class ShortNoteModel(BaseModel):
    value: ShortNote


class ReceivedModel(BaseModel):
    value: PastInstant


class IdempotencyKeyModel(BaseModel):
    value: IdempotencyKey


def accepted(model: type[BaseModel], value: Any) -> Any:
    return model.model_validate({"value": value}).value  # type: ignore[attr-defined]


def rejection(model: type[BaseModel], value: Any) -> str:
    """The one error message for `value`, checked to leave the value out."""
    with pytest.raises(ValidationError) as caught:
        model.model_validate({"value": value})
    errors = caught.value.errors()
    assert len(errors) == 1
    assert errors[0]["loc"] == ("value",)
    message = errors[0]["msg"]
    shown = str(value).strip()
    assert not shown or shown not in message
    return message


# -- NPI --------------------------------------------------------------------------------------


def reference_npi_is_valid(npi: str) -> bool:
    """Luhn as usually written: the whole number, doubling every second digit from the right."""
    if len(npi) != 10 or any(char not in "0123456789" for char in npi):
        return False
    total = 0
    for index, char in enumerate(reversed("80840" + npi)):
        digit = int(char) * (2 if index % 2 else 1)
        total += digit // 10 + digit % 10
    return total % 10 == 0


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1003000126", " 1234567893 "])
def test_valid_npis_are_accepted(npi: str) -> None:
    assert accepted(NpiModel, npi) == npi.strip()
    assert npi_is_valid(npi.strip())


@pytest.mark.parametrize(
    ("npi", "reason"),
    [
        ("1234567890", "check digit does not match"),
        ("1245319598", "check digit does not match"),
        ("123456789", "exactly 10 digits"),
        ("12345678933", "exactly 10 digits"),
        ("12345-7893", "exactly 10 digits"),
        ("١٢٣٤٥٦٧٨٩٣", "exactly 10 digits"),  # Arabic-Indic digits are digits to str.isdigit, not to us
        ("", "exactly 10 digits"),
    ],
)
def test_invalid_npis_are_rejected_with_the_reason(npi: str, reason: str) -> None:
    assert reason in rejection(NpiModel, npi)
    assert not npi_is_valid(npi)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_exactly_one_check_digit_completes_any_nine_digits(first_nine: str) -> None:
    candidates = [first_nine + digit for digit in "0123456789"]
    assert sum(npi_is_valid(npi) for npi in candidates) == 1
    assert [npi_is_valid(npi) for npi in candidates] == [reference_npi_is_valid(npi) for npi in candidates]


@given(st.one_of(st.text(), st.text(alphabet="0123456789", min_size=8, max_size=12)))
def test_npi_is_valid_agrees_with_the_reference_on_any_text(text: str) -> None:
    assert npi_is_valid(text) == reference_npi_is_valid(text)


# -- phone numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "515-555-0134",
        "(515) 555-0134",
        "(515)555-0134",
        "515.555.0134",
        "515 555 0134",
        "5155550134",
        "+1 515 555 0134",
        "+1 (515) 555-0134",
        "1-515-555-0134",
        "15155550134",
        "+15155550134",
        "  515-555-0134  ",
    ],
)
def test_phone_numbers_are_normalised_to_e164(phone: str) -> None:
    assert accepted(PhoneModel, phone) == "+15155550134"


@pytest.mark.parametrize(
    ("phone", "reason"),
    [
        ("515-555-013", "10-digit US phone number"),
        ("515-555-01345", "10-digit US phone number"),
        ("515-555-O134", "10-digit US phone number"),
        ("1-800-FLOWERS", "10-digit US phone number"),
        ("+44 20 7946 0958", "10-digit US phone number"),
        ("2-515-555-0134", "10-digit US phone number"),
        ("(515 555-0134", "10-digit US phone number"),
        ("٥١٥٥٥٥٠١٣٤", "10-digit US phone number"),
        ("", "10-digit US phone number"),
        ("015-555-0134", "area code must not start with 0 or 1"),
        ("+1 115 555 0134", "area code must not start with 0 or 1"),
        ("515-055-0134", "exchange code must not start with 0 or 1"),
        ("515-155-0134", "exchange code must not start with 0 or 1"),
    ],
)
def test_invalid_phone_numbers_are_rejected_with_the_reason(phone: str, reason: str) -> None:
    assert reason in rejection(PhoneModel, phone)


# -- Medicaid IDs, provider numbers, MCO codes --------------------------------------------------


@pytest.mark.parametrize(("raw", "stored"), [("1234567A", "1234567A"), (" 1234567a ", "1234567A")])
def test_medicaid_ids_are_stripped_and_upper_cased(raw: str, stored: str) -> None:
    assert accepted(MedicaidIdModel, raw) == stored


@pytest.mark.parametrize("raw", ["123456A", "12345678", "1234567AB", "A1234567", "1234567-", "1234567 A", ""])
def test_invalid_medicaid_ids_are_rejected(raw: str) -> None:
    assert "must be 7 digits followed by a letter" in rejection(MedicaidIdModel, raw)


@pytest.mark.parametrize("raw", ["0012345", "A", "ABC123def456XYZ"])
def test_provider_numbers_keep_leading_zeros(raw: str) -> None:
    assert accepted(ProviderNumberModel, raw) == raw


@pytest.mark.parametrize("raw", ["", "0012345678901234", "001-2345", "0012 345"])
def test_invalid_provider_numbers_are_rejected(raw: str) -> None:
    assert "1 to 15 letters or digits" in rejection(ProviderNumberModel, raw)


@pytest.mark.parametrize("raw", ["IA-TC", "MOLINA", "A1", "9-LIVES", "ABCDEFGHIJKLMNOP"])
def test_mco_codes_are_accepted(raw: str) -> None:
    assert accepted(McoCodeModel, raw) == raw


@pytest.mark.parametrize("raw", ["ia-tc", "-IATC", "X", "ABCDEFGHIJKLMNOPQ", "IA TC", "IA_TC", ""])
def test_invalid_mco_codes_are_rejected(raw: str) -> None:
    assert "upper-case letters, digits or hyphens" in rejection(McoCodeModel, raw)


# -- names and free text ----------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["J", "  María José O'Neil-Ruiz ", "李小龙", "Dr. Ann Lee 3rd"])
def test_person_names_are_stripped(raw: str) -> None:
    assert accepted(PersonNameModel, raw) == raw.strip()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "at least 1 character"),
        ("   ", "at least 1 character"),
        ("123456", "must contain a letter"),
        ("!!--..''", "must contain a letter"),
        ("Q" * 121, "at most 120 characters"),
    ],
)
def test_invalid_person_names_are_rejected(raw: str, reason: str) -> None:
    assert reason in rejection(PersonNameModel, raw)


def test_description_and_short_note_bounds() -> None:
    assert accepted(DescriptionModel, "  Denied PA for insulin pump \n") == "Denied PA for insulin pump"
    assert accepted(DescriptionModel, "d" * 4000) == "d" * 4000
    assert "at most 4000 characters" in rejection(DescriptionModel, "d" * 4001)
    assert "at least 1 character" in rejection(DescriptionModel, " \n\t ")
    assert accepted(ShortNoteModel, "n" * 500) == "n" * 500
    assert "at most 500 characters" in rejection(ShortNoteModel, "n" * 501)
    assert "at least 1 character" in rejection(ShortNoteModel, "")


# -- instants ---------------------------------------------------------------------------------

FROZEN = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr(clock, "now", lambda: FROZEN)
    return FROZEN


def test_received_at_is_converted_to_utc(frozen_clock: datetime) -> None:
    central = timezone(timedelta(hours=-5))
    received = accepted(ReceivedModel, "2025-03-10T09:30:00-05:00")
    assert received == datetime(2025, 3, 10, 9, 30, tzinfo=central)
    assert received.utcoffset() == timedelta(0)
    assert received.hour == 14


def test_received_at_up_to_five_minutes_ahead_is_accepted(frozen_clock: datetime) -> None:
    assert accepted(ReceivedModel, frozen_clock + timedelta(minutes=4)) == frozen_clock + timedelta(minutes=4)
    assert accepted(ReceivedModel, frozen_clock + timedelta(minutes=5)) == frozen_clock + timedelta(minutes=5)


@pytest.mark.parametrize("ahead", [timedelta(minutes=5, seconds=1), timedelta(days=1)])
def test_future_received_at_is_rejected(frozen_clock: datetime, ahead: timedelta) -> None:
    assert "must not be in the future" in rejection(ReceivedModel, (frozen_clock + ahead).isoformat())


@pytest.mark.parametrize("naive", ["2025-03-10T09:30:00", datetime(2025, 3, 10, 9, 30)])
def test_naive_received_at_is_rejected(frozen_clock: datetime, naive: object) -> None:
    assert "offset" in rejection(ReceivedModel, naive)


def test_received_at_uses_the_real_clock_by_default() -> None:
    assert accepted(ReceivedModel, datetime.now(UTC) + timedelta(minutes=4)) > datetime.now(UTC)
    assert "must not be in the future" in rejection(ReceivedModel, datetime.now(UTC) + timedelta(minutes=6))


# -- idempotency keys -------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["abcd1234", "2025-03-10T15:00:00.000Z_retry.1", "k" * 200])
def test_idempotency_keys_are_taken_exactly(key: str) -> None:
    assert accepted(IdempotencyKeyModel, key) == key


@pytest.mark.parametrize("key", ["short-1", "k" * 201, "has space-1", "slash/in/key", "key1234\n", ""])
def test_invalid_idempotency_keys_are_rejected(key: str) -> None:
    assert "8 to 200 characters" in rejection(IdempotencyKeyModel, key)


# -- why callers must not render str(exc) -------------------------------------------------------


def test_str_of_a_validation_error_would_leak_the_value_but_msg_does_not() -> None:
    with pytest.raises(ValidationError) as caught:
        MedicaidIdModel.model_validate({"value": "9876543"})
    assert "9876543" in str(caught.value)
    assert all("9876543" not in error["msg"] for error in caught.value.errors())
