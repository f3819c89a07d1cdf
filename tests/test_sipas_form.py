"""The long SIPAS questionnaire shipped as data (issue 13), and tags on any form.

The form is the Đắk Song report's questionnaire: its wording, its order, the ids survey
teams use, its conditions; every scale item tagged with its SIPAS dimension. Tags are
checked by the engine and kept on the loaded form, whatever form carries them.
"""

from pathlib import Path

import pytest

from kiosk.domain.flow import Survey
from kiosk.domain.forms import Form, load_form
from kiosk.domain.identification import IdentificationPolicy
from kiosk.domain.yamlfile import FileProblems
from tests.conftest import ROOT

FORMS = ROOT / "assets" / "forms"
LONG = load_form(FORMS / "sipas-dak-song-2023.yaml")
# The report itself (a copy of ../shared/seeds/dak-song-2023-survey-report.txt), so that the
# wordings are checked on any checkout.
SEED = ROOT / "tests" / "data" / "dak-song-2023-survey-report.txt"
DIMENSIONS = {"tiep_can_dich_vu", "thu_tuc_hanh_chinh", "cong_chuc", "ket_qua", "gop_y"}
GRIDS = {"Q9": 3, "Q10": 4, "Q11": 6, "Q12": 3}
LEVELS = ["Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng", "Rất không hài lòng"]


def survey(form: Form = LONG) -> Survey:
    return Survey(form, IdentificationPolicy(fields=(), required=(), one_of=()))


def answer_until(s: Survey, stop: str, given: dict[str, str | list[str]]) -> None:
    """Answer every step up to `stop` (not included): `given` where said, else choice 1."""
    while s.current != stop:
        question = s.current_question
        assert question is not None
        default: str | list[str] = ["1"] if question.type == "multi_choice" else "1"
        assert s.answer(question.id, given.get(question.id, default)) == ""
        assert s.advance(), f"{stop} never came"


def test_the_long_form_loads_with_the_ids_survey_teams_use():
    assert (LONG.id, LONG.version) == ("sipas-dak-song-2023", 1)
    assert LONG.verdict is None  # no quick verdict: every answer is kept as itself
    ids = [q.id for q in LONG.questions]
    grid_items = [f"{grid}.{n}" for grid, count in GRIDS.items() for n in range(1, count + 1)]
    # Câu 17 is not in the report and is not invented (see the form's header).
    numbered = [f"Q{n}" for n in range(1, 19) if n not in (9, 10, 11, 12, 17)]
    assert sorted(ids) == sorted(numbered + grid_items)
    assert ids[8:24] == grid_items  # the grids in printed order, after Q8
    assert ids == sorted(ids, key=lambda qid: [int(part) for part in qid[1:].split(".")])
    for question in LONG.questions:
        assert [c.id for c in question.choices] == [
            str(n) for n in range(1, len(question.choices) + 1)
        ]


def test_every_scale_runs_best_first_and_says_which_levels_are_satisfied():
    scales = [q for q in LONG.questions if q.type == "scale"]
    assert len(scales) == sum(GRIDS.values()) + 2  # the grids, Q14 and Q15
    for question in scales:
        assert [c.id for c in question.choices] == ["1", "2", "3", "4", "5"]
        assert [c.label["vi"] for c in question.choices] == LEVELS
        assert [c.satisfied for c in question.choices] == [True, True, False, False, False]


def test_every_scale_item_carries_its_sipas_dimension():
    expected = {
        "Q9": "tiep_can_dich_vu",
        "Q10": "thu_tuc_hanh_chinh",
        "Q11": "cong_chuc",
        "Q12": "ket_qua",
        "Q14": "gop_y",
        "Q15": "gop_y",
    }
    for question in LONG.questions:
        if question.type != "scale":
            continue
        assert question.tags["dimension"] in DIMENSIONS, question.id
        group = question.id.split(".")[0]
        assert question.tags["dimension"] == expected[group], question.id
        if "." in question.id:
            assert question.tags["grid"] == group
            assert question.hint == LONG.question(f"{group}.1").hint  # the grid's heading


