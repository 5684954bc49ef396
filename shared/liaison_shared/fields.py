"""Reusable field types for request and record models (intake, attribution).

Each type is a pydantic ``Annotated`` alias with its own validation. A failing
validator raises ``ValueError`` with a short reason and never the submitted
value, which may be PHI. Pydantic still puts the value in ``str(exc)`` and in
the ``input`` of ``exc.errors()``: render validation errors from each entry's
``loc``, ``msg`` and ``type`` only (as ``liaison_shared.problems`` does).

Identifiers and free text tolerate surrounding whitespace (it is stripped);
idempotency keys are taken exactly as sent.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from liaison_shared import clock

__all__ = [
    "CLOCK_SKEW", "Description", "IdempotencyKey", "McoCode", "MedicaidId", "Npi", "PastInstant",
    "PersonName", "PhoneNumber", "ProviderNumber", "ShortNote", "npi_is_valid",
]

CLOCK_SKEW = timedelta(minutes=5)
"""How far past our clock a client's instant may be before it counts as future."""

_NPI = re.compile(r"[0-9]{10}")
_NPI_PREFIX = "80840"  # ISO 7812 issuer prefix that CMS prepends for the Luhn check
_PHONE = re.compile(r"(?:\+?1[ .-]?)?(?:\(([0-9]{3})\)|([0-9]{3}))[ .-]?([0-9]{3})[ .-]?([0-9]{4})")
_MEDICAID_ID = re.compile(r"[0-9]{7}[A-Z]")
_PROVIDER_NUMBER = re.compile(r"[A-Za-z0-9]{1,15}")
_MCO_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,15}")
_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:-]{8,200}")


def _luhn_check_digit(payload: str) -> int:
    """The Luhn digit that, appended to the ASCII digits ``payload``, makes it valid."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:  # rightmost payload digit sits next to the check digit: doubled
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return (10 - total % 10) % 10


def npi_is_valid(npi: str) -> bool:
    """Whether ``npi`` is 10 ASCII digits whose last is the CMS Luhn check digit."""
    if _NPI.fullmatch(npi) is None:
        return False
    return _luhn_check_digit(_NPI_PREFIX + npi[:9]) == int(npi[9])


def _check_npi(value: str) -> str:
    if _NPI.fullmatch(value) is None:
        raise ValueError("must be exactly 10 digits")
    if not npi_is_valid(value):
        raise ValueError("NPI check digit does not match")
    return value


def _normalise_phone(value: str) -> str:
    match = _PHONE.fullmatch(value)
    if match is None:
        raise ValueError("must be a 10-digit US phone number")
    area = match.group(1) or match.group(2)
    exchange, line = match.group(3), match.group(4)
    if area[0] in "01":
        raise ValueError("area code must not start with 0 or 1")
    if exchange[0] in "01":
        raise ValueError("exchange code must not start with 0 or 1")
    return f"+1{area}{exchange}{line}"


def _check_medicaid_id(value: str) -> str:
    value = value.upper()
    if _MEDICAID_ID.fullmatch(value) is None:
        raise ValueError("must be 7 digits followed by a letter")
    return value


def _check_provider_number(value: str) -> str:
    if _PROVIDER_NUMBER.fullmatch(value) is None:
        raise ValueError("must be 1 to 15 letters or digits")
    return value


def _check_mco_code(value: str) -> str:
    if _MCO_CODE.fullmatch(value) is None:
        raise ValueError("must be 2 to 16 upper-case letters, digits or hyphens, starting with a letter or digit")
    return value


def _check_person_name(value: str) -> str:
    if not any(char.isalpha() for char in value):
        raise ValueError("must contain a letter")
    return value


def _check_past_instant(value: datetime) -> datetime:
    if value.utcoffset() is None:
        raise ValueError("must include a time zone offset")
    try:
        instant = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("must be a representable instant") from None
    if instant > clock.now() + CLOCK_SKEW:
        raise ValueError("must not be in the future")
    return instant


def _check_idempotency_key(value: str) -> str:
    if _IDEMPOTENCY_KEY.fullmatch(value) is None:
        raise ValueError("must be 8 to 200 characters of letters, digits, '_', '.', ':' or '-'")
    return value


_Stripped = StringConstraints(strip_whitespace=True)

Npi = Annotated[str, _Stripped, AfterValidator(_check_npi)]
"""A National Provider Identifier: 10 digits with a valid CMS Luhn check digit."""

PhoneNumber = Annotated[str, _Stripped, AfterValidator(_normalise_phone)]
"""A US (NANP) phone number in a common written shape, normalised to E.164 ``+1NXXNXXXXXX``."""

MedicaidId = Annotated[str, _Stripped, AfterValidator(_check_medicaid_id)]
"""An Iowa Medicaid State ID: 7 digits and a letter, the letter upper-cased."""

ProviderNumber = Annotated[str, _Stripped, AfterValidator(_check_provider_number)]
"""An Iowa Medicaid provider number: 1-15 letters or digits, leading zeros kept."""

McoCode = Annotated[str, _Stripped, AfterValidator(_check_mco_code)]
"""A managed-care organisation code such as ``IA-TC`` or ``MOLINA``."""

PersonName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), AfterValidator(_check_person_name)
]
"""A person's name: 1-120 characters after stripping, containing at least one letter."""

Description = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
"""Free text describing an issue: 1-4000 characters after stripping."""

ShortNote = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
"""A short free-text note: 1-500 characters after stripping."""

PastInstant = Annotated[datetime, AfterValidator(_check_past_instant)]
"""An instant with a UTC offset, at most ``CLOCK_SKEW`` ahead of ``clock.now()``, converted to UTC."""

IdempotencyKey = Annotated[str, AfterValidator(_check_idempotency_key)]
"""A client's ``Idempotency-Key`` header: 8-200 characters of ``[A-Za-z0-9_.:-]``, taken exactly."""
