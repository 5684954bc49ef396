"""How one member appears on a practice's attribution list on a given day: its change type and its
period, from the member's assignment periods with that practice's PCPs.

Assignment periods are half-open ([effective_from, effective_to)), FHIR periods inclusive: a member
whose assignment ended on day d was last attributed on d - 1, so a dropped entry's period ends the day
before the change. A member attributed and dropped on the same day (an empty half-open period) still
shows `dropped`, with start = end = that day: FHIR forbids an end before the start, and the entry is
inactive, so it counts nowhere.

Change types count from the start of the month of the list's day (`month`):

- `dropped`: the latest period with the practice ended by the list's day;
- `nochange`: the latest period started before the month;
- `changed`: it started this month, straight after another period with the same practice (the member
  moved between the practice's PCPs);
- `new`: it started this month otherwise: the member came from no PCP, from a flagged network gap, or
  from another practice (that practice's list shows the member `dropped`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from liaison_attribution.fhir_lists import AttributedMember, ChangeType


@dataclass(frozen=True)
class PracticePeriod:
    """One assignment period of a member to one of the practice's PCPs (`effective_to` exclusive)."""

    npi: str
    effective_from: date
    effective_to: date | None


def list_entry(member_id: str, coverage_id: str, periods: Sequence[PracticePeriod], *, month: date,
               as_of: date) -> AttributedMember:
    """The member's entry on the list of `as_of`, from its periods with the practice (oldest first, at
    least one; those that started by `as_of` and had not ended before `month`)."""
    latest = periods[-1]
    current = latest.effective_to is None or latest.effective_to > as_of
    end: date | None = None
    change: ChangeType
    if not current:
        assert latest.effective_to is not None
        change = "dropped"
        end = max(latest.effective_from, latest.effective_to - timedelta(days=1))
    elif latest.effective_from < month:
        change = "nochange"
    elif any(p.effective_to == latest.effective_from for p in periods[:-1]):
        change = "changed"
    else:
        change = "new"
    return AttributedMember(member_id=member_id, coverage_id=coverage_id, pcp_npi=latest.npi,
                            period_start=latest.effective_from, period_end=end, change_type=change)
