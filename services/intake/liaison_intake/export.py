"""The MCO Inquiry Log as a workbook (.xlsx) or CSV, as the seed's team kept it.

One row per log entry, grouped by inquiry and in order; times in the
program's local time. The workbook also has one summary row per inquiry.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import Row

# "Recorded" comes last so the columns readers already use keep their places.
LOG_COLUMNS = ["Inquiry ID", "When (local)", "Event", "Who", "Source system", "Party", "Category", "Track",
               "Priority", "MCO", "Details", "Recorded (local)"]


def _log_rows(rows: Sequence[Row[Any]], zone: ZoneInfo) -> list[list[str]]:
    # When it happened and when it was recorded: a late record of an earlier action shows both.
    return [[str(r.inquiry_id), r.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
             r.event_type.removeprefix("liaison."), r.actor or "", r.source, r.party, r.category, r.track or "",
             r.priority or "", r.referred_mco or "", json.dumps(r.details, sort_keys=True),
             r.recorded_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")] for r in rows]


def export_csv(rows: Sequence[Row[Any]], zone: ZoneInfo) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(LOG_COLUMNS)
    writer.writerows(_log_rows(rows, zone))
    return buffer.getvalue().encode("utf-8")


def export_xlsx(rows: Sequence[Row[Any]], zone: ZoneInfo) -> bytes:
    workbook = Workbook()
    log = workbook.active
    assert log is not None
    log.title = "Inquiry log"
    log.append(LOG_COLUMNS)
    for line in _log_rows(rows, zone):
        log.append(line)
    summary = workbook.create_sheet("Inquiries")
    summary.append(["Inquiry ID", "Party", "Category", "Track", "Priority", "MCO", "First entry", "Last entry",
                    "Entries"])
    by_inquiry: dict[str, list[Row[Any]]] = {}
    for r in rows:
        by_inquiry.setdefault(str(r.inquiry_id), []).append(r)
    for inquiry_id, entries in by_inquiry.items():
        last = entries[-1]
        summary.append([inquiry_id, last.party, last.category, last.track or "", last.priority or "",
                        last.referred_mco or "", entries[0].at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                        last.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), len(entries)])
    for sheet in (log, summary):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
