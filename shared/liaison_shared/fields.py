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

import os
import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from liaison_shared import clock

__all__ = [
    "CLOCK_SKEW",
    "QUERY_HORIZON",
    "CalendarDate",
    "Description",
    "IdempotencyKey",
    "McoCode",
    "MedicaidId",
    "Npi",
    "PastInstant",
    "PersonName",
    "PhoneNumber",
    "ProviderNumber",
    "QueryInstant",
    "SafeText",
    "ShortNote",
    "control_character_reason",
    "npi_is_valid",
]

CLOCK_SKEW = timedelta(minutes=5)
"""How far past our clock a client's instant may be before it counts as future."""
PROGRAM_START = os.environ.get("LIAISON_PROGRAM_START", "2016-04-01")
_EARLIEST = datetime.combine(date.fromisoformat(PROGRAM_START), datetime.min.time(), UTC)
"""The earliest instant the program accepts (``LIAISON_PROGRAM_START``, an ISO date; default 2016-04-01,
when Iowa's Medicaid managed care began): anything earlier is a typo or a Unix-epoch zero. Read once, so a
bad setting stops the process at start, not at the first request."""
QUERY_HORIZON = timedelta(days=366 * 10)
"""How far ahead of our clock a query's instant or date may reach (deadlines are days, not decades, away)."""

# Tab, newline and carriage return (CRLF line ends of pasted text) are the only control characters text
# may hold; lone UTF-16 surrogates cannot be stored either.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_ISO_INSTANT = (r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]{1,6})?)?"
                r"([Zz]|[+-][0-9]{2}:?[0-9]{2})")
_ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

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


def _check_idempotency_key(value: str) -> str:
    if _IDEMPOTENCY_KEY.fullmatch(value) is None:
        raise ValueError("must be 8 to 200 characters of letters, digits, '_', '.', ':' or '-'")
    return value


def control_character_reason(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None: control characters other than tab and line ends."""
    return "must not contain control characters" if _CONTROL.search(value) else None


def _check_text(value: str) -> str:
    reason = control_character_reason(value)
    if reason:
        raise ValueError(reason)
    return value


def _iso_text(pattern: str, kind: str) -> Any:
    shape = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, datetime | date):  # typed sources (Parquet) give dates, not text
            return value
        if not isinstance(value, str) or shape.fullmatch(value.strip()) is None:
            raise ValueError(f"must be an ISO 8601 {kind}")
        return value.strip()
    return check


def _in_window(instant: datetime, *, latest: datetime, too_late: str) -> datetime:
    if instant.utcoffset() is None:
        raise ValueError("must include a time zone offset")
    try:
        instant = instant.astimezone(UTC)
    except OverflowError:
        raise ValueError("must be a representable instant") from None
    if instant < _EARLIEST:
        raise ValueError(f"must not be before the program's start ({PROGRAM_START})")
    if instant > latest:
        raise ValueError(too_late)
    return instant


def _check_past_instant(value: datetime) -> datetime:
    return _in_window(value, latest=clock.now() + CLOCK_SKEW, too_late="must not be in the future")


def _check_query_instant(value: datetime) -> datetime:
    return _in_window(value, latest=clock.now() + QUERY_HORIZON, too_late="must be within ten years from now")


def _check_calendar_date(value: date) -> date:
    if isinstance(value, datetime):
        raise ValueError("must be an ISO 8601 date")
    if value < _EARLIEST.date() - timedelta(days=366 * 120):
        raise ValueError("must be a plausible date")
    if value > (clock.now() + QUERY_HORIZON).date():
        raise ValueError("must be within ten years from now")
    return value


def _schema(pattern: str, example: str, **extra: Any) -> Any:
    return Field(json_schema_extra={"pattern": pattern, "examples": [example], **extra})


_Stripped = StringConstraints(strip_whitespace=True)
_Text = AfterValidator(_check_text)
_PAD = r"\s*"  # identifiers tolerate surrounding whitespace, as the validators strip it

Npi = Annotated[str, _Stripped, AfterValidator(_check_npi), _schema(f"^{_PAD}[0-9]{{10}}{_PAD}$", "1245319599")]
"""A National Provider Identifier: 10 digits with a valid CMS Luhn check digit."""

PhoneNumber = Annotated[str, _Stripped, AfterValidator(_normalise_phone), _schema(
    rf"^{_PAD}(\+?1[ .-]?)?(\([2-9][0-9]{{2}}\)|[2-9][0-9]{{2}})[ .-]?[2-9][0-9]{{2}}[ .-]?[0-9]{{4}}{_PAD}$",
    "515-555-0134")]
"""A US (NANP) phone number in a common written shape, normalised to E.164 ``+1NXXNXXXXXX``."""

MedicaidId = Annotated[str, _Stripped, AfterValidator(_check_medicaid_id),
                      _schema(f"^{_PAD}[0-9]{{7}}[A-Za-z]{_PAD}$", "1234567A")]
"""An Iowa Medicaid State ID: 7 digits and a letter, the letter upper-cased."""

ProviderNumber = Annotated[str, _Stripped, AfterValidator(_check_provider_number),
                          _schema(f"^{_PAD}[A-Za-z0-9]{{1,15}}{_PAD}$", "0012345")]
"""An Iowa Medicaid provider number: 1-15 letters or digits, leading zeros kept."""

McoCode = Annotated[str, _Stripped, AfterValidator(_check_mco_code),
                   _schema(f"^{_PAD}[A-Z0-9][A-Z0-9-]{{1,15}}{_PAD}$", "IA-TC")]
"""A managed-care organisation code such as ``IA-TC`` or ``MOLINA``."""

PersonName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), _Text,
    AfterValidator(_check_person_name), _schema(r"\S", "Jane Example"),
]
"""A person's name: 1-120 characters after stripping, containing at least one letter."""

Description = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), _Text,
                       _schema(r"\S", "Member cannot get a refill approved.")]
