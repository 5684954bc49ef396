"""The care-coordination forms as the console's pages send them (text fields, times in the program's zone)
turned into care coordination's request bodies, and its refusals turned back into the names of the fields
to show them beside. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

STEP_ROWS = 3
"""Next-step rows a decision form offers (empty rows are left out)."""
CARE_MANAGER_ROWS = ("plan", "practice")
"""One care-manager row per organisation."""


class FormRefused(ValueError):
    """A field the page's own checks refuse before asking care coordination (field name, reason)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason


def instant(fields: dict[str, str], name: str, zone: tzinfo, now: datetime) -> str:
    """A `datetime-local` field read in the program's zone (empty: now), as an ISO instant."""
    text = fields.get(name, "").strip()
    if not text:
        return now.isoformat()
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        raise FormRefused(name, "is not a date and time") from None
    return (local if local.tzinfo else local.replace(tzinfo=zone)).isoformat()


def decision_body(fields: dict[str, str]) -> dict[str, Any]:
    """A decision form's fields as a DecisionRequest: the plan's monitor status only when the practice leads,
    the next-step and care-manager rows that were filled in."""
    lead = fields.get("lead", "")
    body: dict[str, Any] = {"medicaid_id": fields.get("medicaid_id", ""), "lead": lead,
                            "engaged": fields.get("engaged", "yes") == "yes",
                            "goal_state": fields.get("goal_state") or "in_progress"}
    if lead == "practice":
        body["plan_monitor_status"] = fields.get("plan_monitor_status") or None
    if fields.get("goal", "").strip():
        body["goal"] = fields["goal"].strip()
    steps, managers = [], []
    for row in filled_rows(fields)[0]:
        action, responsible, on = (fields.get(f"step{row}_{part}", "").strip()
                                   for part in ("action", "responsible", "report_back_on"))
        steps.append({"action": action, "responsible": responsible or lead, "report_back_on": on})
    body["next_steps"] = steps
    for organisation in filled_rows(fields)[1]:
        name = fields[f"{organisation}_cm_name"].strip()
        if name:
            manager = {"organisation": organisation, "name": name}
            for part in ("phone", "email"):
                if fields.get(f"{organisation}_cm_{part}", "").strip():
                    manager[part] = fields[f"{organisation}_cm_{part}"].strip()
            managers.append(manager)
    body["care_managers"] = managers
    return body


def filled_rows(fields: dict[str, str]) -> tuple[list[int], list[str]]:
    """The next-step rows (their numbers) and care-manager rows (their organisations) filled in, in order: the
    body's lists hold these, so a refusal of `next_steps.0` is the first filled row's."""
    steps = [row for row in range(1, STEP_ROWS + 1)
             if fields.get(f"step{row}_action", "").strip() or fields.get(f"step{row}_report_back_on", "").strip()]
    managers = [o for o in CARE_MANAGER_ROWS if fields.get(f"{o}_cm_name", "").strip()]
    return steps, managers


DECISION_FIELDS = ("medicaid_id", "lead", "plan_monitor_status", "goal", "goal_state", "engaged")


def form_field(api_field: str, reason: str, steps: Sequence[int] = (), managers: Sequence[str] = ()) -> str:
    """The form field a refusal names: `next_steps.0.action` is the first filled step row's action,
    `care_managers.0.email` the first filled care-manager row's; a model check's reason that starts with a
    field's name is that field."""
    parts = [p for p in api_field.split(".") if p not in ("body", "")]
    if len(parts) >= 3 and parts[0] == "next_steps" and parts[1].isdigit() and int(parts[1]) < len(steps):
        return f"step{steps[int(parts[1])]}_{parts[2]}"
    if len(parts) >= 3 and parts[0] == "care_managers" and parts[1].isdigit() and int(parts[1]) < len(managers):
        return f"{managers[int(parts[1])]}_cm_{parts[2]}"
    for name in DECISION_FIELDS:
        if reason.split(":")[0].strip().endswith(name) or (parts and parts[-1] == name):
            return name
    return parts[-1] if parts else ""


def form_errors(errors: list[dict[str, str]], fields: dict[str, str] | None = None) -> list[dict[str, str]]:
    """Care coordination's refusals with each field named as the form names it (a model check's reason without
    pydantic's `Value error, ` and the field's name it begins with)."""
    steps, managers = filled_rows(fields or {})
    found = []
    for error in errors:
        reason = error.get("reason", "").removeprefix("Value error, ")
        field = form_field(error.get("field", ""), reason, steps, managers)
        if field and reason.startswith(f"{field}: "):
            reason = reason.removeprefix(f"{field}: ")
        found.append({**error, "field": field, "reason": reason})
    return found
