"""A free-text question ("Các ý kiến góp ý khác"), typed on the kiosk's own keyboard."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from kiosk.domain.forms import Question, localized
from kiosk.ui.screens.base import KioskScreen, load_kv


class TextQuestionScreen(KioskScreen):
    question_text = StringProperty("")
    hint = StringProperty("")
    problem = StringProperty("")
    last_step = BooleanProperty(True)

    def load(self, question: Question, previous, last_step: bool) -> None:
        self.question = question
        self.question_text = localized(question.text, self.app.lang)
        self.hint = localized(question.hint, self.app.lang)
        self.problem = ""
        self.last_step = last_step
        keyboard = self.ids.keyboard
        keyboard.max_length = question.max_length
        keyboard.telex = self.app.lang == "vi"
        keyboard.set_text(previous.value if previous else "")

    def submit(self) -> None:
        problem = self.app.answer_and_advance(self.ids.keyboard.text)
        if problem:
            self.problem = self.app.tr(problem)

    def reset(self) -> None:
        self.ids.keyboard.set_text("")
        self.problem = ""


load_kv(__file__)
