"""The grievances-and-appeals report's shape, from the counts the database sums up: a row per MCO and type
(every type for every MCO that has one, so a zero reads as a zero), the shares, and the items of the CMS Managed
Care Program Annual Report (MCPAR, CMS-10108), Section D1, Topic IV "Appeals, State Fair Hearings & Grievances",
that Liaison's events hold, in the template's order. Pure.

- Types: `grievance`; `appeal_standard`; `appeal_expedited`. An appeal whose expedited request the plan denied
  is resolved in the standard timeframe: it counts as a standard appeal, among those that requested expedited
  resolution (`expedited_requested`) and were denied (`expedited_denied`).
- `share_timely` is resolved on time over resolved on time or late (None when neither); a resolution whose clock
  neither met nor breached (none ran) counts in `resolved` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

TYPES = ("grievance", "appeal_standard", "appeal_expedited")
COUNTS = ("received", "expedited_requested", "expedited_denied", "acknowledged_on_time", "acknowledged_late",
          "resolved", "resolved_timely", "resolved_late", "extended", "extended_by_enrollee", "extended_by_plan",
          "upheld", "overturned", "partially_overturned", "withdrawn", "active")
REVIEW_COUNTS = ("requested", "decided", "upheld", "overturned", "partially_overturned", "withdrawn", "other",
                 "pending")
REASON_COUNTS = ("received", "resolved", "resolved_timely", "resolved_late")
APPEALS = ("appeal_standard", "appeal_expedited")

REASONS = {  # Liaison's category of a grievance -> the MCPAR's reason (D1.IV.16), where one is the other
    "access_to_care": ("D1.IV.16c", "Resolved grievances related to access to care/services from plan or provider"),
    "quality_of_care": ("D1.IV.16d", "Resolved grievances related to quality of care"),
    "claims_billing": ("D1.IV.16f", "Resolved grievances related to payment or billing issues"),
    "fraud_waste_abuse": ("D1.IV.16g", "Resolved grievances related to suspected fraud"),
    "other": ("D1.IV.16k", "Resolved grievances related to other"),
}

Row = dict[str, Any]


@dataclass(frozen=True)
class Item:
    """One MCPAR item of one MCO: its number, its name as the template has it, and Liaison's figure."""

    mco: str
    item: str
    name: str
    value: int


def share(part: int, other: int) -> float | None:
    return part / (part + other) if part + other else None


def type_rows(found: Iterable[Mapping[str, Any]]) -> list[Row]:
    """Every type for every MCO found, in MCO then `TYPES` order, zeros where none; with `share_timely`."""
    by_key = {(r["mco"], r["type"]): r for r in found}
    rows = []
    for mco in sorted({mco for mco, _ in by_key}):
        for kind in TYPES:
            got = by_key.get((mco, kind), {})
            counts = {name: int(got.get(name) or 0) for name in COUNTS}
            rows.append({"mco": mco, "type": kind, **counts,
                         "share_timely": share(counts["resolved_timely"], counts["resolved_late"]),
                         "median_days_to_resolve": got.get("median_days_to_resolve")})
    return rows


def reason_rows(found: Iterable[Mapping[str, Any]]) -> list[Row]:
    rows = [{"mco": r["mco"], "category": r["category"] or "none", **{n: int(r[n]) for n in REASON_COUNTS}}
            for r in found]
    return sorted(rows, key=lambda r: (r["mco"], -r["received"], -r["resolved"], r["category"]))


def review_rows(found: Iterable[Mapping[str, Any]]) -> list[Row]:
    rows = [{"mco": r["mco"], "level": r["level"], **{n: int(r[n]) for n in REVIEW_COUNTS}} for r in found]
    return sorted(rows, key=lambda r: (r["mco"], r["level"]))


def mcpar_items(types: Sequence[Row], reasons: Sequence[Row], levels: Sequence[Row]) -> list[Item]:
    """The MCPAR items Liaison holds, per MCO, in the template's order."""
    items: list[Item] = []
    for mco in sorted({r["mco"] for r in (*types, *reasons, *levels)}):
        of = {r["type"]: r for r in types if r["mco"] == mco}
        zero = dict.fromkeys(COUNTS, 0)
        appeals = {name: sum(of.get(kind, zero)[name] for kind in APPEALS) for name in COUNTS}
        review = {r["level"]: r for r in levels if r["mco"] == mco}
        nothing = dict.fromkeys(REVIEW_COUNTS, 0)
        hearing, external = review.get("state_fair_hearing", nothing), review.get("external_medical_review", nothing)
        grievance = of.get("grievance", zero)
        by_reason: dict[str, int] = {}
        for r in reasons:
            if r["mco"] == mco and r["category"] in REASONS:
                by_reason[r["category"]] = by_reason.get(r["category"], 0) + r["resolved"]
        listed = [
            ("D1.IV.1", "Appeals resolved (at the plan level)", appeals["resolved"]),
            ("D1.IV.1a", "Appeals denied", appeals["upheld"]),
            ("D1.IV.1b", "Appeals resolved in partial favor of enrollee", appeals["partially_overturned"]),
            ("D1.IV.1c", "Appeals resolved in favor of enrollee", appeals["overturned"]),
            ("D1.IV.2", "Active appeals", appeals["active"]),
            ("D1.IV.5a", "Standard appeals for which timely resolution was provided",
             of.get("appeal_standard", zero)["resolved_timely"]),
            ("D1.IV.5b", "Expedited appeals for which timely resolution was provided",
             of.get("appeal_expedited", zero)["resolved_timely"]),
            ("D1.IV.8a", "State Fair Hearing requests", hearing["requested"]),
            ("D1.IV.8b", "State Fair Hearings resulting in a favorable decision for the enrollee",
             hearing["overturned"] + hearing["partially_overturned"]),
            ("D1.IV.8c", "State Fair Hearings resulting in an adverse decision for the enrollee", hearing["upheld"]),
            ("D1.IV.8d", "State Fair Hearings retracted prior to reaching a decision", hearing["withdrawn"]),
            ("D1.IV.9a", "External Medical Reviews resulting in a favorable decision for the enrollee",
             external["overturned"] + external["partially_overturned"]),
            ("D1.IV.9b", "External Medical Reviews resulting in an adverse decision for the enrollee",
             external["upheld"]),
            ("D1.IV.10", "Grievances resolved", grievance["resolved"]),
            ("D1.IV.11", "Active grievances", grievance["active"]),
            ("D1.IV.14", "Number of grievances for which timely resolution was provided", grievance["resolved_timely"]),
            *((item, name, by_reason.get(category, 0)) for category, (item, name) in REASONS.items()),
        ]
        items += [Item(mco, item, name, value) for item, name, value in sorted(listed, key=lambda i: order(i[0]))]
    return items


def order(item: str) -> tuple[int, str]:
    """`D1.IV.5a` -> (5, "a"): the template's order."""
    number = item.removeprefix("D1.IV.")
    digits = "".join(c for c in number if c.isdigit())
    return int(digits), number[len(digits):]


def report(types: Iterable[Mapping[str, Any]], reasons: Iterable[Mapping[str, Any]],
           levels: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The report as JSON: `rows` (per MCO and type), `reasons` (grievances per MCO and category), `reviews`
    (per MCO and level beyond the plan) and `mcpar` (the MCPAR items per MCO)."""
    rows, by_reason, by_level = type_rows(types), reason_rows(reasons), review_rows(levels)
    return {"rows": rows, "reasons": by_reason, "reviews": by_level,
            "mcpar": [asdict(item) for item in mcpar_items(rows, by_reason, by_level)]}
