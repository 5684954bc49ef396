"""The SLA policy: the escalation clocks of every (track, priority), a versioned YAML file, loaded and
checked at start.

A policy file has a `version` and `rows` (business time counts on the program's calendar): a `track`, its
`priorities` and their `clocks` (empty: no clocks). A clock starts on a signal, or on
`breach:<name>` of another clock of its row (a follow-up); it is due at its `deadline` (exactly one
of business_hours, business_days, end_of_business_day, calendar_hours, calendar_days, scheduled_date) from
that instant (a `scheduled_date` one: on the date the case was given, e.g. a report-back date), is met by
any `met_by` signal and warns at its `warning`, else after `warning_fraction` of the time to the
deadline (`rules.deadlines` counts them).

Loading refuses unknown keys and values, pairs covered by no row or by two, duplicate clock names,
`breach:` to no clock, to itself or in a cycle, and warnings later than their deadline, naming the
file and the location of each problem (`policy.yaml: rows[3].clocks[1].starts_on: ...`).
"""

from __future__ import annotations

import re
from enum import StrEnum
from itertools import product
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from liaison_shared.calendar import BusinessCalendar
from liaison_shared.config_files import ConfigError, Problem, load_config
from liaison_shared.program import program_calendar
from liaison_shared.vocabulary import Priority, Queue, Track

DEFAULT_POLICY = Path(__file__).with_name("policy.yaml")
BREACH = "breach:"


class Signal(StrEnum):
    """What happened to an inquiry, as far as its clocks are concerned: starts and meets them."""

    TRIAGED = "triaged"
    CONTACT_REACHED = "contact_reached"
    CONTACT_ATTEMPTED = "contact_attempted"
    MCO_CONTACTED = "mco_contacted"
    MCO_REPORTED_CONTACT = "mco_reported_contact"
    MCO_REPORTED = "mco_reported"
    UPDATE_RECORDED = "update_recorded"
    RESOLVED = "resolved"
    PCP_ASSIGNED = "pcp_assigned"
    HELD_FOR_REVIEW = "held_for_review"  # a panel removal waits for compliance review
    OUTREACH_OPENED = "outreach_opened"  # a panel removal may be worked: at once, or when its hold is released
    ACKNOWLEDGMENT_SENT = "acknowledgment_sent"  # a grievance's or an appeal's acknowledgment notice
    EXTENSION_NOTICE_SENT = "extension_notice_sent"  # written notice of a plan-initiated extension
    DENIAL_NOTICE_SENT = "denial_notice_sent"  # written notice that expedited resolution was denied
    EXPEDITED_DENIED = "expedited_denied"  # the plan denied an appeal's request for expedited resolution
    PLAN_EXTENDED = "plan_extended"  # the plan extended a resolution deadline (not the enrollee's request)
    # Care coordination between plan and practice (care-coordination's events; each item is its own case)
    REPORT_BACK_AGREED = "report_back_agreed"  # a next step with a report-back date, agreed at a conference
    CONFERENCE_HELD = "conference_held"  # a case conference of plan and practice took place
    SUMMARY_SENT = "summary_sent"  # the plan sent the conference's summary to the practice
    TRACKING_STARTED = "tracking_started"  # an unengaged patient went on the tracking list
    DISCHARGED = "discharged"  # a hospital discharged the patient (the instant of the discharge)
    CALLBACK_REQUESTED = "callback_requested"  # the patient asked to be called back


class PolicyError(ConfigError):
    """The policy cannot be used; the message names the file and the location of every problem."""


_SNAKE_CASE = r"[a-z][a-z0-9]*(_[a-z0-9]+)*"


def _starts_on(value: object) -> Signal | str:
    if isinstance(value, str) and re.fullmatch(f"{BREACH}{_SNAKE_CASE}", value):
        return value
    if isinstance(value, str) and value in frozenset(Signal):
        return Signal(value)
    raise ValueError(f"expected a signal ({', '.join(Signal)}) or '{BREACH}<snake_case clock name>'")


def _non_empty(values: tuple[Any, ...]) -> tuple[Any, ...]:
    # Not Field(min_length=1): pydantic would add a length error under every bad item.
    if not values:
        raise ValueError("give at least one")
    return values


_Note = Annotated[str, Field(pattern=r"\S")]
_Hours = Annotated[float, Field(gt=0, strict=True, allow_inf_nan=False)]


class _Strict(BaseModel):
    # A misspelt key would otherwise be ignored and a clock would silently keep its default.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Target(_Strict):
    """How far from its anchor an instant falls: exactly one of the six units is given. `calendar_days`
    is the end of the N-th local calendar day after the anchor's (42 CFR 438's "N calendar days");
    `scheduled_date` is the end of the date the case was scheduled for (a report-back date agreed by
    people): `calendar`, its local midnight; `business`, the close of that business day (or of the next one,
    when the date is not a business day)."""

    business_hours: _Hours | None = None
    business_days: _Hours | None = None
    end_of_business_day: Annotated[int, Field(ge=0, strict=True)] | None = None
    calendar_hours: _Hours | None = None
    calendar_days: Annotated[int, Field(ge=1, strict=True)] | None = None
    scheduled_date: Literal["calendar", "business"] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Target:
        given = sorted(self.model_dump(exclude_none=True))
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(type(self).model_fields)} (got {given or 'none'})")
        return self

    @property
    def unit(self) -> str:
        """The name of the one unit given, e.g. ``business_hours``."""
        return next(iter(self.model_dump(exclude_none=True)))

    @property
    def counts_business_time(self) -> bool:
        """Whether the target counts the program's business hours (else elapsed, calendar time)."""
        return self.unit in ("business_hours", "business_days", "end_of_business_day") or \
            self.scheduled_date == "business"


