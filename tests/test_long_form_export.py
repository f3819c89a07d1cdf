"""The tablet's export with long answers (the IT area's button and `python -m kiosk export`
both call core.it.export): the quick form's columns, then the long form's, each answer in
its own form's; answers given through the real visit (tests/test_long_form.py) into a real
SQLite file, read back from the CSV and checked against what was stored."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from kiosk.core import KioskCore
from kiosk.domain.answer_columns import ELSEWHERE, AnswerColumns
from kiosk.domain.forms import Form, Question, load_form, localized
from tests import test_visit
from tests.conftest import ROOT
from tests.test_long_form import answer_long_form, rows, to_offer
from tests.test_long_form_config import Draws
from tests.test_visit import IDLE_S, PERSON, Kiosk

kiosk = test_visit.kiosk  # the same fixture: a visit on a real core and store

LONG = "sipas-dak-song-2023"
GIVEN: dict[str, str | list[str]] = {"Q7": "3", "Q8": "2", "Q13": "1", "Q16": ["2", "6", "13"]}
REASONS = "reasons — Vui lòng lựa chọn nội dung ông bà “Chưa Hài lòng”"


def export_csv(core: KioskCore, path: Path) -> tuple[list[str], list[dict[str, str]]]:
    done = core.it.export("csv", path)
    assert done.path == path
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    found = list(reader)
    assert reader.fieldnames is not None
    return list(reader.fieldnames), found


def labels(question: Question, stored: dict) -> str:
    """What a clerk should read for a stored answer: its choices' Vietnamese labels (or
    the text written)."""
    value = stored["value"]
    if question.type == "text":
        return value
    given = value if isinstance(value, list) else [value]
    return "; ".join(localized(question.choice(v).label, "vi") for v in given)


def heading(question: Question) -> str:
    return f"{question.id} — {localized(question.text, 'vi')}"


def three_citizens(k: Kiosk) -> None:
    """Drawn and yes (the whole long form), drawn and no, drawn, yes, then gone after Q3."""
    to_offer(k, "not_satisfied")
    k.visit.answer_offer(True)
    answer_long_form(k, GIVEN)
    k.visit.to_welcome()
    to_offer(k)
    k.visit.answer_offer(False)
    k.visit.to_welcome()
    to_offer(k)
    k.visit.answer_offer(True)
    for value in ("4", "3", "2"):
        k.visit.answer(value)
    k.clock.advance(IDLE_S)  # walked away: the long answer kept as incomplete
    assert [(r.form_id, r.status) for r in rows(k)] == [
        ("danang-2223", "complete"),
        (LONG, "complete"),
        ("danang-2223", "complete"),
        ("danang-2223", "complete"),
        (LONG, "incomplete"),
    ]


def test_each_long_answer_has_its_questions_in_their_own_columns(kiosk, tmp_path):
    k = kiosk(rng=Draws(True))
    three_citizens(k)
    quick_form, long_form = k.core.form, k.core.long_form
    headers, found = export_csv(k.core, tmp_path / "answers.csv")
    # The columns every answer has, the draw and the link, the quick form's questions as
    # ever, the long form's, the rest.
    long_headings = [heading(q) for q in long_form.questions]
    assert headers.index("Được mời làm phiếu dài") < headers.index(REASONS)
    assert headers.index(REASONS) < headers.index(long_headings[0])
    assert headers[-1] == ELSEWHERE and len(set(headers)) == len(headers)
    assert headers[-len(long_headings) - 1 : -1] == long_headings  # no verdict: all 29
    stored = rows(k)
    assert [r["Mã phiếu"] for r in found] == [s.uuid for s in stored]
    for row, answer in zip(found, stored, strict=True):
        form = long_form if answer.form_id == LONG else quick_form
        assert row["Mẫu phiếu"] == answer.form_id
        assert row[ELSEWHERE] == ""  # every question found its column
        for question in form.questions:
            if question is form.verdict:
                continue
            given = answer.answers.get(question.id)
            assert row[heading(question)] == (labels(question, given) if given else "")
        other = quick_form if form is long_form else long_form
        assert all(row[heading(q)] == "" for q in other.questions if q is not other.verdict)
    first, long = found[0], found[1]
    assert (first["Đánh giá"], first["Được mời làm phiếu dài"]) == ("Chưa hài lòng", "Có")
    assert (long["Đánh giá"], long["Tiếp theo phiếu"]) == ("", first["Mã phiếu"])
    assert long["Được mời làm phiếu dài"] == ""
    assert all(long[h] for h in long_headings)  # Q8, Q14, Q15 asked: 29 answers, 29 cells
    # By hand, from the form file: "Trễ hẹn", "Không"; Q16's three priorities in order.
    assert long[heading(long_form.question("Q7"))] == "Trễ hẹn"
    assert long[heading(long_form.question("Q8"))] == "Không"
    assert long[heading(long_form.question("Q16"))] == (
        "Cải thiện chất lượng cơ sở vật chất; hiện đại hóa trang thiết bị phục vụ người dân, "
        "tổ chức.; Tiếp tục đơn giản hóa thủ tục hành chính.; Tiếp nhận, giải quyết ý kiến góp "
        "ý, phản ánh, kiến nghị của người dân, tổ chức kịp thời, tích cực."
    )
    gone = found[4]
    assert gone["Trạng thái"] == "Chưa hoàn thành"
    assert gone["Tiếp theo phiếu"] == found[3]["Mã phiếu"]
    assert gone[heading(long_form.question("Q4"))] == ""


def test_an_export_of_quick_answers_only_is_as_it_was(kiosk, tmp_path):
    k = kiosk(rng=Draws(True))
    to_offer(k)
    k.visit.answer_offer(False)  # drawn, said no: no long answer stored
    k.visit.to_welcome()
    k.visit.start()
    k.visit.submit_identification(PERSON)
    k.visit.answer("not_satisfied")
    k.visit.answer(["progress"])
    headers, found = export_csv(k.core, tmp_path / "answers.csv")
    assert "long_form" not in vars(k.core)  # not even read
    expected = AnswerColumns(k.core.form).headers
    assert headers[-len(expected) :] == expected
    assert headers[: -len(expected)][-2:] == ["Mã hồ sơ", "Đã gửi về cổng"]
    assert not {"Được mời làm phiếu dài", "Tiếp theo phiếu"} & set(headers)
    assert [r[REASONS] for r in found] == ["", "Về tiến độ, kết quả giải quyết TTHC"]


def test_the_jsonl_export_says_who_was_drawn_and_what_follows_what(kiosk):
    k = kiosk(rng=Draws(True))
    three_citizens(k)
    stream = io.StringIO()
    k.core.it.export("jsonl", stream, where="cli")
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [r["drawn"] for r in records] == [True, None, True, True, None]
    assert [r["follows"] for r in records] == [
        None,
        records[0]["uuid"],
        None,
        None,
        records[3]["uuid"],
    ]


def test_a_long_form_gone_bad_since_leaves_its_answers_in_the_other_column(kiosk, tmp_path):
    form_file = tmp_path / "long.yaml"
    shutil.copy(ROOT / "assets" / "forms" / f"{LONG}.yaml", form_file)
    k = kiosk(rng=Draws(True), long_form={"form": str(form_file), "share": 0.1})
    to_offer(k)
    k.visit.answer_offer(True)
    answer_long_form(k, GIVEN)
    form_file.write_text("id: [\n", encoding="utf-8")  # broken after check-config
    core = KioskCore.open(Path(k.core.config.source), k.core.data_dir)
    try:
        headers, found = export_csv(core, tmp_path / "answers.csv")
    finally:
        core.engine.dispose()
    assert not any(h.startswith("Q1 — ") for h in headers)
    assert found[1][ELSEWHERE].startswith("Q1: 1; Q2: 1; ")
    assert found[0][REASONS] == "" and found[0][ELSEWHERE] == ""


# --- two forms, one question id ----------------------------------------------------------
QUICK_YAML = """
id: quick
version: 2
title: {vi: Nhanh, en: x}
questions:
  - id: verdict
    type: single_choice
    role: verdict
    text: {vi: "Hài lòng không?", en: x}
    choices:
      - {id: "yes", satisfied: true, label: {vi: Hài lòng, en: x}}
      - {id: "no", satisfied: false, label: {vi: Chưa hài lòng, en: x}}
  - id: channel
    type: single_choice
    text: {vi: "Ông/bà biết đến dịch vụ qua đâu?", en: x}
    choices:
      - {id: "1", label: {vi: Cổng dịch vụ công, en: x}}
      - {id: "2", label: {vi: Khác, en: x}, other: {vi: Ghi rõ, en: x}}
  - id: age
    type: single_choice
    text: {vi: Độ tuổi, en: x}
    choices:
      - {id: "1", label: {vi: Dưới 30, en: x}}
      - {id: "2", label: {vi: Từ 30 trở lên, en: x}}
