"""A question with one answer: the verdict (two big buttons with faces), a choice, or a
five-level scale (its levels side by side on a landscape screen).

A tap on a choice is the answer: the survey moves on at once, as the decision's flow does.
"""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.domain.flow import Answer
from kiosk.domain.forms import Question, localized
from kiosk.domain.questions import QUESTION_TYPES
from kiosk.ui import theme
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import BigButton

FACES = {True: "☺", False: "☹"}


class ChoiceButton(BigButton):
    choice_id = StringProperty("")


class SingleChoiceScreen(KioskScreen):
    question_text = StringProperty("")
    hint = StringProperty("")

    def load(self, question: Question, previous: Answer | None, _last_step: bool) -> None:
        lang = self.app.lang
        chosen = previous.value if previous else None
        self.question = question
        self.question_text = localized(question.text, lang)
        self.hint = localized(question.hint, lang)
        box = self.ids.choices
        box.clear_widgets()
        box.big = len(question.choices) <= 2
        box.row = box.big or QUESTION_TYPES[question.type].across
        for choice in question.choices:
            button = ChoiceButton(choice_id=choice.id, selected=choice.id == chosen)
            label = localized(choice.label, lang)
            # Faces for the verdict only: a scale's "Bình thường" is no frown.
            if question.role == "verdict" and choice.satisfied is not None:
                button.role = "satisfied" if choice.satisfied else "not_satisfied"
                face = FACES[choice.satisfied]
                button.text = f"[font={theme.ICON_FONT}][size=120sp]{face}[/size][/font]\n{label}"
                button.font_size = "44sp"
            else:
                button.text = label
            button.bind(on_release=lambda b: self.app.answer_and_advance(b.choice_id))
            box.add_widget(button)

    def reset(self) -> None:
        self.ids.choices.clear_widgets()


load_kv(__file__)
