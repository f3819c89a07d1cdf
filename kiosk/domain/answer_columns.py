"""An exported answer's columns as people read them, the same in the kiosk's CSV and the
portal's: the Vietnamese headings, and one column per question of the form ("id — its
Vietnamese text") holding the chosen choices' Vietnamese labels (or the text written),
plus one for the text of an "other" choice.

Pure (no store, no SQLAlchemy), so that kiosk/store/export.py and portal/exports.py head
and fill their columns with one piece of code.
"""

from __future__ import annotations

from collections.abc import Mapping
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
# Answers to questions the form does not ask (an earlier version's, another form's): kept,
# as "id: value", so that a changed form never drops what was answered.
ELSEWHERE = "Câu hỏi ngoài mẫu phiếu hiện tại"


class AnswerColumns:
    """The columns for the form's questions: headers, and each answer's cells."""

    def __init__(self, form: Form):
        # Each question but the verdict (its own column, "Đánh giá"), with the label of its
        # choice that asks for a text (or None).
        self.known = {q.id for q in form.questions}
        self.questions = [(q, _other(q)) for q in form.questions if q is not form.verdict]
        self.headers: list[str] = []
        for question, other in self.questions:
            self.headers.append(_header(question, localized(question.text, "vi")))
            if other is not None:
                self.headers.append(_header(question, f"{other} {WRITTEN}"))
        self.headers.append(ELSEWHERE)

    def cells(self, answers: Mapping[str, Any]) -> list[str]:
        """An answer's cells, `answers` as stored: question id → {value, other_text}."""
        cells: list[str] = []
        for question, other in self.questions:
            given = answers.get(question.id) or {}
            cells.append(shown(question, given.get("value")))
            if other is not None:
                cells.append(given.get("other_text") or "")
        elsewhere = [(qid, a) for qid, a in answers.items() if qid not in self.known]
        cells.append("; ".join(f"{qid}: {_plain(a)}" for qid, a in elsewhere))
        return cells


def _header(question: Question, words: str) -> str:
    # The id first: it tells apart questions of like wording, and matches the form file.
    return f"{question.id} — {words}"


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
