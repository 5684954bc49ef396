"""Tests for liaison_shared.logging: JSON output and PHI redaction.

All "PHI" here is obviously fake (555 numbers, Testmember names, example.org).
Assertions never print captured output, only indices or booleans.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from liaison_shared.logging import (
    PHI_FIELDS,
    REDACTED,
    JsonFormatter,
    configure_logging,
    get_logger,
    redact,
)

NAME = "Jane Testmember"
PHONE = "515-555-0134"
MEDICAID_ID = "1234567A"
SSN = "123-45-6789"
EMAIL = "jane.testmember@example.org"
ADDRESS = "123 Fake Street, Testville IA"
UUID = "0b7e7c7e-1d2b-4c1e-9a0e-3f1f6b0a9c11"
TIMESTAMP = "2024-05-01T12:34:56.789+00:00"
NPI = "1234567893"
RAW_PHI = [NAME, PHONE, MEDICAID_ID, SSN, EMAIL, ADDRESS, "5155550134", "(515) 555-0134", "555-0134"]


def _record(
    msg: str, *args: object, extra: dict[str, Any] | None = None, exc: bool = False
) -> logging.LogRecord:
    exc_info = sys.exc_info() if exc else None
    record = logging.LogRecord("liaison.test", logging.INFO, __file__, 1, msg, args or None, exc_info)
    for key, value in (extra or {}).items():
        setattr(record, key, value)
    return record


def _format(msg: str, *args: object, **kwargs: Any) -> dict[str, Any]:
    line = JsonFormatter("intake").format(_record(msg, *args, **kwargs))
    assert "\n" not in line
    parsed: dict[str, Any] = json.loads(line)
    return parsed


def _leaked(text: str) -> list[int]:
    """Indices of RAW_PHI literals found in ``text`` (indices only, so failures print no PHI)."""
    return [i for i, literal in enumerate(RAW_PHI) if literal in text]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name in ("aiokafka", "uvicorn.access"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def test_output_is_json_with_expected_keys() -> None:
    out = _format("escalation %s received", "created")
    assert set(out) == {"ts", "level", "service", "logger", "message"}
    assert out["level"] == "INFO"
    assert out["service"] == "intake"
    assert out["logger"] == "liaison.test"
    assert out["message"] == "escalation created received"
    ts = datetime.fromisoformat(out["ts"])
    assert ts.utcoffset() is not None and ts.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_member_name_extra_is_redacted() -> None:
    out = _format("member looked up", extra={"member_name": NAME, "escalation_id": UUID})
    assert out["member_name"] == REDACTED
    assert out["escalation_id"] == UUID


@pytest.mark.parametrize(
    "key",
    ["member_name", "Member_Name", "CALLER_NAME", "callback_phone", "phone_number", "memberName",
     "member.dob", "ssn_last4", "case_notes", "free_text"],
)
def test_phi_keys_are_redacted_wholesale(key: str) -> None:
    assert redact({"nested": "ok", "x": 1}, key) == REDACTED
    assert _format("m", extra={key: NAME})[key] == REDACTED


def test_every_phi_field_is_redacted() -> None:
    assert redact({field: NAME for field in PHI_FIELDS}) == {field: REDACTED for field in PHI_FIELDS}


def test_phone_and_medicaid_id_in_message_are_masked() -> None:
    out = _format("callback %s for member %s", PHONE, MEDICAID_ID)
    assert out["message"] == "callback [PHONE] for member [ID]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call 515-555-0134 today", "call [PHONE] today"),
        ("call (515) 555-0134 today", "call [PHONE] today"),
        ("call 5155550134 today", "call [PHONE] today"),
        ("call +1 515 555 0134 today", "call [PHONE] today"),
        ("call 515.555.0134.", "call [PHONE]."),
        ("id 1234567A.", "id [ID]."),
        ("id 123456789A", "id [ID]"),
        ("id 123456789", "id [ID]"),
        ("ssn 123-45-6789", "ssn [SSN]"),
        ("write to jane.testmember@example.org", "write to [EMAIL]"),
    ],
    ids=["dashed", "parens", "bare", "intl", "dotted", "id8", "id10", "digits9", "ssn", "email"],
)
def test_free_text_patterns_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_nested_extras_are_redacted() -> None:
    payload = {
        "contacts": [{"contact_name": NAME, "contact_phone": PHONE, "role": "guardian"}, f"alt {PHONE}"],
        "member": {"address": {"line1": ADDRESS}, "plan": "IA-Health-Link", "ids": (MEDICAID_ID, 7)},
    }
    out = _format("intake payload", extra={"payload": payload})
    assert out["payload"] == {
        "contacts": [
            {"contact_name": REDACTED, "contact_phone": REDACTED, "role": "guardian"},
            "alt [PHONE]",
        ],
        "member": {"address": REDACTED, "plan": "IA-Health-Link", "ids": ["[ID]", 7]},
    }
    assert payload["contacts"][0] == {"contact_name": NAME, "contact_phone": PHONE, "role": "guardian"}  # type: ignore[index]


def test_exception_text_is_masked() -> None:
    try:
        raise ValueError(f"no member with callback {PHONE}")
    except ValueError:
        out = _format("lookup failed", exc=True)
    assert out["exc_type"] == "ValueError"
    assert out["exc"].endswith("\nValueError")  # the type and the frames; never the message
    assert "in test_exception_text_is_masked" in out["exc"]
    assert "no member with callback" not in out["exc"]
    assert _leaked(json.dumps(out)) == []


def test_safe_values_pass_through() -> None:
    extra = {
        "escalation_id": UUID,
        "received_at": TIMESTAMP,
        "npi": NPI,
        "provider_npi": int(NPI),
        "event_type": "escalation.created",
        "status_code": 404,
        "attempt": 3,
        "ok": True,
        "latency_ms": 12.5,
    }
    out = _format("event %s for %s at %s, HTTP %d", "escalation.created", UUID, TIMESTAMP, 503, extra=extra)
    assert out["message"] == f"event escalation.created for {UUID} at {TIMESTAMP}, HTTP 503"
    for key, value in extra.items():
        assert out[key] == value, key


def test_npi_key_does_not_shelter_other_values() -> None:
    assert redact(f"{NAME} {PHONE}", key="npi") == f"{NAME} [PHONE]"


def test_extras_cannot_override_core_keys() -> None:
    out = _format("m", extra={"service": "spoofed", "level": PHONE})
    assert out["service"] == "intake"
    assert out["extra_service"] == "spoofed"
    assert out["extra_level"] == "[PHONE]"


def test_configure_logging_is_idempotent(restore_logging: None) -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging("triage", "debug", stream=first)
    configure_logging("triage", "DEBUG", stream=second)
    ours = [h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter)]
    assert len(ours) == 1
    assert logging.getLogger().level == logging.DEBUG
    assert logging.getLogger("aiokafka").level == logging.WARNING
    assert logging.getLogger("uvicorn.access").level == logging.WARNING
    get_logger("liaison.triage").debug("scored %s", "escalation.created", extra={"score": 7})
    assert first.getvalue() == ""
    lines = second.getvalue().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["score"] == 7


def test_no_raw_phi_in_any_output(restore_logging: None) -> None:
    stream = io.StringIO()
    configure_logging("notifier", stream=stream)
    log = get_logger("liaison.notifier")
    log.info("paging member at %s", PHONE)
    log.info("member %s ssn %s email %s", MEDICAID_ID, SSN, EMAIL)
    log.warning("callbacks", extra={"phones": ["5155550134", "(515) 555-0134"], "caller_name": NAME})
    log.info("payload", extra={"payload": {"items": [{"address": ADDRESS, "note": f"call {PHONE}"}]}})
    try:
        raise RuntimeError(f"send failed for {EMAIL} / {PHONE} / {MEDICAID_ID}")
    except RuntimeError:
        log.exception("notify failed")
    output = stream.getvalue()
    assert len(output.splitlines()) == 5
    assert all(isinstance(json.loads(line), dict) for line in output.splitlines())
    assert _leaked(output) == []
    assert "Testmember" not in output
