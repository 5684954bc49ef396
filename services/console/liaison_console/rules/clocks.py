"""How a clock is shown: its state (in words as well as colour), the time left or by how much it is
late (business time, or calendar time for the clocks the policy counts in calendar days or hours),
whose obligation it is when the case went to several MCOs, and its due time in the program's time
zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from liaison_shared.calendar import BusinessCalendar

CLOCK_WORDS = {
    "originator_contacted": "Call back the originator", "mco_referral": "Refer to the MCO",
    "mco_contacts_member": "MCO contacts the member", "mco_contacts_provider": "MCO contacts the provider",
    "mco_silence": "MCO reports back", "liaison_follow_up": "Liaison follows up",
    "mco_follow_up": "Follow up the MCO", "unit_lead_callback": "Unit lead calls back",
    "acknowledged": "Acknowledge in writing", "resolution": "Resolve and notify",
    "extension_notice": "Written notice of the extension", "denial_oral_notice": "Oral notice of the denial",
    "denial_written_notice": "Written notice of the denial", "referral_reviewed": "Review the referral",
}
CALENDAR_CLOCKS = frozenset({
    ("grievance", "resolution"), ("grievance", "extension_notice"),
    ("appeal", "resolution"), ("appeal", "extension_notice"), ("appeal", "denial_oral_notice"),
    ("appeal", "denial_written_notice"),
    ("pcp_panel_removal", "member_reassigned"), ("care_transition", "discharge_follow_up"),
    ("care_transition", "member_callback"), ("care_coordination", "member_callback"),
    ("care_coordination", "discharge_follow_up"), ("care_coordination", "discharge_call_window"),
    ("care_coordination", "tracking_update"),
})
"""The (track, clock) pairs the SLA monitor's policy counts in calendar days or calendar hours (weekends
and holidays count): their time left is calendar time. The clock events do not say which unit a deadline
has; a test holds this set to sla-monitor's policy.yaml."""
STATE_WORDS = {"open": "On time", "warning": "Due soon", "breached": "Breached", "met": "Met", "stopped": "Stopped"}


@dataclass(frozen=True)
class ClockView:
    clock: str
    label: str
    state: str  # open, warning, breached, met, stopped
    state_words: str
    time_text: str  # "3h 20m left", "1h 05m late" (business time), "met Tue 10:04"
    due_local: str
    due_at: datetime
    warn_at: datetime
    mco: str | None = None  # the MCO whose obligation it times (a case referred to several)
    calendar_time: bool = False  # counted in calendar time, not business time

    @property
    def counts(self) -> str:
        return "Calendar time" if self.calendar_time else "Business time"


def shown_state(state: str, warn_at: datetime, due_at: datetime, now: datetime) -> str:
    """The state to show: what the SLA monitor said, or later by the clock if its word is still on the way
    (a clock past its warning time is shown as due soon, past its deadline as breached)."""
    if state in ("met", "stopped", "breached"):
        return state
    if now >= due_at:
        return "breached"
    if state == "warning" or now >= warn_at:
        return "warning"
    return "open"


def business_duration(delta: timedelta) -> str:
    """`2h 05m` of business time (hours and minutes; under a minute is `<1m`)."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "<1m"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


def calendar_duration(delta: timedelta) -> str:
    """`3 days 4h` of calendar time (days and hours; under a day as hours and minutes)."""
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86_400)
    if days < 1:
        return business_duration(delta)
    return f"{days} day{'' if days == 1 else 's'} {rest // 3600}h"


def counts_calendar_time(track: str | None, clock: str) -> bool:
    return (track, clock) in CALENDAR_CLOCKS


def clock_view(*, clock: str, state: str, warn_at: datetime, due_at: datetime, ended_at: datetime | None,
               now: datetime, calendar: BusinessCalendar, track: str | None = None,
               mco: str | None = None) -> ClockView:
    shown = shown_state(state, warn_at, due_at, now)
    in_calendar_time = counts_calendar_time(track, clock)

    def between(start: datetime, end: datetime) -> str:
        if in_calendar_time:
            return calendar_duration(max(end - start, timedelta(0)))
        return business_duration(calendar.business_time_between(start, end))

    local = calendar.local(due_at).strftime("%a %b %d %H:%M %Z")
    if shown in ("met", "stopped"):
        when = calendar.local(ended_at).strftime("%a %H:%M") if ended_at is not None else ""
        time_text = f"{STATE_WORDS[shown].lower()} {when}".strip()
    elif shown == "breached":
        time_text = f"{between(due_at, now)} late" if now > due_at else "late"
    else:
        time_text = f"{between(now, due_at)} left"
    label = CLOCK_WORDS.get(clock, clock.replace("_", " ").capitalize())
    return ClockView(clock=clock, label=f"{label} · {mco}" if mco else label, state=shown,
                     state_words=STATE_WORDS[shown], time_text=time_text, due_local=local, due_at=due_at,
                     warn_at=warn_at, mco=mco, calendar_time=in_calendar_time)
