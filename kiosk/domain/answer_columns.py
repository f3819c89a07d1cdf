"""An exported answer's columns as people read them, the same in the kiosk's CSV and the
portal's: the Vietnamese headings, and one column per question of the form ("id — its
Vietnamese text") holding the chosen choices' Vietnamese labels (or the text written),
plus one for the text of an "other" choice.

Several forms may share a file (the kiosk's quick form, then its long form): their
columns follow one another, each answer filling those of its own form. A question id both
forms ask in the same words with the same choices has one column; one that means
something else in the later form is headed with that form's id ("sipas-dak-song-2023/Q1
— …"), so that no column mixes two meanings and the first form's headings never change.

Pure (no store, no SQLAlchemy), so that kiosk/store/export.py and portal/exports.py head
and fill their columns with one piece of code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.domain.forms import Form, Question, localized

# The heading of each column an answer has whatever its form (the kiosk's and the portal's
# exports each choose theirs among these, in their order).
HEADERS = {
    "sequence": "Số thứ tự",
    "uuid": "Mã phiếu",
    "channel": "Kênh",
    "form_id": "Mẫu phiếu",
    "form_version": "Phiên bản mẫu phiếu",
    "unit_code": "Mã đơn vị",
    "counter": "Quầy",
    "device_id": "Mã máy",
    "officer": "Cán bộ trong ca",
    "started_at": "Bắt đầu",
    "finished_at": "Hoàn thành lúc",
    "received_at": "Cổng nhận lúc",
    "duration_ms": "Thời gian làm phiếu (ms)",
    "id_method": "Cách định danh",
    "status": "Trạng thái",
    "verdict": "Đánh giá",
    "language": "Ngôn ngữ",
    "dossier_code": "Mã hồ sơ",
    "flags": "Dấu hiệu cần xem lại",
    "delivered": "Đã gửi về cổng",
    "drawn": "Được mời làm phiếu dài",  # a quick answer: its citizen was drawn for it
    "follows": "Tiếp theo phiếu",  # a long answer: the Mã phiếu of the quick one it follows
}
ID_METHODS = {"typed": "Nhập trên máy", "qr": "Quét mã QR", "none": "Không định danh"}
STATUSES = {"complete": "Hoàn thành", "incomplete": "Chưa hoàn thành"}
# How an answer came (contract.wire.CHANNELS).
CHANNELS = {
    "kiosk": "Máy tại quầy",
    "web": "Khảo sát trực tuyến",
    "paper": "Phiếu giấy",
    "phone": "Điện thoại",
}
# After the label of a choice that asks for a text ("Lý do khác"): the column of that text.
WRITTEN = "(ghi rõ)"
# Answers to questions their form does not ask (an earlier version's, a form no longer
# known's): kept, as "id: value", so that a changed form never drops what was answered.
ELSEWHERE = "Câu hỏi ngoài mẫu phiếu hiện tại"

# What a question's column shows: its type, its words, its choices (id, label, asks a text).
Meaning = tuple[str, str, tuple[tuple[str, str, bool], ...]]


@dataclass(frozen=True)
class _Column:
    """Where a form's question is shown: its column, and the next for an "other" text."""

    question: Question
    index: int
    other: bool


class AnswerColumns:
    """The columns for the forms' questions: headers, and each answer's cells."""

    def __init__(self, form: Form, *more: Form):
        self.first = form
        self.forms: dict[str, Form] = {}
        self.headers: list[str] = []
        self._columns: dict[str, list[_Column]] = {}  # form id → its questions' columns
        self._known: dict[str, set[str]] = {}  # form id → its question ids
        placed: dict[str, tuple[Meaning, int]] = {}  # question id → its first meaning, column
        for each in (form, *more):
            if each.id not in self.forms:
                self.forms[each.id] = each
                self._known[each.id] = {q.id for q in each.questions}
                self._columns[each.id] = list(self._place(each, placed))
        self.headers.append(ELSEWHERE)

    def _place(self, form: Form, placed: dict[str, tuple[Meaning, int]]) -> Iterator[_Column]:
        """The form's questions' columns: a question of an earlier form's meaning shares
        its column; one of another meaning gets its own, headed with the form's id."""
        for question in form.questions:
            if question is form.verdict:  # its own column, "Đánh giá"
                continue
            meaning, other = _meaning(question), _other(question)
            earlier = placed.get(question.id)
            if earlier is not None and earlier[0] == meaning:
                yield _Column(question, earlier[1], other is not None)
                continue
            index, prefix = len(self.headers), "" if earlier is None else f"{form.id}/"
            placed.setdefault(question.id, (meaning, index))
            self.headers.append(_header(question, localized(question.text, "vi"), prefix))
            if other is not None:
                self.headers.append(_header(question, f"{other} {WRITTEN}", prefix))
            yield _Column(question, index, other is not None)

    def form_of(self, form_id: str | None) -> Form:
        """An answer's form: its own when known, else the first (a renamed form's
        answers keep the columns of the questions it still shares)."""
        return self.forms.get(form_id or "", self.first)

    def cells(self, answers: Mapping[str, Any], form_id: str | None = None) -> list[str]:
        """An answer's cells, `answers` as stored (question id → {value, other_text}),
        filled by the questions of its form (`form_id`; None: the first form)."""
        form = self.form_of(form_id)
        cells = [""] * len(self.headers)
        for column in self._columns[form.id]:
            given = answers.get(column.question.id) or {}
            cells[column.index] = shown(column.question, given.get("value"))
            if column.other:
                cells[column.index + 1] = given.get("other_text") or ""
        known = self._known[form.id]
        elsewhere = [(qid, a) for qid, a in answers.items() if qid not in known]
        cells[-1] = "; ".join(f"{qid}: {_plain(a)}" for qid, a in elsewhere)
        return cells


def _meaning(question: Question) -> Meaning:
    """What a question's column shows, in Vietnamese (two questions alike share one)."""
    choices = tuple(
        (c.id, localized(c.label, "vi"), c.other_prompt is not None) for c in question.choices
    )
    return question.type, localized(question.text, "vi"), choices


def _header(question: Question, words: str, prefix: str = "") -> str:
    # The id first: it tells apart questions of like wording, and matches the form file.
    return f"{prefix}{question.id} — {words}"


def _other(question: Question) -> str | None:
    """The Vietnamese label of the question's choice that asks for a text, if it has one."""
    return next((localized(c.label, "vi") for c in question.choices if c.other_prompt), None)


def shown(question: Question, value: object) -> str:
    """An answer as a clerk reads it: the chosen choices' labels, or the text written."""
    given = value if isinstance(value, list) else [] if value is None else [value]
    words = []
    for item in given:
        choice = question.choice(str(item))
        words.append(localized(choice.label, "vi") if choice else str(item))
    return "; ".join(words)


def _plain(given: Any) -> str:
    """An answer of a question the form does not know: its value (and text) as stored."""
    value = given.get("value") if isinstance(given, dict) else given
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value or "")
    other = given.get("other_text") if isinstance(given, dict) else ""
    return f"{text} ({other})" if other else text
