"""How a clock is shown: its state (in words as well as colour), the business time left or by how
much it is late, and its due time in the program's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from liaison_shared.calendar import BusinessCalendar

CLOCK_WORDS = {
    "originator_contacted": "Call back the originator", "mco_referral": "Refer to the MCO",
    "mco_contacts_member": "MCO contacts the member", "mco_contacts_provider": "MCO contacts the provider",
    "mco_silence": "MCO reports back", "liaison_follow_up": "Liaison follows up",
    "mco_follow_up": "Follow up the MCO", "unit_lead_callback": "Unit lead calls back",
}
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


def clock_view(*, clock: str, state: str, warn_at: datetime, due_at: datetime, ended_at: datetime | None,
               now: datetime, calendar: BusinessCalendar) -> ClockView:
    shown = shown_state(state, warn_at, due_at, now)
    local = calendar.local(due_at).strftime("%a %b %d %H:%M %Z")
    if shown in ("met", "stopped"):
        when = calendar.local(ended_at).strftime("%a %H:%M") if ended_at is not None else ""
        time_text = f"{STATE_WORDS[shown].lower()} {when}".strip()
    elif shown == "breached":
        time_text = f"{business_duration(calendar.business_time_between(due_at, now))} late" if now > due_at \
            else "late"
    else:
        time_text = f"{business_duration(calendar.business_time_between(now, due_at))} left"
    return ClockView(clock=clock, label=CLOCK_WORDS.get(clock, clock.replace("_", " ").capitalize()), state=shown,
                     state_words=STATE_WORDS[shown], time_text=time_text, due_local=local, due_at=due_at,
                     warn_at=warn_at)
