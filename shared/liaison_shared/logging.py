"""Structured JSON logging with PHI redaction (stdlib ``logging`` only).

One JSON object per line on stderr; the formatter redacts the message and every ``extra`` value.
Masking only catches shaped identifiers (phones, IDs, SSNs, e-mails): never put names or free text
in a message; pass them under a PHI key (see ``PHI_FIELDS``) if at all.

An exception is logged by its type and its frames only, never its message: a database error's
message carries the statement's bound parameters, a validation error's the submitted values.
The request pipeline's correlation id is added to every line logged while a request is handled.
"""

from __future__ import annotations

import contextvars
import dataclasses
import json
import logging
import re
import sys
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import IO, Any

__all__ = [
    "CORRELATION_ID", "PHI_FIELDS", "REDACTED", "JsonFormatter", "configure_logging", "error_kind", "frames_only",
    "get_logger", "is_phi_key", "redact",
]

REDACTED = "[REDACTED]"
CORRELATION_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)
"""The id of the request being handled (set by the request pipeline), on every line logged meanwhile."""

PHI_FIELDS = frozenset({
    "name", "member_name", "caller_name", "contact_name", "first_name", "last_name",
    "medicaid_id", "member_id_number", "phone", "callback_phone", "contact_phone",
    "description", "address", "dob", "date_of_birth", "ssn", "email", "notes",
    "summary", "text", "free_text",
})
# Provider identifiers, not patient data: a 10-digit value under these keys passes through.
NPI_FIELDS = frozenset({"npi", "provider_npi"})
NOISY_LOGGERS = ("aiokafka", "uvicorn.access", "httpx", "httpcore")
"""Quieted to warnings: chatty, and an HTTP client's request line names its URL, whose query may hold a
search for a member (the console searches intake by name or Medicaid ID)."""

_NPI = re.compile(r"\d{10}")
_KEY_SEP = re.compile(r"[\s.\-]+|(?<=[a-z0-9])(?=[A-Z])")
# One scanner, alternatives tried in order at each position. ``keep`` protects UUIDs
# and ISO timestamps (their digit runs would otherwise look like IDs).
_B, _E = r"(?<![A-Za-z0-9])", r"(?![A-Za-z0-9])"
_SCANNER = re.compile(
    r"(?P<keep>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)"
    rf"|(?P<SSN>{_B}\d{{3}}-\d{{2}}-\d{{4}}{_E})"
    r"|(?P<EMAIL>[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})"
    rf"|(?P<PHONE>(?:(?<![A-Za-z0-9+])\+?1[\s.\-]?|{_B})(?:\(\d{{3}}\)\s?|\d{{3}}[\s.\-]?)\d{{3}}[\s.\-]?\d{{4}}{_E})"
    rf"|(?P<ID>{_B}(?:\d{{7,9}}[A-Za-z]|\d{{9,}}){_E})"
)
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message", "asctime", "taskName",
}
_CORE_KEYS = ("ts", "level", "service", "logger", "message", "exc_type", "exc", "stack")


def _replace(match: re.Match[str]) -> str:
    kind = match.lastgroup
    return match.group() if kind == "keep" else f"[{kind}]"


def _mask(text: str) -> str:
    return _SCANNER.sub(_replace, text)


def is_phi_key(key: str) -> bool:
    """True if ``key`` names PHI: a ``PHI_FIELDS`` entry, alone or as an ``_``-delimited part.

    Case-insensitive; camelCase, dots, dashes and spaces are treated like underscores.
    """
    padded = "_" + _KEY_SEP.sub("_", key).lower() + "_"
    return any(f"_{field}_" in padded for field in PHI_FIELDS)


def redact(value: object, key: str | None = None) -> object:
    """Return a PHI-free copy of ``value`` (the input is never mutated).

    ``key`` is the field name ``value`` was found under: PHI keys are replaced
    wholesale by ``[REDACTED]``. Strings are pattern-masked; dicts, lists,
    tuples, sets, dataclasses and pydantic models are walked recursively;
    ``None``, bools and numbers are returned unchanged; anything else is
    converted with ``str()`` and masked.
    """
    if key is not None and is_phi_key(key):
        return REDACTED
    if key is not None and key.lower() in NPI_FIELDS and _NPI.fullmatch(str(value)):
        return value
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return _mask(value)
    if isinstance(value, Mapping):
        return {
            (_mask(k) if isinstance(k, str) else k): redact(v, k if isinstance(k, str) else None)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(item, key) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return redact(dataclasses.asdict(value), key)
    model_dump = getattr(value, "model_dump", None)
    if callable(model_dump):
        return redact(model_dump(mode="json"), key)
    return _mask(str(value))


class JsonFormatter(logging.Formatter):
    """Formats a record as one redacted JSON object (no trailing newline)."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record``; never caches unredacted text on the record."""
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for attr, value in record.__dict__.items():
            if attr not in _STANDARD_ATTRS:
                field = f"extra_{attr}" if attr in _CORE_KEYS else attr
                payload[field] = redact(value, attr)
        correlation_id = CORRELATION_ID.get()
        if correlation_id is not None and "correlation_id" not in payload:
            payload["correlation_id"] = correlation_id
        if record.exc_info and record.exc_info[0] is not None:
            payload["exc_type"] = record.exc_info[0].__name__
            payload["exc"] = frames_only(record.exc_info[1])
        if record.stack_info:
            payload["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(payload, default=lambda o: _mask(str(o)), ensure_ascii=False)


def error_kind(error: BaseException) -> str:
    """What failed, safe to log or to put in a dead letter: the type, and a database error's SQLSTATE."""
    sqlstate = getattr(getattr(error, "orig", None), "sqlstate", None) or getattr(error, "sqlstate", None)
    return f"{type(error).__name__} (SQLSTATE {sqlstate})" if sqlstate else type(error).__name__


def frames_only(error: BaseException | None) -> str:
    """A traceback of ``error`` and its causes that names types and frames, never a message."""
    parts: list[str] = []
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        parts.append(_frames(type(error).__name__, error.__traceback__))
        error = error.__cause__ or error.__context__
    return "\n-- caused by or during --\n".join(reversed(parts))


def _frames(name: str, tb: TracebackType | None) -> str:
    lines = [f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}'
             for frame in traceback.extract_tb(tb)]
    return "\n".join(["Traceback (most recent call last):", *lines, name])


class _LiaisonHandler(logging.StreamHandler[IO[str]]):
    """Marker type so ``configure_logging`` can find and replace its own handler."""

    def handleError(self, record: logging.LogRecord) -> None:
        """Report a failed emit without echoing the record (its args may hold PHI)."""
        error = sys.exc_info()[1]
        sys.stderr.write(f"--- Logging error ({type(error).__name__}) at {record.name}:{record.lineno}\n")


def configure_logging(service: str, level: str = "INFO", stream: IO[str] | None = None) -> None:
    """Install the JSON handler on the root logger (stderr unless ``stream`` is given).

    Idempotent: a handler installed by an earlier call is replaced, never
    duplicated; handlers installed by others are left alone. Also sets the root
    level and quiets ``NOISY_LOGGERS`` to WARNING.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _LiaisonHandler)]:
        root.removeHandler(handler)
    handler = _LiaisonHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def get_logger(name: str) -> logging.Logger:
    """Return the stdlib logger ``name`` (records flow to the root JSON handler)."""
    return logging.getLogger(name)
