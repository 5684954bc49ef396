"""The columnar claims path gives what bulk.validated gives, file for file: the same rows accepted with
the same values, the same rows refused with the same fields and reasons, the same counts; and refuses
the same unreadable files. Pure: no database, no broker."""

from __future__ import annotations

import csv
import io
import string
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from liaison_attribution import bulk, claims_file
from liaison_attribution.claims_file import PYDANTIC_SPACE, PYTHON_SPACE, ClaimBatch, claim_batches
from liaison_attribution.records import ClaimRecord
from liaison_shared.fields import CalendarDate, MedicaidId, npi_is_valid
from liaison_shared.tabular import UnreadableFile

COLUMNS = list(ClaimRecord.model_fields)
NPIS = ["1245319599", "1003000126", "1234567893", "1679576722"]
WINDOW = claims_file._date_window()
FIRST = date(1970, 1, 1) + timedelta(days=WINDOW[0])
LAST = date(1970, 1, 1) + timedelta(days=WINDOW[1])
PADDING = [" ", "\t", "\u00a0", "\u3000", "\x1c", "\x0b"]  # \x1c: str.strip() removes it, pydantic does not


def through_bulk(content: bytes) -> tuple[list[tuple[int, dict[str, Any]]], bulk.Report]:
    report = bulk.Report()
    rows = [(number, record.model_dump()) for number, record in bulk.validated("claims", io.BytesIO(content), report)]
    return rows, report


def through_columns(content: bytes, batch_rows: int = 7) -> tuple[list[tuple[int, dict[str, Any]]], bulk.Report]:
    report = bulk.Report()
    batches = list(claim_batches(io.BytesIO(content), report, batch_rows=batch_rows))
    assert all(isinstance(b, ClaimBatch) and 0 < len(b) <= batch_rows for b in batches)
    assert all(b.lines.schema == claims_file.SCHEMA for b in batches)
    rows = [line for b in batches for line in b.lines.to_pylist()]
    return [(line.pop("row"), line) for line in rows], report


def assert_equivalent(content: bytes, batch_rows: int = 7, *, reasons: bool = True) -> bulk.Report:
    expected_rows, expected = through_bulk(content)
    rows, report = through_columns(content, batch_rows)
    assert rows == expected_rows
    if reasons:
        assert report == expected  # counts, and each refused row's fields and reasons, in row order
    else:
        assert (report.read, report.accepted, report.rejected_count) == (
            expected.read, expected.accepted, expected.rejected_count)
        assert fields_of(report) == fields_of(expected)
    return report


def fields_of(report: bulk.Report) -> list[tuple[int, list[str]]]:
    return [(refusal["row"], [e["field"] for e in refusal["errors"]]) for refusal in report.rejected]


# A cell: a valid value, or one of the mutations a feed sends (None: the cell is empty).
def padded(value: str) -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from(PADDING), st.sampled_from(PADDING)).map(lambda p: p[0] + value + p[1])


medicaid_ids = st.one_of(
    st.from_regex(r"[0-9]{7}[A-Z]", fullmatch=True),
    st.from_regex(r"[0-9]{7}[a-z]", fullmatch=True),  # lower-case letter: upper-cased
    st.sampled_from(["1234567\u0131", "1234567\u017f", "1234567\u00e9", "123456A", "12345678", "1234567AB"]),
    st.from_regex(r"[0-9]{7}[A-Z]", fullmatch=True).flatmap(padded),
)
npis = st.one_of(
    st.sampled_from(NPIS),
    st.sampled_from(NPIS).map(lambda n: n[:9] + str((int(n[9]) + 1) % 10)),  # bad check digit
    st.sampled_from(NPIS).map(lambda n: n[:9]),  # nine digits
    st.sampled_from(NPIS).flatmap(padded),
    st.sampled_from(["124531959X", "\uff11245319599", "12453195999"]),
)
service_dates = st.one_of(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)).map(date.isoformat),
    st.sampled_from(["2026-02-30", "2023-02-29", "2024-02-29", "2024-13-01", "2024-00-10", "2024-04-31",
                     "2024-01-00", "0000-02-29", "0000-13-01", "0001-01-01", "1800-06-01", "9999-12-31",
                     "2024-5-1", "05/01/2024", "20240501", "2024-05-01T00:00", "2024/05/01"]),
    st.sampled_from([FIRST, FIRST - timedelta(days=1), LAST, LAST + timedelta(days=1)]).map(date.isoformat),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 1, 1)).map(date.isoformat).flatmap(padded),
)
procedure_codes = st.one_of(st.from_regex(r"[A-Z0-9]{5}", fullmatch=True),
                            st.sampled_from(["9921", "992134", "9921a", "99-13"]),
                            st.from_regex(r"[A-Z0-9]{5}", fullmatch=True).flatmap(padded))
places = st.one_of(st.from_regex(r"[0-9]{2}", fullmatch=True), st.sampled_from(["1", "011", "1A", "\u0661\u0661"]),
                   st.just("11").flatmap(padded))