def test_q8_is_asked_only_after_late():
    for q7, asked in (("1", False), ("2", False), ("3", True)):
        s = survey()
        answer_until(s, "Q7", {})
        assert s.answer("Q7", q7) == ""
        s.advance()
        assert (s.current == "Q8") is asked
        assert ("Q8" in s.steps()) is asked


def test_q14_and_q15_are_asked_only_after_yes_in_q13():
    s = survey()
    answer_until(s, "Q13", {})
    assert s.answer("Q13", "2") == ""  # Chưa có
    s.advance()
    assert s.current == "Q16"
    assert "Q14" not in s.steps() and "Q15" not in s.steps()
    s.back()
    assert s.answer("Q13", "1") == ""  # Có
    s.advance()
    assert s.current == "Q14"
    assert s.answer("Q14", "2") == ""
    s.advance()
    assert s.current == "Q15"


def test_q16_takes_at_most_four_choices():
    s = survey()
    answer_until(s, "Q16", {})
    assert s.answer("Q16", ["1", "3", "7", "13", "9"]) == "answer.too_many"
    assert s.answer("Q16", []) == "answer.choose_one"
    assert s.answer("Q16", ["14"]) == "answer.unknown_choice"
    assert s.answer("Q16", ["1", "3", "7", "13"]) == ""


def test_the_whole_form_can_be_answered_to_the_end():
    s = survey()
    answer_until(s, "Q18", {"Q7": "3", "Q13": "1", "Q16": ["2", "5"]})
    assert s.answer("Q18", "5") == ""
    assert s.is_last_step
    finished = s.finish()
    assert finished.answers["Q16"].value == ["2", "5"]
    assert {"Q8", "Q14", "Q15"} <= set(finished.answers)
    assert len(finished.answers) == len(LONG.questions)


def _seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("qid", "choice", "wording"),
    [
        (
            "Q4",
            None,
            "Ông/bà đã đi lại bao nhiêu lần để giải quyết hoàn thiện cho 01 công việc (hồ sơ)?",
        ),
        ("Q4", "3", "03 lần (01 lần nộp hồ sơ, 01 lần bổ sung hồ sơ và 01 lần nhận kết quả)"),
        ("Q7", "3", "Trễ hẹn"),
        (
            "Q9.1",
            None,
            "Trụ sở cơ quan tiếp nhận hồ sơ, trả kết quả giải quyết công việc "
            "có biển hiệu, hướng dẫn rõ ràng, dễ thấy?",
        ),
        (
            "Q10.4",
            None,
            "Thời hạn giải quyết công việc của Ông/bà là đúng quy định "
            "(tính từ ngày Ông/bà nộp hồ sơ đến ngày nhận kết quả) không?",
        ),
        (
            "Q11.6",
            None,
            "Công chức có tận tình giúp đỡ Ông/bà trong quá trình giải quyết công việc không?",
        ),
        ("Q13", "2", "Chưa có"),
        ("Q16", "5", "Đẩy mạnh cung ứng dịch vụ công trực tuyến mức độ 3, 4."),
        (
            "Q16",
            "13",
            "Tiếp nhận, giải quyết ý kiến góp ý, phản ánh, kiến nghị của người dân, "
            "tổ chức kịp thời, tích cực.",
        ),
        ("Q18", "5", "Lĩnh vực LĐ-TB&XH"),
    ],
)
def test_wordings_are_the_reports_own(qid, choice, wording):
    question = LONG.question(qid)
    shown = question.text if choice is None else question.choice(choice).label
    assert shown["vi"] == wording
    assert wording in _seed_text()


def test_the_corrected_typo_is_the_only_change_in_q16():
    """The report prints "niềm yết"; the form says "niêm yết" (noted in its header)."""
    label = LONG.question("Q16").choice("3").label["vi"]
    assert label == "Tăng cường niêm yết công khai, minh bạch quy định thủ tục hành chính."
    assert label.replace("niêm yết", "niềm yết") in _seed_text()


