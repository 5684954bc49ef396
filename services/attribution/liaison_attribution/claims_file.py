"""Claim lines from a bulk file (CSV or Parquet), validated by column: the path for files of millions
of lines, where `bulk.validated("claims", ...)` spends ~15 µs a row in pydantic.

The contract is equivalence with `bulk.validated("claims", ...)`: the same rows accepted with the same
normalised values, and for every refused row the same fields refused with the same reasons (pydantic's
texts, never the value: it may be PHI). Rows the columnar reader cannot take as they are (a CSV row with
too few or too many cells, a Parquet column of an unexpected type) go through `ClaimRecord` itself.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
from pydantic import TypeAdapter, ValidationError

from liaison_attribution.bulk import Report
from liaison_attribution.records import ClaimRecord
from liaison_shared import clock
from liaison_shared.fields import CalendarDate
from liaison_shared.tabular import PARQUET_MAGIC, UnreadableFile

FIELDS = tuple(ClaimRecord.model_fields)  # medicaid_id, npi, service_date, procedure_code, place_of_service
SCHEMA = pa.schema([("row", pa.int64()), ("medicaid_id", pa.string()), ("npi", pa.string()),
                    ("service_date", pa.date32()), ("procedure_code", pa.string()),
                    ("place_of_service", pa.string())])
MIN_BLOCK_BYTES = 4 << 20  # a CSV row must fit in one block of the reader
HEADER_BYTES = 1 << 20  # where the CSV header is looked for
BOM = b"\xef\xbb\xbf"

# What str.strip() removes (the date field strips with it) and what pydantic's strip_whitespace removes
# (Rust's char::is_whitespace: the same, less the four ASCII information separators).
PYTHON_SPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
PYDANTIC_SPACE = PYTHON_SPACE.replace("\x1c\x1d\x1e\x1f", "")
# The letters whose str.upper() is one of A-Z: the Medicaid ID's letter is upper-cased before the check.
MEDICAID_ID = "^[0-9]{7}[A-Za-z\u0131\u017f]$"
NPI = "^[0-9]{10}$"
ISO_DATE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# The patterns of fixed width, byte by byte (D a digit, L an ASCII letter, U an upper-case letter or a digit):
# a field whose pattern in the model is not one of these is matched with the model's regex alone.
SHAPES = {MEDICAID_ID: "DDDDDDDL", NPI: "DDDDDDDDDD", ISO_DATE: "DDDD-DD-DD", "^[A-Z0-9]{5}$": "UUUUU",
          "^[0-9]{2}$": "DD"}
DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # a Luhn digit doubled, its digits summed
DOUBLED_BYTE = np.zeros(256, dtype=np.int16)  # the same, by the digit's ASCII byte
DOUBLED_BYTE[ord("0"):ord("9") + 1] = DOUBLED
NPI_PREFIX_SUM = sum(DOUBLED[int(d)] if (9 + i) % 2 == 0 else int(d) for i, d in enumerate(reversed("80840")))

MISSING = "Field required"
EXTRA = "Extra inputs are not permitted"
REASONS: dict[str, tuple[str, ...]] = {  # index 0: valid; the texts are the ones pydantic gives
    "medicaid_id": ("", MISSING, "Value error, must be 7 digits followed by a letter"),
    "npi": ("", MISSING, "Value error, must be exactly 10 digits", "Value error, NPI check digit does not match"),
    "service_date": ("", MISSING, "Value error, must be an ISO 8601 date (YYYY-MM-DD)",
                     "Input should be a valid date or datetime, month value is outside expected range of 1-12",
                     "Input should be a valid date or datetime, day value is outside expected range",
                     "Input should be a valid date in the format YYYY-MM-DD, year 0 is out of range",
                     "Value error, must be a plausible date", "Value error, must be within ten years from now"),
}
DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int32)

Codes = npt.NDArray[np.int8]
Mask = npt.NDArray[np.bool_]
Grid = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class ClaimBatch:
    """The valid claim lines of one batch of a file, in file order, as the columns of `SCHEMA`: `row`
    (the line's number from 1, as bulk.validated numbers it) and the normalised fields."""

    lines: pa.Table

    def __len__(self) -> int:
        return int(self.lines.num_rows)


@dataclass
class _Chunk:
    """Rows read from a file: some as columns (`numbers` gives their row numbers), some as dicts for the
    model (`odd`), and whether an empty cell means a missing value (CSV) or an empty text (Parquet)."""

    numbers: npt.NDArray[np.int64]
    columns: dict[str, pa.Array]
    odd: list[tuple[int, dict[str, Any]]]
    empty_is_missing: bool


def claim_batches(content: IO[bytes], report: Report, *,
                  batch_rows: int = 100_000) -> Generator[ClaimBatch, None, None]:
    """The valid claim lines of a file (Parquet if it starts with the Parquet magic, else UTF-8 CSV with a
    header) in batches of at most `batch_rows`, counting every row in `report` and refusing the invalid
    ones there, as `bulk.validated("claims", ...)` does. `content` is a seekable binary file; a file
    without one of the claim columns, or that is not CSV or Parquet, raises UnreadableFile."""
    magic = content.read(4)
    content.seek(0)
    chunks = _parquet_chunks(content, batch_rows) if magic == PARQUET_MAGIC else _csv_chunks(content, batch_rows)
    window = _date_window()
    for chunk in chunks:
        batch = _validated(chunk, window, report)
        if len(batch):
            yield batch


def _validated(chunk: _Chunk, window: tuple[int, int], report: Report) -> ClaimBatch:
    count = len(chunk.numbers)
    codes: dict[str, Codes] = {}
    values: dict[str, pa.Array] = {}
    for name in FIELDS:
        column = chunk.columns[name]
        present = _present(column, chunk.empty_is_missing)
        if name == "service_date":
            codes[name], values[name] = _dates(column, present, window)
        elif name == "medicaid_id":
            codes[name], values[name] = _medicaid_ids(column, present)
        elif name == "npi":
            codes[name], values[name] = _npis(column, present)
        else:
            codes[name], values[name] = _coded(column, present, _pattern(name))
    extras = {name: _present(column, chunk.empty_is_missing) for name, column in chunk.columns.items()
              if name not in ClaimRecord.model_fields}
    refused = np.zeros(count, dtype=np.bool_)
    for mask in [*(c != 0 for c in codes.values()), *extras.values()]:
        refused |= mask
    refusals = []
    for i in np.flatnonzero(refused).tolist():
        errors = [{"field": name, "reason": _reasons(name)[codes[name][i]]} for name in FIELDS if codes[name][i]]
        errors += [{"field": name or "row", "reason": EXTRA} for name, mask in extras.items() if mask[i]]
        refusals.append((int(chunk.numbers[i]), errors))
    keep = pa.array(~refused)
    lines = pa.Table.from_arrays([pa.array(chunk.numbers, pa.int64()).filter(keep),
                                  *(values[name].filter(keep) for name in FIELDS)], schema=SCHEMA)
    odd_lines = []
    for number, row in chunk.odd:
        try:
            record = ClaimRecord.model_validate({k: v for k, v in row.items() if v is not None}, strict=False)
        except ValidationError as invalid:
            refusals.append((number, [{"field": ".".join(str(p) for p in e["loc"]) or "row", "reason": e["msg"]}
                                      for e in invalid.errors()]))
            continue
        odd_lines.append({"row": number, **record.model_dump()})
    if odd_lines:
        lines = pa.concat_tables([lines, pa.Table.from_pylist(odd_lines, schema=SCHEMA)]).sort_by("row")
    for number, errors in sorted(refusals, key=lambda refusal: refusal[0]):
        report.refuse(number, errors)
    report.read += count + len(chunk.odd)
    report.accepted += lines.num_rows
    return ClaimBatch(lines)


def _reasons(name: str) -> tuple[str, ...]:
    return REASONS.get(name) or ("", MISSING, f"String should match pattern '{_pattern(name)}'")


def _pattern(name: str) -> str:
    """The field's pattern as the model declares it (one source of truth for the codes' shapes)."""
    patterns = [getattr(m, "pattern", None) for m in ClaimRecord.model_fields[name].metadata]
    return next(p for p in patterns if isinstance(p, str))


def _date_window() -> tuple[int, int]:
    """The first and last service date CalendarDate accepts today, as days since 1970-01-01, found by asking
    the field itself (bisection), so its floor and horizon stay defined in one place."""
    adapter: TypeAdapter[date] = TypeAdapter(CalendarDate)

    def accepted(ordinal: int) -> bool:
        try:
            adapter.validate_python(date.fromordinal(ordinal))
        except ValidationError:
            return False
        return True

    today = clock.now().date().toordinal()
    low, high = date.min.toordinal(), today  # first accepted in (low, high]
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if accepted(middle) else (middle, high)
    first = high
    low, high = today, date.max.toordinal() + 1  # last accepted in [low, high)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if accepted(middle) else (low, middle)
    epoch = date(1970, 1, 1).toordinal()
    return first - epoch, low - epoch


def _present(column: pa.Array, empty_is_missing: bool) -> Mask:
    present = column.is_valid()
    if empty_is_missing:
        present = pc.and_(present, pc.not_equal(pc.binary_length(column), 0))
    return np.asarray(present.fill_null(False), dtype=np.bool_)


def _matches(values: pa.Array, pattern: str) -> Mask:
    return np.asarray(pc.match_substring_regex(values, pattern).fill_null(False), dtype=np.bool_)


def _text(column: pa.Array, present: Mask, pattern: str, spaces: str) -> tuple[Mask, pa.Array, Grid]:
    """Which present values, stripped of `spaces`, match `pattern`; the stripped values; and, where a value
    matches a fixed-width ASCII pattern, its bytes (zeros elsewhere). Values already of the pattern's width
    are checked byte by byte (padding would make them fail, as it makes their stripped value too short);
    only the others are stripped and matched with the regex."""
    template = SHAPES.get(pattern)
    if template is None:
        text = pc.utf8_trim(column, characters=spaces)
        return present & _matches(text, pattern), text, np.zeros((len(column), 0), dtype=np.uint8)
    width = len(template)
    exact = present & (np.asarray(pc.binary_length(column).fill_null(0)) == width)
    if exact.all():  # the usual file: every value of the width, its bytes one block
        grid = _grid(column, width)
        return _fits(grid, template), column, grid
    grid = np.zeros((len(column), width), dtype=np.uint8)
    grid[exact] = _grid(column.filter(pa.array(exact)), width)
    shaped = exact & _fits(grid, template)
    other = present & ~exact
    if not other.any():
        return shaped, column, grid
    rows = np.flatnonzero(other)
    trimmed = pc.utf8_trim(column.filter(pa.array(other)), characters=spaces)
    matched = _matches(trimmed, pattern)
    shaped[rows[matched]] = True
    fixed = matched & (np.asarray(pc.binary_length(trimmed)) == width)
    grid[rows[fixed]] = _grid(trimmed.filter(pa.array(fixed)), width)
    return shaped, pc.replace_with_mask(column, pa.array(other), trimmed), grid


def _fits(grid: Grid, template: str) -> Mask:
    fits = np.ones(len(grid), dtype=np.bool_)
    for position, kind in enumerate(template):
        byte = grid[:, position]
        digit = (byte - np.uint8(48)) < 10
        if kind == "D":
            fits &= digit
        elif kind == "L":
            fits &= ((byte | np.uint8(32)) - np.uint8(97)) < 26
        elif kind == "U":
            fits &= digit | ((byte - np.uint8(65)) < 26)
        else:
            fits &= byte == ord(kind)
    return fits


def _grid(values: pa.Array, width: int) -> Grid:
    """The bytes of strings all `width` bytes long, one row each."""
    if not len(values):
        return np.zeros((0, width), dtype=np.uint8)
    _, offsets, data = values.buffers()
    start = int(np.frombuffer(offsets, dtype=np.int32, count=1, offset=values.offset * 4)[0])
    return np.frombuffer(data, dtype=np.uint8, count=len(values) * width, offset=start).reshape(-1, width)


def _codes(present: Mask, shaped: Mask) -> Codes:
    """1 where missing, 2 where present but not of the shape, else 0."""
    return np.where(~present, 1, np.where(shaped, 0, 2)).astype(np.int8)


def _coded(column: pa.Array, present: Mask, pattern: str) -> tuple[Codes, pa.Array]:
    shaped, text, _ = _text(column, present, pattern, PYDANTIC_SPACE)
    return _codes(present, shaped), text


def _medicaid_ids(column: pa.Array, present: Mask) -> tuple[Codes, pa.Array]:
    shaped, text, _ = _text(column, present, MEDICAID_ID, PYDANTIC_SPACE)
    ascii_only = pc.all(pc.string_is_ascii(text)).as_py() is not False
    return _codes(present, shaped), pc.ascii_upper(text) if ascii_only else pc.utf8_upper(text)


def _npis(column: pa.Array, present: Mask) -> tuple[Codes, pa.Array]:
    shaped, text, grid = _text(column, present, NPI, PYDANTIC_SPACE)
    codes = _codes(present, shaped)
    # CMS: Luhn over the issuer prefix 80840 and the first nine digits, doubling from the rightmost. Computed
    # for every row (bytes of rows not of the shape are zeros or other text) and kept where shaped.
    total = (NPI_PREFIX_SUM + DOUBLED_BYTE[grid[:, 0:9:2]].sum(axis=1, dtype=np.int16)
             + grid[:, 1:9:2].sum(axis=1, dtype=np.int16) - 4 * ord("0"))
    check = grid[:, 9].astype(np.int16) - ord("0")
    codes[shaped & ((10 - total % 10) % 10 != check)] = 3
    return codes, text


def _dates(column: pa.Array, present: Mask, window: tuple[int, int]) -> tuple[Codes, pa.Array]:
    if pa.types.is_date32(column.type):
        days = np.asarray(column.cast(pa.int32()).fill_null(0), dtype=np.int32)
        codes = np.where(present, 0, 1).astype(np.int8)
    else:
        shaped, _, grid = _text(column, present, ISO_DATE, PYTHON_SPACE)
        codes = _codes(present, shaped)
        digits = grid.astype(np.int32) - ord("0")  # every row, as in _npis; kept where shaped
        year = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
        month = digits[:, 5] * 10 + digits[:, 6]
        day = digits[:, 8] * 10 + digits[:, 9]
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        month_ok = (month >= 1) & (month <= 12)
        last_day = DAYS_IN_MONTH[np.where(month_ok, month, 1)] + (leap & (month == 2))
        day_ok = (day >= 1) & (day <= last_day)
        # pydantic's order: the month, the day, then year 0 (which Python's date cannot hold)
        codes[shaped & ~month_ok] = 3
        codes[shaped & month_ok & ~day_ok] = 4
        codes[shaped & month_ok & day_ok & (year == 0)] = 5
        days = _days_from_civil(year, np.where(month_ok, month, 1), np.where(day_ok, day, 1))
    first, last = window
    codes[(codes == 0) & (days < first)] = 6
    codes[(codes == 0) & (days > last)] = 7
    return codes, pa.array(days.astype(np.int32), pa.int32()).cast(pa.date32())


def _days_from_civil(year: npt.NDArray[Any], month: npt.NDArray[Any], day: npt.NDArray[Any]
                     ) -> npt.NDArray[np.int32]:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's algorithm)."""
    year = year - (month <= 2)
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return np.asarray(era * 146097 + day_of_era - 719468, dtype=np.int32)


def _last_of_each(names: list[str]) -> dict[str, int]:
    """Column index by name, in first-appearance order, the last column winning (as a dict of the row)."""
    indices: dict[str, int] = {}
    for index, name in enumerate(names):
        indices[name] = index
    return indices


def _check_columns(columns: list[str]) -> None:
    missing = [name for name in FIELDS if name not in columns]
    if missing:
        raise UnreadableFile(f"missing columns: {', '.join(missing)}")


def _parquet_chunks(content: IO[bytes], batch_rows: int) -> Iterator[_Chunk]:
    try:
        parquet = pq.ParquetFile(content)
        names: list[str] = parquet.schema_arrow.names
        _check_columns(names)
        indices = _last_of_each(names)
        start = 1
        for batch in parquet.iter_batches(batch_size=batch_rows):
            columns = {name: batch.column(index) for name, index in indices.items()}
            if all(_fast_type(name, columns[name].type) for name in FIELDS):
                yield _Chunk(np.arange(start, start + batch.num_rows, dtype=np.int64), {
                    name: column.cast(pa.string()) if name in FIELDS and not pa.types.is_date32(column.type)
                    else column for name, column in columns.items()}, [], empty_is_missing=False)
            else:  # unexpected types: the model decides, row by row, as bulk.validated does
                rows = batch.to_pylist()
                yield _Chunk(np.zeros(0, dtype=np.int64), {name: pa.nulls(0, pa.string()) for name in FIELDS},
                             list(enumerate(rows, start=start)), empty_is_missing=False)
            start += batch.num_rows
    except UnreadableFile:
        raise
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise UnreadableFile(f"not a readable Parquet file ({type(exc).__name__})") from None


def _fast_type(name: str, kind: pa.DataType) -> bool:
    if name == "service_date" and pa.types.is_date32(kind):
        return True
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind))