CELLS = {"medicaid_id": medicaid_ids, "npi": npis, "service_date": service_dates,
         "procedure_code": procedure_codes, "place_of_service": places}


@st.composite
def claim_rows(draw: st.DrawFn, extras: list[str]) -> dict[str, str | None]:
    row: dict[str, str | None] = {}
    for name in COLUMNS:
        row[name] = draw(st.one_of(CELLS[name], st.just(""), st.just("  "))) if draw(st.integers(0, 5)) == 0 \
            else draw(CELLS[name].filter(lambda v: v.strip() == v) if name != "medicaid_id" else CELLS[name])
    for name in extras:
        row[name] = draw(st.sampled_from(["", "", "note", " "]))
    return row


@st.composite
def claim_files(draw: st.DrawFn) -> tuple[list[str], list[dict[str, str | None]]]:
    extras = draw(st.lists(st.sampled_from(["note", "", "medicaid_id2"]), max_size=2, unique=True))
    header = draw(st.permutations([*COLUMNS, *extras]))
    return header, draw(st.lists(claim_rows(extras), min_size=0, max_size=30))


def as_csv(header: list[str], rows: list[dict[str, str | None]], *, bom: bool, quoting: Any, newline: str,
           ragged: list[int], blank: list[int]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, quoting=quoting, lineterminator=newline)
    writer.writerow(header)
    for index, row in enumerate(rows):
        cells = [row[name] or "" for name in header]
        if index in ragged:  # too few or too many cells: DictReader reads them all the same
            cells = cells[:-2] if index % 2 else [*cells, "trailing", ""]
        writer.writerow(cells)
        if index in blank:
            out.write(newline)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def as_parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


FILES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.data_too_large])


@FILES
@given(claim_files(), st.booleans(), st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
       st.sampled_from(["\n", "\r\n"]), st.lists(st.integers(0, 29), max_size=3),
       st.lists(st.integers(0, 29), max_size=2), st.integers(1, 12))
def test_a_csv_file_validates_as_bulk_validated_does(file: tuple[list[str], list[dict[str, str | None]]], bom: bool,
                                                     quoting: int, newline: str, ragged: list[int], blank: list[int],
                                                     batch_rows: int) -> None:
    header, rows = file
    assert_equivalent(as_csv(header, rows, bom=bom, quoting=quoting, newline=newline, ragged=ragged, blank=blank),
                      batch_rows)


@FILES
@given(claim_files(), st.booleans(), st.booleans(), st.integers(1, 12))
def test_a_parquet_file_validates_as_bulk_validated_does(file: tuple[list[str], list[dict[str, str | None]]],
                                                         dictionary: bool, empty_as_null: bool,
                                                         batch_rows: int) -> None:
    header, rows = file  # in Parquet an empty text is a value (refused), not a missing cell
    table = pa.table({name: pa.array([(row[name] or None) if empty_as_null else row[name] for row in rows],
                                     pa.string()) for name in header})
    if dictionary:
        table = table.set_column(0, header[0], table.column(0).dictionary_encode())
    assert_equivalent(as_parquet(table), batch_rows)


@FILES
@given(st.lists(st.one_of(st.none(), st.dates(min_value=date(1800, 1, 1), max_value=date(9999, 12, 31)),
                          st.sampled_from([FIRST, FIRST - timedelta(days=1), LAST, LAST + timedelta(days=1)])),
                max_size=20))
def test_a_parquet_date_column_validates_as_bulk_validated_does(dates: list[date | None]) -> None:
    count = len(dates)
    table = pa.table({"medicaid_id": ["1234567A"] * count, "npi": [NPIS[0]] * count,
                      "service_date": pa.array(dates, pa.date32()), "procedure_code": ["99213"] * count,
                      "place_of_service": ["11"] * count})
    assert_equivalent(as_parquet(table))


def test_a_parquet_column_of_another_type_goes_through_the_model() -> None:
    table = pa.table({"medicaid_id": ["1234567A", "2345678B", None],
                      "npi": pa.array([1245319599, None, 1], pa.int64()),
                      "service_date": pa.array([datetime(2024, 1, 1), None, datetime(2024, 1, 2, 3)],
                                               pa.timestamp("s")),
                      "procedure_code": ["99213"] * 3, "place_of_service": ["11"] * 3, "note": [None, 1.5, None]})
    report = assert_equivalent(as_parquet(table))
    assert report.rejected_count == 3


@FILES
@given(st.text(alphabet=st.sampled_from(['"', ",", "\n", "\r", " ", "a", "1"]), max_size=40))
def test_odd_quoting_and_line_ends_read_as_the_csv_module_reads_them(tail: str) -> None:
    # A quote left open at the end of the file: the csv module keeps the line end after it in the cell,
    # pyarrow drops it, so "" (missing) can meet "\n" (not of the shape): the same field refused, for
    # another reason.
    assert_equivalent(f"{','.join(COLUMNS)}\n1234567A,{NPIS[0]},2024-05-01,99213,11\n{tail}".encode(),
                      reasons=False)


