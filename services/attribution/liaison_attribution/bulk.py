"""Bulk files (CSV or Parquet, read by `liaison_shared.tabular`) in, validated rows out, with a report of the
rows refused and why (field and reason, never the value: it may be PHI)."""

from __future__ import annotations

import itertools
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar, get_origin

from pydantic import ValidationError

from liaison_attribution.records import MODELS, Record
from liaison_shared.tabular import rows_of

MAX_REPORTED = 1000
T = TypeVar("T")


@dataclass
class Report:
    """What a bulk load did: rows read, rows accepted, and why the others were refused."""

    read: int = 0
    accepted: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    rejected_count: int = 0

    def refuse(self, row: int, errors: list[dict[str, str]]) -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_REPORTED:
            self.rejected.append({"row": row, "errors": errors})

    def unstored(self, row: int, field_name: str, reason: str) -> None:
        """A valid row that was not stored after all (e.g. its member is unknown)."""
        self.accepted -= 1
        self.refuse(row, [{"field": field_name, "reason": reason}])


def _listed(value: Any) -> Any:
    # Files carry a list as "a;b;c" (JSON bodies carry real lists).
    return [part.strip() for part in value.split(";") if part.strip()] if isinstance(value, str) else value


def _required(model: type[Record]) -> list[str]:
    return [name for name, f in model.model_fields.items() if f.is_required()]


def read_through(kind: str, content: IO[bytes]) -> None:
    """Read every row of a file of `kind` without validating it, then rewind: raises UnreadableFile if it
    cannot be read to the end."""
    for _ in rows_of(content, _required(MODELS[kind])):
        pass
    content.seek(0)


def in_chunks(items: Iterator[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of `size` (the last one shorter)."""
    while chunk := list(itertools.islice(items, size)):
        yield chunk


def validated(kind: str, content: IO[bytes], report: Report) -> Generator[tuple[int, Record], None, None]:
    """Valid records of `kind` from a file with their row numbers (from 1), counting the refused ones in
    `report`. A file without a column that every record needs is unreadable as a whole."""
    model = MODELS[kind]
    lists = {name for name, f in model.model_fields.items() if get_origin(f.annotation) is list}
    for number, row in enumerate(rows_of(content, _required(model)), start=1):
        report.read += 1
        try:
            record = model.model_validate({k: _listed(v) if k in lists else v for k, v in row.items()
                                           if v is not None}, strict=False)
        except ValidationError as invalid:
            report.refuse(number, [{"field": ".".join(str(p) for p in e["loc"]) or "row", "reason": e["msg"]}
                                   for e in invalid.errors()])
            continue
        report.accepted += 1
        yield number, record
