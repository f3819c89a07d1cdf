"""Question types are one unit each: words, a screen, a demo answer its own rule accepts.

Also the quick-form summary the wire contract still carries (`reasons`, `comment`), worked
out from every question's answer as itself.
"""

import random
import re
import subprocess
import sys

import pytest
import yaml

from kiosk.domain.flow import Answer
from kiosk.domain.forms import load_form
from kiosk.domain.questions import QUESTION_TYPES, screen_name
from kiosk.domain.questions.summary import QuickSummary, quick_summary
from kiosk.ui.screens import SCREENS
from tests.conftest import ROOT

LOCALES = sorted((ROOT / "assets" / "locale").glob("*.yaml"))
FORMS = sorted((ROOT / "assets" / "forms").glob("*.yaml"))
QUESTIONS = ROOT / "kiosk" / "domain" / "questions"


def test_every_type_has_its_words_in_every_language():
    assert len(LOCALES) >= 2
    for path in LOCALES:
        words = yaml.safe_load(path.read_text(encoding="utf-8"))
        for name, kind in QUESTION_TYPES.items():
            missing = [key for key in kind.words if not words.get(key)]
            assert missing == [], f"{path.name}: {name}"


def test_the_words_of_a_type_are_all_it_says():
    """Every answer problem its rule gives, and every key its screen asks for, is listed."""
    for name, kind in QUESTION_TYPES.items():
        rule = (QUESTIONS / f"{name}.py").read_text(encoding="utf-8")
        said = set(re.findall(r'"(answer\.[a-z_]+)"', rule))
        screen = ROOT / "kiosk" / "ui" / "screens" / SCREENS[kind.screen].split(":")[0]
        for source in (screen.with_suffix(".py"), screen.with_suffix(".kv")):
            text = source.read_text(encoding="utf-8")
            said |= set(re.findall(r"""tr\(\s*["']([a-z_]+\.[a-z_.]+)["']""", text))
            said |= set(re.findall(r"""["']((?:nav|keyboard|multi)\.[a-z_]+)["']""", text))
        assert sorted(said - set(kind.words)) == [], name


def test_every_type_is_asked_by_a_screen_of_the_ui():
    for name, kind in QUESTION_TYPES.items():
        assert kind.screen in SCREENS, name
        assert screen_name(name) == kind.screen


def test_the_registry_and_the_screen_names_load_without_kivy_or_the_store():
    """The sync daemon and the portal read forms too: they run without Kivy."""
    code = (
        "import sys, kiosk.domain.questions, kiosk.domain.forms, kiosk.ui.screens\n"
        "print(sorted(m for m in ('kivy', 'sqlalchemy') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_every_demo_answer_is_accepted_by_its_own_rule(path):
    form = load_form(path)
    rng = random.Random(12)
    for question in form.questions:
        kind = QUESTION_TYPES[question.type]
        for share in (0.0, 0.5, 1.0) * 20:
            value, other_text = kind.demo_answer(question, rng, share)
            assert kind.problem(question, value, other_text) == "", (question.id, value)


def test_the_type_of_a_question_is_matched_nowhere_but_in_the_registry():
    """A new type touches one folder and one registry line, not a switch in every layer."""
    compared = re.compile(r"\.type\s*(==|!=|in\b|not in\b)|\btype\s*==\s*\"")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "kiosk").rglob("*.py")
        if QUESTIONS not in path.parents
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if compared.search(line)
    ]
    assert offenders == []


LONG_FORM = """
id: long
version: 1
title: {vi: Phiếu dài, en: Long form}
questions:
  - id: q1
    type: multi_choice
    text: {vi: Một, en: One}
    choices:
      - {id: a, label: {vi: A, en: A}}
      - {id: b, label: {vi: B, en: B}, other: {vi: Ghi rõ, en: Say}}
  - id: q2
    type: text
    required: false
    text: {vi: Hai, en: Two}
  - id: q3
    type: scale
    text: {vi: Ba, en: Three}
  - id: q4
    type: multi_choice
    text: {vi: Bốn, en: Four}
    choices:
      - {id: c, label: {vi: C, en: C}}
      - {id: d, label: {vi: D, en: D}}
  - id: q5
    type: text
    required: false
    text: {vi: Năm, en: Five}
"""


def test_the_quick_summary_merges_as_the_contract_always_had_it(tmp_path):
    """Every multi-choice question's ids in order, then texts, then "other" boxes."""
    path = tmp_path / "long.yaml"
    path.write_text(LONG_FORM, encoding="utf-8")
    form = load_form(path)
    answers = {
        "q1": Answer(["b", "a"], "chờ lâu"),
        "q2": Answer("tốt"),
        "q3": Answer("4"),
        "q4": Answer(["d"]),
        "q5": Answer(""),
    }
    assert quick_summary(form, answers) == QuickSummary(["b", "a", "d"], "tốt\nchờ lâu")
    assert quick_summary(form, {}) == QuickSummary([], "")
