"""Tabular files in: a CSV (UTF-8, with a header row) or a Parquet file, read as rows of dicts, whichever was
sent. Errors say what is wrong with the file, never a cell's value (it may be PHI)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import IO, Any

import pyarrow.parquet as pq

PARQUET_MAGIC = b"PAR1"


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