def _csv_chunks(content: IO[bytes], batch_rows: int) -> Iterator[_Chunk]:
    head = content.read(HEADER_BYTES)
    content.seek(0)
    if head.removeprefix(BOM)[:1] in (b"", b"\r", b"\n"):  # csv.DictReader takes a blank first line as header
        raise UnreadableFile("the CSV has no header row")
    skipped: list[tuple[int, str]] = []

    def skip(row: Any) -> str:  # a row with too few or too many cells: DictReader still reads it
        skipped.append((-1 if row.number is None else row.number - 1, row.text))
        return "skip"

    parse = pcsv.ParseOptions(newlines_in_values=True, invalid_row_handler=skip)
    block = max(batch_rows * 48, MIN_BLOCK_BYTES)
    try:
        names = pcsv.open_csv(io.BytesIO(head), parse_options=parse, read_options=pcsv.ReadOptions(
            use_threads=False, block_size=len(head))).schema.names
        _check_columns(names)
        skipped.clear()
        reader = pcsv.open_csv(content, parse_options=parse, read_options=pcsv.ReadOptions(
            use_threads=False, block_size=block), convert_options=pcsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
            quoted_strings_can_be_null=False))
        indices = _last_of_each(names)
        cursor = 1
        for batch in reader:
            if any(number < 0 for number, _ in skipped):
                raise UnreadableFile("not readable CSV (a row of the wrong length without its number)")
            # The batch's rows take the next numbers that no skipped row holds.
            pending = [number for number, _ in skipped]
            candidates = np.arange(cursor, cursor + batch.num_rows + len(pending), dtype=np.int64)
            numbers = candidates[~np.isin(candidates, pending)][:batch.num_rows]
            columns = {name: batch.column(index) for name, index in indices.items()}
            yield from _pieces(numbers, columns, names, skipped, batch_rows)
            cursor = int(numbers[-1]) + 1 if len(numbers) else cursor
        yield from _pieces(np.zeros(0, dtype=np.int64), dict.fromkeys(indices, pa.nulls(0, pa.string())), names,
                           skipped, batch_rows, final=True)
    except pa.ArrowInvalid as exc:
        message = str(exc).lower()
        if "utf8" in message or "utf-8" in message:
            raise UnreadableFile("not UTF-8 CSV or Parquet") from None
        if "straddl" in message:
            raise UnreadableFile(f"not readable CSV (a row longer than {block} bytes)") from None
        raise UnreadableFile("not readable CSV") from None


