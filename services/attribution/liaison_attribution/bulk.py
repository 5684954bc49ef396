"""Bulk files (CSV or Parquet) in, validated rows out, with a report of the
rows refused and why (field and reason, never the value: it may be PHI)."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar, get_origin

import pyarrow.parquet as pq
from pydantic import ValidationError

from liaison_attribution.records import MODELS, Record

PARQUET_MAGIC = b"PAR1"
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


class UnreadableFile(ValueError):
    """The file is neither CSV with a header nor Parquet."""


def rows_of(content: IO[bytes], required: Sequence[str] = ()) -> Iterator[dict[str, Any]]:
    """The file's rows as dicts; Parquet if it starts with the Parquet magic, else UTF-8 CSV.
    `content` is a seekable binary file (an upload spooled to disk); a file without one of the
    `required` columns is unreadable as a whole."""
    magic = content.read(4)
    content.seek(0)
    if magic == PARQUET_MAGIC:
        try:
            table = pq.read_table(content)
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise UnreadableFile(f"not a readable Parquet file ({type(exc).__name__})") from None
        _check_columns(table.column_names, required)
        for batch in table.to_batches(max_chunksize=10_000):
            yield from batch.to_pylist()
        return
    text = io.TextIOWrapper(content, encoding="utf-8-sig", newline="")
    try:
        reader = csv.DictReader(text)
        if not reader.fieldnames:
            raise UnreadableFile("the CSV has no header row")
        _check_columns(reader.fieldnames, required)
        for row in reader:
            yield {k: (v if v != "" else None) for k, v in row.items() if k is not None}
    except UnicodeDecodeError:
        raise UnreadableFile("not UTF-8 CSV or Parquet") from None
    except csv.Error:
        raise UnreadableFile(f"not readable CSV from line {reader.line_num}") from None
    finally:
        text.detach()


def _check_columns(columns: Sequence[str], required: Sequence[str]) -> None:
    missing = [name for name in required if name not in columns]
    if missing:
        raise UnreadableFile(f"missing columns: {', '.join(missing)}")


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
