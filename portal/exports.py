"""`portal export`: the portal's answers for analysts, as CSV (for people) or JSON lines (for
programs), from every channel, without personal data.

The CSV is headed and filled as the kiosk's export is (kiosk.domain.answer_columns):
UTF-8 with a byte-order mark for Excel, Vietnamese headings, Vietnam's time, then one
column per question of the form ("Q9.2 — its text") with the chosen choices' labels;
beside them the channel, when the portal received the answer, and its flags. A CSV holds
one form (its columns are that form's questions, its latest version's); a cell that
Excel would run as a formula (=, +, -, @ first) is written with a ' before it, since a
web survey's text comes from anyone. Cells are separated by "," or, for an Excel set to
Vietnamese (whose list separator is ";", the decimal one being ","), by ";".

A JSON line is the answer as the portal keeps it (its payload: every question's answer as
itself), with its channel and when it was received, less the sealed box and the keyed
hashes: an analyst's file holds no personal data, sealed or not.

Answers are read in chunks and written as they come (a city's years of answers need not
fit in memory); a file is written whole or not at all.
"""

from __future__ import annotations

import csv
import errno
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Engine, Select, select
from sqlalchemy.orm import Session

from kiosk.domain.answer_columns import CHANNELS, HEADERS, ID_METHODS, STATUSES, AnswerColumns
from kiosk.domain.answer_columns import shown as shown_answer
from kiosk.domain.clock import local_text
from kiosk.domain.forms import Form
from portal.forms import find_form
from portal.imports.answers import ZONE
from portal.store.models import Answer

# The columns every answer has, whatever its form; then come its answers.
COLUMNS = (
    "sequence",
    "uuid",
    "channel",
    "form_id",
    "form_version",
    "unit_code",
    "counter",
    "device_id",
    "officer",
    "started_at",
    "finished_at",
    "received_at",
    "duration_ms",
    "id_method",
    "status",
    "verdict",
    "language",
    "dossier_code",
    "drawn",
    "follows",
    "flags",
)
PERSONAL = ("personal_sealed", "phone_hash", "citizen_id_hash")  # never in an export
CHUNK = 200  # answers read from the database at a time (each may hold several KB of text)
BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Selection:
    """Which answers: of a unit, a form, a channel (None: every one)."""

    unit: str | None = None
    form: str | None = None
    channel: str | None = None

    def where(self, query: Select) -> Select:
        if self.unit is not None:
            query = query.where(Answer.unit_code == self.unit)
        if self.form is not None:
            query = query.where(Answer.form_id == self.form)
        if self.channel is not None:
            query = query.where(Answer.channel == self.channel)
        return query


class SeveralForms(Exception):
    """A CSV was asked of answers of several forms: one is to be chosen."""

    def __init__(self, forms: list[str]):
        super().__init__(", ".join(forms))
        self.forms = forms


@dataclass(frozen=True)
class _Stored:
    uuid: str
    channel: str
    unit_code: str
    form_id: str
    form_version: int
    received_at: datetime
    payload: dict[str, Any]


def _stored(engine: Engine, selection: Selection) -> Iterator[_Stored]:
    """The selected answers in the order stored, read CHUNK at a time."""
    query = selection.where(
        select(
            Answer.uuid,
            Answer.channel,
            Answer.unit_code,
            Answer.form_id,
            Answer.form_version,
            Answer.received_at,
            Answer.payload,
        ).order_by(Answer.id)
    )
    with Session(engine) as session:
        for row in session.execute(query.execution_options(yield_per=CHUNK)):
            yield _Stored(*row)


def csv_form(engine: Engine, selection: Selection) -> Form:
    """The form whose questions head the CSV's columns; SeveralForms when the selection
    holds answers of more than one."""
    query = selection.where(select(Answer.form_id).distinct())
    with engine.connect() as connection:
        present = sorted(connection.execute(query).scalars())
    if selection.form is None and len(present) > 1:
        raise SeveralForms(present)
    form_id = selection.form or (present[0] if present else "")
    found = find_form(engine, form_id) if form_id else None
    return found or Form(form_id, 0, {}, ())  # unknown: every answer in the "elsewhere" column


def write_csv(engine: Engine, selection: Selection, out: TextIO, delimiter: str = ",") -> int:
    """The CSV for people (see above); how many answers. Raises SeveralForms first."""
    form = csv_form(engine, selection)
    columns = AnswerColumns(form)
    writer = csv.writer(out, delimiter=delimiter)
    out.write(BOM)
    writer.writerow([HEADERS[c] for c in COLUMNS] + columns.headers)
    count = 0
    for stored in _stored(engine, selection):
        cells = _cells(stored, form) + columns.cells(stored.payload.get("answers") or {})
        writer.writerow([inert(cell) for cell in cells])
        count += 1
    return count


def _cells(stored: _Stored, form: Form) -> list[object]:
    payload, zone = stored.payload, ZONE.key
    verdict = payload.get("verdict")
    record = {
        "sequence": payload.get("sequence", ""),
        "uuid": stored.uuid,
        "channel": CHANNELS.get(stored.channel, stored.channel),
        "form_id": stored.form_id,
        "form_version": stored.form_version,
        "unit_code": stored.unit_code,
        "counter": payload.get("counter") or "",
        "device_id": payload.get("device_id") or "",
        "officer": payload.get("officer") or "",
        "started_at": local_text(payload.get("started_at"), zone, seconds=True),
        "finished_at": local_text(payload.get("finished_at"), zone, seconds=True),
        "received_at": local_text(stored.received_at, zone, seconds=True),
        "duration_ms": payload.get("duration_ms", ""),
        "id_method": ID_METHODS.get(payload.get("id_method", ""), payload.get("id_method", "")),
        "status": STATUSES.get(payload.get("status", ""), payload.get("status", "")),
        "verdict": shown_answer(form.verdict, verdict) if form.verdict else verdict or "",
        "language": payload.get("language") or "",
        "dossier_code": payload.get("dossier_code") or "",
        "drawn": _yes_no(payload.get("drawn")),  # a quick answer: drawn for the long form?
        "follows": payload.get("follows") or "",  # the quick answer a long one follows
        "flags": "; ".join(payload.get("flags") or ()),
    }
    return [record[column] for column in COLUMNS]


def _yes_no(value: object) -> str:
    return "" if value is None else "Có" if value else "Không"


def inert(cell: object) -> object:
    """A text Excel would run as a formula, kept as text (OWASP's CSV injection advice)."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


def write_jsonl(engine: Engine, selection: Selection, out: TextIO) -> int:
    """One answer a line, its payload less the personal data; how many answers."""
    count = 0
    for stored in _stored(engine, selection):
        line = {k: v for k, v in stored.payload.items() if k not in PERSONAL}
        line["channel"] = stored.channel  # the store's: an older payload may not say
        line["received_at"] = stored.received_at.isoformat(timespec="seconds") + "Z"
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        count += 1
    return count


Writer = Callable[[Engine, Selection, TextIO], int]


def writer_for(fmt: str, delimiter: str = ",") -> Writer:
    """The function that writes an export in that format (a CSV with that separator)."""
    if fmt == "jsonl":
        return write_jsonl
    return lambda engine, selection, out: write_csv(engine, selection, out, delimiter)


def export_to_file(engine: Engine, selection: Selection, writer: Writer, path: Path) -> int:
    """Write the export to `path` whole or not at all (PATH.part, synced, renamed over it);
    how many answers. Raises OSError (the .part removed) or SeveralForms."""
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    part = path.with_name(path.name + ".part")
    try:
        with part.open("w", encoding="utf-8", newline="") as out:
            count = writer(engine, selection, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return count
