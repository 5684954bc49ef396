"""The combined high-risk list of a plan and a practice: each side's rows checked (its top 30), then
consolidated: patients on both lists first, then the plan's list by its predictive-model rank with the
patients the practice flags, then the rest of the practice's list; each patient's coverage as
attribution's events tell it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from liaison_shared.fields import MedicaidId

TOP = 30  # each side's list is its top 30
Side = Literal["plan", "practice"]
Coverage = Literal["confirmed", "other_practice", "not_covered", "unknown"]

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ListRow(BaseModel):
    """One patient of one side's list, as uploaded (a CSV or Parquet row, or a JSON object). The plan shares
    what it holds before the call (admissions, ED visits, diagnoses, prescriptions, providers)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    medicaid_id: MedicaidId
    rank: int = Field(ge=1, le=TOP, description=f"1 = highest risk; each side sends its top {TOP}")
    flagged: bool = False
    risk_level: Literal["very_high", "high", "rising"] | None = None
    risk_drivers: tuple[Text, ...] = ()
    recent_admissions: int = Field(0, ge=0, le=365)
    ed_visits: int = Field(0, ge=0, le=365)
    diagnoses: tuple[Text, ...] = ()
    prescriptions: tuple[Text, ...] = ()
    providers: tuple[Text, ...] = ()

    @field_validator("risk_drivers", "diagnoses", "prescriptions", "providers", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        """A file's cell holds a list as `a; b; c`."""
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(";") if part.strip())
        return value

    @field_validator("flagged", mode="before")
    @classmethod
    def _blank_is_false(cls, value: object) -> object:
        return False if value in ("", None) else value

    def shared(self) -> dict[str, Any]:
        """What the plan shares ahead of the call."""
        return {"recent_admissions": self.recent_admissions, "ed_visits": self.ed_visits,
                "diagnoses": list(self.diagnoses), "prescriptions": list(self.prescriptions),
                "providers": list(self.providers)}


@dataclass(frozen=True)
class Reject:
    """A row refused: its number (1 = the first data row), the field and why; never the value."""

    row: int
    field: str
    reason: str


def checked(rows: Iterable[Mapping[str, Any]], side: Side) -> tuple[list[ListRow], list[Reject]]:
    """The rows of one side's list that can be used, and the reject report of the others: a row is refused
    for a bad field, a Medicaid ID or a rank given twice, or (the practice's) a flag on the plan's list."""
    accepted: list[ListRow] = []
    rejects: list[Reject] = []
    ids: set[str] = set()
    ranks: set[int] = set()
    for number, raw in enumerate(rows, start=1):
        cells = {key: value for key, value in raw.items() if value not in ("", None)}
        try:
            row = ListRow.model_validate(cells)
        except ValidationError as invalid:
            rejects += [Reject(number, ".".join(str(p) for p in error["loc"]) or "row", error["msg"])
                        for error in invalid.errors(include_input=False)]
            continue
        if row.medicaid_id in ids:
            rejects.append(Reject(number, "medicaid_id", "this patient is already on the list (an earlier row)"))
        elif row.rank in ranks:
            rejects.append(Reject(number, "rank", "an earlier row has this rank"))
        elif side == "plan" and row.flagged:
            rejects.append(Reject(number, "flagged", "only the practice flags patients"))
        else:
            ids.add(row.medicaid_id)
            ranks.add(row.rank)
            accepted.append(row)
    return accepted, rejects


@dataclass(frozen=True)
class Entry:
    """One side's listing of a patient, as stored."""

    medicaid_id: str
    side: Side
    rank: int
    flagged: bool = False
    risk_level: str | None = None
    risk_drivers: tuple[str, ...] = ()
    shared: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Enrollment:
    """What attribution said of a patient: the plan, the attributed practice, whether coverage ended."""

    member_id: str
    plan: str | None
    practice_npi: str | None
    disenrolled_on: date | None = None


@dataclass(frozen=True)
class Patient:
    """A patient of the combined list, in its order."""

    position: int
    medicaid_id: str
    member_id: str | None
    on_plan_list: bool
    on_practice_list: bool
    plan_rank: int | None
    practice_rank: int | None
    flagged: bool
    risk_level: str | None
    risk_drivers: tuple[str, ...]
    shared: Mapping[str, Any]
    coverage: Coverage
    new_insurer: str | None  # a patient no longer covered by this plan, enrolled with another


def coverage(enrollment: Enrollment | None, plan: str, practice_npi: str) -> tuple[Coverage, str | None]:
    """Whether attribution confirms the patient's enrollment with `plan` and attribution to `practice_npi`;
    a patient not covered any more comes with the new insurer, if another plan enrolled them."""
    if enrollment is None:
        return "unknown", None
    if enrollment.plan != plan:
        return "not_covered", enrollment.plan
    if enrollment.disenrolled_on is not None:
        return "not_covered", None
    if enrollment.practice_npi != practice_npi:
        return "other_practice", None
    return "confirmed", None


def consolidated(entries: Sequence[Entry], enrollments: Mapping[str, Enrollment], plan: str,
                 practice_npi: str) -> list[Patient]:
    """The combined list: on both lists first, then the plan's list by rank together with the patients the
    practice flags, then the rest of the practice's list; within each, by the plan's rank, then the
    practice's."""
    by_patient: dict[str, dict[Side, Entry]] = {}
    for entry in entries:
        by_patient.setdefault(entry.medicaid_id, {})[entry.side] = entry

    def order(item: tuple[str, dict[Side, Entry]]) -> tuple[int, int, int, str]:
        sides = item[1]
        plan_side, practice_side = sides.get("plan"), sides.get("practice")
        group = 0 if plan_side and practice_side else 1 if plan_side or (practice_side and practice_side.flagged) else 2
        return (group, plan_side.rank if plan_side else TOP + 1, practice_side.rank if practice_side else TOP + 1,
                item[0])

    patients = []
    for position, (medicaid_id, sides) in enumerate(sorted(by_patient.items(), key=order), start=1):
        plan_side, practice_side = sides.get("plan"), sides.get("practice")
        enrollment = enrollments.get(medicaid_id)
        covered, new_insurer = coverage(enrollment, plan, practice_npi)
        drivers = tuple(dict.fromkeys((*(plan_side.risk_drivers if plan_side else ()),
                                       *(practice_side.risk_drivers if practice_side else ()))))
        patients.append(Patient(
            position=position, medicaid_id=medicaid_id, member_id=enrollment.member_id if enrollment else None,
            on_plan_list=plan_side is not None, on_practice_list=practice_side is not None,
            plan_rank=plan_side.rank if plan_side else None,
            practice_rank=practice_side.rank if practice_side else None,
            flagged=bool(practice_side and practice_side.flagged),
            risk_level=(plan_side.risk_level if plan_side else None) or (practice_side.risk_level
                                                                          if practice_side else None),
            risk_drivers=drivers, shared=(plan_side.shared if plan_side and plan_side.shared else {}),
            coverage=covered, new_insurer=new_insurer))
    return patients