class ClockSpec(_Strict):
    """One named clock of a row: when it starts, when it warns and is due, what meets it."""

    name: Annotated[str, Field(pattern=f"^{_SNAKE_CASE}$")]
    starts_on: Annotated[Signal | str, BeforeValidator(_starts_on)]
    deadline: Target
    warning: Target | None = None
    warning_fraction: float = Field(0.75, gt=0, le=1, strict=True)
    met_by: Annotated[tuple[Signal, ...], AfterValidator(_non_empty)]
    queue: Queue | None = None
    restart_on_reopen: bool = Field(True, strict=True)
    note: _Note | None = None

    @model_validator(mode="after")
    def _warning_before_deadline(self) -> ClockSpec:
        if self.warning is not None and "warning_fraction" in self.model_fields_set:
            raise ValueError("give warning or warning_fraction, not both")
        unit, limit = self.deadline.unit, getattr(self.deadline, self.deadline.unit)
        if self.warning is not None and self.warning.scheduled_date is not None:
            raise ValueError("a warning cannot be a scheduled date: give a warning_fraction")
        if self.warning is not None and unit != "scheduled_date" and (getattr(self.warning, unit) or 0) > limit:
            raise ValueError(f"the warning ({unit} {getattr(self.warning, unit)}) is later than the deadline ({limit})")
        return self

    @property
    def breach_of(self) -> str | None:
        """For a follow-up clock, the name of the clock whose breach starts it; else None."""
        return self.starts_on.removeprefix(BREACH) if not isinstance(self.starts_on, Signal) else None


class Row(_Strict):
    """The clocks of one track at some priorities."""

    track: Track
    priorities: Annotated[tuple[Priority, ...], AfterValidator(_non_empty)]
    clocks: tuple[ClockSpec, ...]
    note: _Note | None = None


class PolicyConfig(_Strict):
    """The schema of a policy file."""

    version: _Note
    rows: tuple[Row, ...]


class Policy:
    """A checked policy: the clocks of every (track, priority), counted on the program's calendar."""

    def __init__(self, config: PolicyConfig, *, calendar: BusinessCalendar, origin: str = "policy") -> None:
        PolicyError.raise_if_any(origin, _problems(config))
        self.config = config
        self.version: str = config.version
        self.calendar = calendar
        self._clocks = {(row.track, priority): row.clocks for row in config.rows for priority in row.priorities}

    def clocks_for(self, track: Track, priority: Priority) -> tuple[ClockSpec, ...]:
        """The clocks an inquiry on ``track`` with ``priority`` carries, follow-ups included (may be empty)."""
        return self._clocks[(track, priority)]


def load_policy(path: Path = DEFAULT_POLICY, calendar: BusinessCalendar | None = None) -> Policy:
    """Read, validate and check the policy at ``path``; raise `PolicyError` listing every problem.
    Its clocks count on ``calendar`` (default: the program's, `liaison_shared.program`)."""
    return Policy(load_config(path, PolicyConfig, error=PolicyError), calendar=calendar or program_calendar(),
                  origin=str(path))


def _problems(config: PolicyConfig) -> list[Problem]:
    problems: list[Problem] = []
    covered: dict[tuple[Track, Priority], int] = {}
    for i, row in enumerate(config.rows):
        for j, priority in enumerate(row.priorities):
            if (row.track, priority) in covered:
                problems.append((f"rows[{i}].priorities[{j}]", f"track {row.track.value!r} with priority "
                                 f"{priority.value!r} is already covered by rows[{covered[(row.track, priority)]}]"))
            covered.setdefault((row.track, priority), i)
        problems += _row_problems(f"rows[{i}]", row)
    problems += [("rows", f"no row covers track {track.value!r} with priority {priority.value!r}")
                 for track, priority in product(Track, Priority) if (track, priority) not in covered]
    return problems


def _row_problems(where: str, row: Row) -> list[Problem]:
    problems: list[Problem] = []
    names = [clock.name for clock in row.clocks]
    for j, clock in enumerate(row.clocks):
        if (first := names.index(clock.name)) < j:
            problems.append((f"{where}.clocks[{j}].name",
                             f"duplicate clock name {clock.name!r} in this row (also clocks[{first}])"))
        target, chain = clock.breach_of, [clock.name]  # follow the breaches back: a cycle never starts
        while target is not None and target in names and target not in chain:
            chain.append(target)
            target = row.clocks[names.index(target)].breach_of
        if target is not None and target in chain:
            problems.append((f"{where}.clocks[{j}].starts_on", "a clock cannot start on its own breach"
                             if len(chain) == 1 else f"never starts: breach cycle {' -> '.join([*chain, target])}"))
        elif target is not None and len(chain) == 1:
            problems.append((f"{where}.clocks[{j}].starts_on", f"no clock named {target!r} in this row"))
    return problems
