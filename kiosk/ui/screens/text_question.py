"""A free-text question ("Các ý kiến góp ý khác"), typed on the kiosk's own keyboard.

Where config `qr.comment_url` is set, "write it on my phone" shows a QR code of that
address with the answer's UUID as the token: an opaque value, unique to this answer,
that lets the portal attach a comment written on the citizen's phone to it.
"""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk.domain.flow import Answer
from kiosk.domain.forms import Question, localized
from kiosk.ui.qrimage import QRCodeImage  # noqa: F401 - used in text_question.kv
from kiosk.ui.screens.base import KioskScreen, load_kv


class PhoneCodePanel(ModalView):
    url = StringProperty("")


class TextQuestionScreen(KioskScreen):
    question_text = StringProperty("")
    hint = StringProperty("")
    problem = StringProperty("")
    last_step = BooleanProperty(True)
    phone_url = StringProperty("")
    panel = None

    def load(self, question: Question, previous: Answer | None, last_step: bool) -> None:
        self.question = question
        self.question_text = localized(question.text, self.app.lang)
        self.hint = localized(question.hint, self.app.lang)
        self.problem = ""
        self.last_step = last_step
        keyboard = self.ids.keyboard
        keyboard.max_length = question.max_length
        keyboard.telex = self.app.lang == "vi"
        keyboard.set_text(previous.value if previous else "")
        template = self.app.core.config.comment_url if self.app.core else ""
        survey = self.app.survey
        self.phone_url = template.format(token=survey.uuid) if template and survey else ""

    def show_phone_code(self) -> None:
        self.panel = PhoneCodePanel(url=self.phone_url)
        self.panel.bind(on_dismiss=lambda *_a: setattr(self, "panel", None))
        self.panel.open(animation=False)

    def submit(self) -> None:
        problem = self.app.answer_and_advance(self.ids.keyboard.text)
        if problem:
            self.problem = self.app.tr(problem)

    def reset(self) -> None:
        if self.panel is not None:
            self.panel.dismiss(animation=False)
        self.ids.keyboard.set_text("")
        self.problem = self.phone_url = ""


load_kv(__file__)