"""
LONG_YAML = """
id: long
version: 1
title: {vi: Dài, en: x}
questions:
  - id: channel
    type: single_choice
    text: {vi: "Ông/bà biết đến dịch vụ qua đâu?", en: x}
    choices:
      - {id: "1", label: {vi: Cổng dịch vụ công, en: x}}
      - {id: "2", label: {vi: Khác, en: x}, other: {vi: Ghi rõ, en: x}}
  - id: age
    type: single_choice
    text: {vi: Độ tuổi, en: x}
    choices:
      - {id: "1", label: {vi: Dưới 25, en: x}}
      - {id: "2", label: {vi: Từ 25 đến 60, en: x}}
      - {id: "3", label: {vi: Trên 60, en: x}}
  - id: time
    type: text
    text: {vi: Thời gian chờ, en: x}
"""


def two_forms(tmp_path: Path) -> tuple[Form, Form]:
    (tmp_path / "quick.yaml").write_text(QUICK_YAML, encoding="utf-8")
    (tmp_path / "long.yaml").write_text(LONG_YAML, encoding="utf-8")
    return load_form(tmp_path / "quick.yaml"), load_form(tmp_path / "long.yaml")


def test_a_question_both_forms_ask_alike_has_one_column_one_that_differs_two(tmp_path):
    quick, long = two_forms(tmp_path)
    columns = AnswerColumns(quick, long)
    assert columns.headers == [
        "channel — Ông/bà biết đến dịch vụ qua đâu?",
        "channel — Khác (ghi rõ)",
        "age — Độ tuổi",
        "long/age — Độ tuổi",  # same words, other choices: not the same question
        "time — Thời gian chờ",
        ELSEWHERE,
    ]
    answer = {"channel": {"value": "2", "other_text": "Zalo"}, "age": {"value": "1"}}
    assert columns.cells(answer, "quick") == ["Khác", "Zalo", "Dưới 30", "", "", ""]
    answer["time"] = {"value": "20 phút", "other_text": ""}
    assert columns.cells(answer, "long") == ["Khác", "Zalo", "", "Dưới 25", "20 phút", ""]
    # A form the kiosk no longer has: the first form's columns, as a single form's export
    # always did; what that form does not ask, in the last column.
    assert columns.cells(answer, "old") == ["Khác", "Zalo", "Dưới 30", "", "", "time: 20 phút"]
    assert columns.cells({"q9": {"value": ["a", "b"]}}, "long")[-1] == "q9: a, b"
    assert AnswerColumns(quick).headers == [columns.headers[i] for i in (0, 1, 2, 5)]


def test_the_sipas_and_quick_forms_share_no_question_id():
    """The shipped forms: no prefix anywhere, the long form's ids as in its file."""
    quick = load_form(ROOT / "assets" / "forms" / "danang-2223.yaml")
    long = load_form(ROOT / "assets" / "forms" / f"{LONG}.yaml")
    headers = AnswerColumns(quick, long).headers
    assert not any("/" in h.split(" — ")[0] for h in headers)
    assert len(headers) == len(AnswerColumns(quick).headers) + len(long.questions)
