"""The form engine: the shipped quick form, malformed files, and arbitrary input."""

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.domain.forms import load_form
from kiosk.domain.questions import QUESTION_TYPES
from kiosk.domain.yamlfile import FileProblems
from tests.conftest import ROOT

QUICK_FORM = ROOT / "assets" / "forms" / "danang-2223.yaml"

DECISION_REASONS = [
    "Về công khai, minh bạch, đầy đủ, kịp thời của thông tin thủ tục hành chính so với quy định",
    "Về tiến độ, kết quả giải quyết TTHC",
    "Phải liên hệ nhiều lần để hoàn thiện thủ tục hành chính",
    "Thái độ ứng xử của cán bộ, công chức, viên chức hướng dẫn, tiếp nhận hồ sơ, "
    "giải quyết thủ tục hành chính",
    "Về kết quả sử dụng lại giấy tờ hồ sơ đã được số hóa",
    "Phải tốn các chi phí không chính thức ngoài quy định",
    "Về thời gian và chất lượng ý kiến giải trình về phản ánh kiến nghị",
    "Về chất lượng cung cấp dịch vụ trực tuyến",
    "Lý do khác",
]


def test_quick_form_has_the_decisions_steps_and_wording():
    form = load_form(QUICK_FORM)
    assert (form.id, form.version) == ("danang-2223", 1)
    verdict = form.verdict
    assert [c.label["vi"] for c in verdict.choices] == ["Hài lòng", "Chưa hài lòng"]
    comment = form.question("comment")
    assert comment.text["vi"] == "Các ý kiến góp ý khác"
    assert not comment.required
    reasons = form.question("reasons")
    assert reasons.text["vi"] == "Vui lòng lựa chọn nội dung ông bà “Chưa Hài lòng”"
    assert [c.label["vi"] for c in reasons.choices] == DECISION_REASONS
    other = reasons.choice("other").other_prompt["vi"]
    assert other == "Vui lòng điền nội dung chưa hài lòng hoặc các ý kiến góp ý khác"
    assert reasons.min_choices == 1


def test_every_text_has_both_languages():
    form = load_form(QUICK_FORM)
    for question in form.questions:
        assert question.text["vi"] and question.text["en"]
        for choice in question.choices:
            assert choice.label["vi"] and choice.label["en"]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "form.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(path: Path):
    with pytest.raises(FileProblems) as caught:
        load_form(path)
    return caught.value.problems


def test_unknown_question_type_is_named_with_file_and_line(tmp_path):
    path = _write(
        tmp_path,
        "id: f\nversion: 1\ntitle: {vi: a, en: b}\nquestions:\n"
        "  - id: q1\n    type: slider\n    text: {vi: a, en: b}\n",
    )
    [problem] = _problems(path)
    assert problem.file == str(path)
    assert problem.line == 6
    assert problem.key == "questions[0].type"
    assert problem.code == "bad_choice"


def test_condition_on_a_later_or_unknown_question_is_refused(tmp_path):
    path = _write(
        tmp_path,
        "id: f\nversion: 1\ntitle: {vi: a, en: b}\nquestions:\n"
        "  - id: q1\n    type: text\n    text: {vi: a, en: b}\n    when: {q2: yes}\n",
    )
    codes = {p.code for p in _problems(path)}
    assert "unknown_question" in codes


def test_yaml_syntax_error_gives_its_line(tmp_path):
    path = _write(tmp_path, "id: f\nversion: 1\nquestions: [\n  - id: x\n")
    [problem] = _problems(path)
    assert problem.code == "yaml_syntax"
    assert problem.line >= 3


def test_missing_file_is_a_problem_not_a_crash(tmp_path):
    [problem] = _problems(tmp_path / "nope.yaml")
    assert problem.code == "file_missing"


def test_a_long_form_with_scales_conditions_and_choose_at_most_loads(tmp_path):
    path = _write(
        tmp_path,
        """
id: sipas-like
version: 3
title: {vi: Phiếu khảo sát, en: Survey}
questions:
  - id: q7
    type: single_choice
    text: {vi: Kết quả trả, en: Result}
    choices:
      - {id: early, label: {vi: Sớm hẹn, en: Early}}
      - {id: on_time, label: {vi: Đúng hẹn, en: On time}}
      - {id: late, label: {vi: Trễ hẹn, en: Late}}
  - id: q8
    type: single_choice
    when: {q7: late}
    text: {vi: "Có thư xin lỗi?", en: "Apology?"}
    choices:
      - {id: "yes", label: {vi: Có, en: "Yes"}}
      - {id: "no", label: {vi: Không, en: "No"}}
  - id: q9_1
    type: scale
    text: {vi: Tiếp cận dịch vụ, en: Access}
  - id: q16
    type: multi_choice
    max: 2
    text: {vi: Ưu tiên cải cách, en: Priorities}
    choices:
      - {id: a, label: {vi: A, en: A}}
      - {id: b, label: {vi: B, en: B}}
      - {id: c, label: {vi: C, en: C}}
""",
    )
    form = load_form(path)
    assert form.verdict is None
    assert form.question("q8").applies({"q7": "late"})
    assert not form.question("q8").applies({"q7": "on_time"})
    assert form.question("q9_1").choices[0].label["vi"] == "Rất hài lòng"
    assert form.question("q16").max_choices == 2


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
form_like = st.fixed_dictionaries(
    {"id": yaml_values, "version": yaml_values, "title": yaml_values},
    optional={
        "questions": st.lists(
            st.fixed_dictionaries(
                {"id": yaml_values, "type": st.sampled_from([*QUESTION_TYPES, "bogus"])},
                optional={
                    "text": yaml_values,
                    "choices": yaml_values,
                    "when": yaml_values,
                    "min": yaml_values,
                    "max": yaml_values,
                    "role": yaml_values,
                    "tags": yaml_values,
                    "satisfied_levels": yaml_values,
                },
            ),
            max_size=4,
        )
    },
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(yaml_values, form_like))
def test_no_file_content_crashes_the_engine(tmp_path, data):
    path = tmp_path / "random.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        form = load_form(path)
    except FileProblems as exc:
        assert exc.problems
        assert all(p.file == str(path) for p in exc.problems)
    else:
        assert form.questions