def _pieces(numbers: npt.NDArray[np.int64], columns: dict[str, pa.Array], names: list[str],
            skipped: list[tuple[int, str]], batch_rows: int, *, final: bool = False) -> Iterator[_Chunk]:
    """Rows of the CSV reader as chunks of at most `batch_rows`, with the rows it skipped (ragged rows) put
    back among them by number; `final`: the skipped rows left at the end of the file."""
    limit = csv.field_size_limit()  # csv refuses a longer cell: so does this path
    if any(len(name) > limit for name in names) or any(
            len(column) and pc.max(pc.binary_length(column)).as_py() > limit
            and pc.max(pc.utf8_length(column)).as_py() > limit for column in columns.values()):
        raise UnreadableFile(f"not readable CSV (a cell longer than {limit} characters)")
    top = None if final else int(numbers[-1]) if len(numbers) else -1
    odd = sorted((number, text) for number, text in skipped if top is None or number <= top)
    skipped[:] = [(number, text) for number, text in skipped if top is not None and number > top]
    merged = np.sort(np.concatenate([numbers, np.array([number for number, _ in odd], dtype=np.int64)]))
    for start in range(0, len(merged), batch_rows):
        low, high = merged[start], merged[min(start + batch_rows, len(merged)) - 1]
        begin, end = np.searchsorted(numbers, low), np.searchsorted(numbers, high, side="right")
        yield _Chunk(numbers[begin:end], {name: column.slice(begin, end - begin) for name, column in columns.items()},
                     [(number, _row_of(names, text)) for number, text in odd if low <= number <= high],
                     empty_is_missing=True)


def _row_of(names: list[str], text: str) -> dict[str, Any]:
    """A ragged CSV row as bulk.rows_of gives it (csv.DictReader: cells past the header dropped, missing
    cells None, a repeated column's last cell winning), empty cells None."""
    try:
        cells = next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error:
        raise UnreadableFile("not readable CSV") from None
    row: dict[str, Any] = dict(zip(names, cells, strict=False))
    for name in names[len(cells):]:
        row[name] = None
    return {name: value if value != "" else None for name, value in row.items()}