def test_ragged_rows_across_reader_blocks_keep_their_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(claims_file, "MIN_BLOCK_BYTES", 256)
    lines = [",".join(COLUMNS)]
    for index in range(200):
        cells = [f"{index:07d}A", NPIS[index % 4], "2024-05-01", "99213", "11"]
        lines.append(",".join(cells[:3] if index % 17 == 0 else [*cells, "x"] if index % 23 == 0 else cells))
    report = assert_equivalent(("\n".join(lines) + "\n").encode(), batch_rows=10)
    assert (report.read, report.rejected_count) == (200, 12)


def through_bulk_only(content: bytes) -> None:
    list(bulk.validated("claims", io.BytesIO(content), bulk.Report()))


def through_columns_only(content: bytes) -> None:
    list(claim_batches(io.BytesIO(content), bulk.Report()))


@pytest.mark.parametrize("path", [through_bulk_only, through_columns_only])
def test_a_file_without_a_claim_column_is_unreadable_as_bulk_says(path: Callable[[bytes], None]) -> None:
    with pytest.raises(UnreadableFile, match=r"^missing columns: procedure_code$"):
        path(b"medicaid_id,npi,service_date,place_of_service\n1234567A,1245319599,2024-05-01,11\n")
    with pytest.raises(UnreadableFile, match=r"^missing columns: service_date, procedure_code, place_of_serv"):
        path(as_parquet(pa.table({"medicaid_id": ["1234567A"], "npi": [NPIS[0]]})))


@pytest.mark.parametrize(("content", "message"), [
    (",".join(COLUMNS).encode() + b"\n1234567A,1245319599,2024-05-01,99213,\xff1\n", "not UTF-8 CSV or Parquet"),
    (b"", "the CSV has no header row"),
    (b"\xef\xbb\xbf", "the CSV has no header row"),
    (b"\n" + ",".join(COLUMNS).encode() + b"\n", "the CSV has no header row"),
    (b"PAR1 not really parquet", r"not a readable Parquet file \("),
    (",".join(COLUMNS).encode() + b'\n1234567A,"' + b"1" * 200_000 + b'",2024-05-01,99213,11\n',
     "not readable CSV"),
])
def test_an_unreadable_file_is_refused_as_a_whole_by_both_paths(content: bytes, message: str) -> None:
    for path in (through_bulk_only, through_columns_only):
        with pytest.raises(UnreadableFile, match=message):
            path(content)


def test_a_header_only_file_has_no_rows() -> None:
    assert assert_equivalent(",".join(COLUMNS).encode() + b"\r\n").read == 0


def test_reasons_never_contain_the_value() -> None:
    content = ",".join(COLUMNS).encode() + b"\n9876543z,9876543210,2031-02-30,SECRT,ZZ\n"
    _, report = through_columns(content)
    assert report.rejected_count == 1
    assert not any(value in str(report.rejected) for value in ("9876543", "2031", "SECRT", "ZZ"))


def test_whitespace_sets_are_the_ones_python_and_pydantic_strip() -> None:
    space = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    assert sorted(PYTHON_SPACE) == space
    adapter: TypeAdapter[str] = TypeAdapter(MedicaidId)
    stripped_by_pydantic = []
    for char in space:
        try:
            adapter.validate_python(f"{char}1234567A{char}")
            stripped_by_pydantic.append(char)
        except ValidationError:
            pass
    assert sorted(PYDANTIC_SPACE) == stripped_by_pydantic


def test_medicaid_id_letters_are_those_upper_casing_to_a_to_z() -> None:
    letters = [chr(c) for c in range(0x110000) if chr(c).upper() in set(string.ascii_uppercase)]
    assert set(letters) == set(string.ascii_letters) | {"\u0131", "\u017f"}
    assert claims_file.MEDICAID_ID == "^[0-9]{7}[A-Za-z\u0131\u017f]$"


def test_the_date_window_is_calendar_dates() -> None:
    adapter: TypeAdapter[date] = TypeAdapter(CalendarDate)
    assert adapter.validate_python(FIRST) == FIRST and adapter.validate_python(LAST) == LAST
    for outside in (FIRST - timedelta(days=1), LAST + timedelta(days=1)):
        with pytest.raises(ValidationError):
            adapter.validate_python(outside)


def test_the_luhn_check_agrees_with_npi_is_valid() -> None:
    candidates = [f"{n:09d}{d}" for n in range(123456780, 123456980) for d in range(10)]
    content = ",".join(COLUMNS).encode() + b"\n" + b"".join(
        f"1234567A,{npi},2024-05-01,99213,11\n".encode() for npi in candidates)
    rows, _ = through_columns(content, batch_rows=1000)
    assert [line["npi"] for _, line in rows] == [npi for npi in candidates if npi_is_valid(npi)]


def test_the_model_patterns_are_the_shapes_checked_byte_by_byte() -> None:
    assert {claims_file._pattern(name) for name in ("procedure_code", "place_of_service")} <= set(claims_file.SHAPES)
