"""The drill offset moves every process's business clock, and a bad value is refused at start."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from liaison_shared import clock

PRINT_NOW = "from liaison_shared import clock; print(clock.now().isoformat())"


def run_with_offset(value: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, clock.OFFSET_VARIABLE: value}
    return subprocess.run([sys.executable, "-c", PRINT_NOW], env=env, capture_output=True, text=True, timeout=60)


def test_offset_shifts_now_in_a_new_process() -> None:
    before = datetime.now(UTC)
    shifted = datetime.fromisoformat(run_with_offset("86400").stdout.strip())
    after = datetime.now(UTC)
    assert before + timedelta(days=1) <= shifted <= after + timedelta(days=1)


def test_negative_offset_moves_back() -> None:
    shifted = datetime.fromisoformat(run_with_offset("-3600.5").stdout.strip())
    assert shifted < datetime.now(UTC) - timedelta(minutes=59)


def test_bad_offset_is_refused_with_the_variable_named() -> None:
    result = run_with_offset("tomorrow")
    assert result.returncode != 0
    assert "LIAISON_CLOCK_OFFSET_SECONDS must be a number of seconds" in result.stderr


def test_without_offset_now_is_real_time() -> None:
    assert clock.OFFSET == timedelta(0) or clock.OFFSET_VARIABLE in os.environ
    assert abs(clock.now() - datetime.now(UTC) - clock.OFFSET) < timedelta(seconds=1)