"""Free text describing an issue: 1-4000 characters after stripping."""

ShortNote = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), _Text,
                     _schema(r"\S", "Called back; left a voicemail.")]
"""A short free-text note: 1-500 characters after stripping."""

_INSTANT = f"^{_PAD}{_ISO_INSTANT}{_PAD}$"
_DATE_SCHEMA = _schema(f"^{_PAD}{_ISO_DATE}{_PAD}$", "2026-11-23", format="date",
                       description="An ISO 8601 date, at most ten years ahead.")

PastInstant = Annotated[datetime, BeforeValidator(_iso_text(_ISO_INSTANT, "date-time with an offset")),
                        AfterValidator(_check_past_instant), _schema(
                            _INSTANT, "2026-11-23T14:05:00-06:00", format="date-time",
                            description="ISO 8601 with an offset; not before the program's start "
                                        "(LIAISON_PROGRAM_START) and not in the future (5 minutes' skew allowed).")]
"""An ISO 8601 instant with a UTC offset (never a number), not before the program's start and at most
``CLOCK_SKEW`` ahead of ``clock.now()``, converted to UTC."""

QueryInstant = Annotated[datetime, BeforeValidator(_iso_text(_ISO_INSTANT, "date-time with an offset")),
                         AfterValidator(_check_query_instant), _schema(
                             _INSTANT, "2026-11-23T14:05:00-06:00", format="date-time",
                             description="ISO 8601 with an offset; from the program's start to ten years ahead.")]
"""An ISO 8601 instant with an offset for a query: from the program's start to ``QUERY_HORIZON`` ahead."""

CalendarDate = Annotated[date, BeforeValidator(_iso_text(_ISO_DATE, "date (YYYY-MM-DD)")),
                         AfterValidator(_check_calendar_date), _DATE_SCHEMA]
"""An ISO 8601 calendar date (never a number), at most ``QUERY_HORIZON`` ahead: as-of dates, report ranges,
eligibility. Birth dates may be long before the program started."""

SafeText = Annotated[str, _Text]
"""Any other text: no control characters but tab and line ends."""

IdempotencyKey = Annotated[str, AfterValidator(_check_idempotency_key),
                          _schema("^[A-Za-z0-9_.:-]{8,200}$", "3f1c2a9e-order-1")]
"""A client's ``Idempotency-Key`` header: 8-200 characters of ``[A-Za-z0-9_.:-]``, taken exactly."""
