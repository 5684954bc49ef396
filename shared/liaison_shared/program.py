"""The program's configuration, the same for every service: its business calendar
(time zone, hours, holidays and recurring holiday rules).

`LIAISON_PROGRAM_FILE` names the file (default: `program.yaml` beside this
module); it is read once per process and validated at start, and every process
of a deployment must be given the same file.
"""

from __future__ import annotations

import datetime as dt
import os
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints

from liaison_shared.calendar import BusinessCalendar, CalendarConfig
from liaison_shared.config_files import ConfigError, load_config

FILE_VARIABLE = "LIAISON_PROGRAM_FILE"
DEFAULT_FILE = Path(__file__).with_name("program.yaml")


class ProgramError(ConfigError):
    """The program file cannot be used."""


def _strict_calendar(value: object) -> object:
    if isinstance(value, dict):
        if unknown := sorted(map(str, value.keys() - CalendarConfig.model_fields.keys())):
            raise ValueError(f"unknown keys {unknown} (expected {', '.join(CalendarConfig.model_fields)})")
        # YAML 1.1 reads an unquoted 17:00 as the integer 1020, which would become 00:17:00.
        if untimely := [key for key in ("opens", "closes") if not isinstance(value.get(key, ""), str | dt.time)]:
            raise ValueError(f"write {' and '.join(untimely)} as a quoted 'HH:MM' string")
    return value


class ProgramConfig(BaseModel):
    """The schema of a program file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    calendar: Annotated[CalendarConfig, BeforeValidator(_strict_calendar)]


def load_program(path: Path | None = None) -> ProgramConfig:
    """Read and validate the program file (`path`, else `LIAISON_PROGRAM_FILE`, else the default)."""
    chosen = path or Path(os.environ.get(FILE_VARIABLE) or DEFAULT_FILE)
    return load_config(chosen, ProgramConfig, error=ProgramError)


@cache
def program_calendar() -> BusinessCalendar:
    """The program's business calendar, from the program file this process was given."""
    return BusinessCalendar(load_program().calendar)
