"""Whether a member's new attribution replaces the current assignment, and as what.

The PCP rules (`rules.pcp`) say which PCP a member would get now; this decides
what that does to the assignment the member already has:

- the same PCP, or again no PCP for a flagged network gap, changes nothing: the
  current assignment is kept with its method, evidence and start date (so a
  re-attribution never restarts a period or publishes a change that did not happen);
- otherwise the new assignment replaces it, under the caller's override method
  when one is given and a PCP was found (a reassignment after a panel removal),
  else under the method of the rule that found it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from liaison_attribution.rules.pcp import Assignment
from liaison_shared.vocabulary import AttributionMethod


@dataclass(frozen=True)
class CurrentAssignment:
    """What the decision needs of the member's current assignment: its PCP (None for a gap) and gap flag."""

    npi: str | None
    network_gap: bool


def replacement(current: CurrentAssignment | None, found: Assignment, *,
                method: AttributionMethod | None = None) -> Assignment | None:
    """The assignment that replaces `current` (None: the member has none), or None when `current` is kept."""
    if current is not None and (current.npi, current.network_gap) == (found.npi, found.network_gap):
        return None
    if method is not None and found.npi is not None:
        return replace(found, method=method)
    return found
