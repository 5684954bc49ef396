"""The records attribution takes in (members, providers, claim lines), one
pydantic model each, shared by the single-record HTTP endpoints and bulk files."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, StringConstraints, model_validator

from liaison_shared.fields import CalendarDate, McoCode, MedicaidId, Npi, PersonName, SafeText


def _flag(value: Any) -> Any:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "yes", "y", "1"):
            return True
        if lowered in ("false", "no", "n", "0"):
            return False
    return value


Word = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{1,39}$")]
Flag = BeforeValidator(_flag)
# Numbers and flags are strict in JSON (false is not a capacity, 0 not an answer); files, whose cells
# are all text, are validated with strict=False (liaison_attribution.bulk).
Latitude = Annotated[float, Strict(), Field(ge=-90, le=90)]
Longitude = Annotated[float, Strict(), Field(ge=-180, le=180)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MemberRecord(Record):
    medicaid_id: MedicaidId
    name: PersonName
    birth_date: CalendarDate
    address: Annotated[SafeText, StringConstraints(max_length=300)] | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")] | None = None
    household_id: Annotated[SafeText, StringConstraints(max_length=64)] | None = None
    mco: McoCode
    eligible_from: CalendarDate
    eligible_to: CalendarDate | None = None
    risk_flags: list[Word] = []
    chosen_npi: Npi | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        if self.eligible_to is not None and self.eligible_to < self.eligible_from:
            raise ValueError("eligible_to is before eligible_from")
        return self


class ProviderRecord(Record):
    npi: Npi
    name: Annotated[SafeText, StringConstraints(min_length=1, max_length=200)]
    is_pcp: Annotated[bool, Flag, Strict()]
    practice_npi: Npi
    practice_name: Annotated[SafeText, StringConstraints(min_length=1, max_length=200)]
    lat: Latitude
    lon: Longitude
    languages: list[Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]] = ["en"]
    capacity: Annotated[int, Strict()] = Field(ge=0, le=20000)
    open_panel: Annotated[bool, Flag, Strict()]
    networks: list[McoCode]


class ClaimRecord(Record):
    medicaid_id: MedicaidId
    npi: Npi
    service_date: CalendarDate
    procedure_code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{5}$")]
    place_of_service: Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")]


Kind = Literal["members", "providers", "claims"]
MODELS: dict[str, type[Record]] = {"members": MemberRecord, "providers": ProviderRecord, "claims": ClaimRecord}