@pytest.mark.parametrize("path", sorted(FORMS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_text_is_in_exactly_the_two_languages(path):
    """A comma in a YAML flow mapping silently splits a label: every text is {vi, en}."""
    form = load_form(path)
    texts = [form.title]
    for question in form.questions:
        texts += [question.text, *(c.label for c in question.choices)]
        texts += [t for t in (question.hint, *(c.other_prompt for c in question.choices)) if t]
    assert [sorted(t) for t in texts if sorted(t) != ["en", "vi"]] == []


def test_the_quick_forms_reasons_name_the_indicators_they_feed():
    quick = load_form(FORMS / "danang-2223.yaml")
    assert (quick.id, quick.version) == ("danang-2223", 1)  # tags are metadata: no new version
    reasons = quick.question("reasons")
    for choice in reasons.choices:
        indicators = choice.tags["indicators"]
        assert isinstance(indicators, tuple)
        assert set(indicators) <= DIMENSIONS
        assert bool(indicators) == (choice.id != "other"), choice.id
    assert reasons.choice("staff_attitude").tags == {"indicators": ("cong_chuc",)}
    assert quick.question("verdict").tags == {}


def _form_with(tmp_path: Path, question_tags: str, choice_tags: str = "{}") -> Path:
    path = tmp_path / "form.yaml"
    path.write_text(
        f"""
id: tagged
version: 1
title: {{vi: Phiếu, en: Form}}
questions:
  - id: q1
    type: single_choice
    tags: {question_tags}
    text: {{vi: Một, en: One}}
    choices:
      - {{id: a, label: {{vi: A, en: A}}, tags: {choice_tags}}}
      - {{id: b, label: {{vi: B, en: B}}}}
""",
        encoding="utf-8",
    )
    return path


def test_tags_are_kept_on_questions_and_choices_of_any_form(tmp_path):
    form = load_form(_form_with(tmp_path, "{dimension: cong_chuc, report: [a, b]}", "{x: y}"))
    question = form.question("q1")
    assert question.tags == {"dimension": "cong_chuc", "report": ("a", "b")}
    assert question.choice("a").tags == {"x": "y"}
    assert question.choice("b").tags == {}


@pytest.mark.parametrize(
    ("question_tags", "code"),
    [
        ("[a, b]", "wrong_type"),
        ("{dimension: 3}", "wrong_type"),
        ("{dimension: [a, {b: c}]}", "wrong_type"),
        ("{dimension: {a: b}}", "wrong_type"),
        ("{dimension: ''}", "empty"),
        ("{dimension: " + "x" * 101 + "}", "too_long"),
        ("{" + "y" * 101 + ": a}", "too_long"),
        ("{dimension: [" + ", ".join(["a"] * 33) + "]}", "bad_range"),
        ("{" + ", ".join(f"k{n}: v" for n in range(17)) + "}", "bad_range"),
    ],
)
def test_tags_are_strings_or_lists_of_strings_and_few(tmp_path, question_tags, code):
    with pytest.raises(FileProblems) as refused:
        load_form(_form_with(tmp_path, question_tags))
    assert [p.code for p in refused.value.problems] == [code]
    assert refused.value.problems[0].key.startswith("questions[0].tags")


def test_a_bad_tag_on_a_choice_is_refused_with_its_path(tmp_path):
    with pytest.raises(FileProblems) as refused:
        load_form(_form_with(tmp_path, "{}", "{x: 1}"))
    [problem] = refused.value.problems
    assert (problem.key, problem.code) == ("questions[0].choices[0].tags.x", "wrong_type")


@pytest.mark.parametrize(
    ("levels", "code"), [('["0", "1"]', "unknown_choice"), ("[]", "empty"), ('"1"', "wrong_type")]
)
def test_satisfied_levels_name_levels_of_the_scale(tmp_path, levels, code):
    path = tmp_path / "form.yaml"
    path.write_text(
        f"""
id: s
version: 1
title: {{vi: Phiếu, en: Form}}
questions:
  - id: q1
    type: scale
    satisfied_levels: {levels}
    text: {{vi: Một, en: One}}
""",
        encoding="utf-8",
    )
    with pytest.raises(FileProblems) as refused:
        load_form(path)
    assert [p.code for p in refused.value.problems] == [code]
