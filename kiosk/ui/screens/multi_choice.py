"""A question with several answers (the reasons for "Chưa hài lòng"): large tick rows.

A choice that carries an `other` prompt ("Lý do khác") opens a text box; typing happens
on the kiosk's own Vietnamese keyboard, in a panel over the screen.
"""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView

from kiosk.domain.flow import Answer
from kiosk.domain.forms import Question, localized
from kiosk.ui.screens.base import KioskScreen, load_kv


class CheckRow(ButtonBehavior, BoxLayout):
    choice_id = StringProperty("")
    text = StringProperty("")
    checked = BooleanProperty(False)


class OtherBox(ButtonBehavior, BoxLayout):
    prompt = StringProperty("")
    text = StringProperty("")
    placeholder = StringProperty("")


class KeyboardPanel(ModalView):
    """The Vietnamese keyboard over the screen, for a text box that has no room for it."""

    prompt = StringProperty("")

    def __init__(self, on_close, **kwargs):
        super().__init__(**kwargs)
        self._on_close = on_close

    def finish(self) -> None:
        self._on_close(self.ids.keyboard.text)
        self.dismiss(animation=False)


class MultiChoiceScreen(KioskScreen):
    question_text = StringProperty("")
    hint = StringProperty("")
    problem = StringProperty("")
    last_step = BooleanProperty(True)

    def load(self, question: Question, previous: Answer | None, last_step: bool) -> None:
        lang = self.app.lang
        self.question = question
        self.question_text = localized(question.text, lang)
        self.hint = localized(question.hint, lang)
        self.problem = ""
        self.last_step = last_step
        chosen = list(previous.value) if previous else []
        self.other_text = previous.other_text if previous else ""
        self.rows: dict[str, CheckRow] = {}
        self.other_box: OtherBox | None = None
        box = self.ids.rows
        box.clear_widgets()
        for choice in question.choices:
            row = CheckRow(choice_id=choice.id, text=localized(choice.label, lang))
            row.checked = choice.id in chosen
            row.bind(on_release=self._toggle)
            self.rows[choice.id] = row
            box.add_widget(row)
            if choice.other_prompt:
                self.other_box = OtherBox(
                    prompt=localized(choice.other_prompt, lang),
                    text=self.other_text,
                    placeholder=self.app.tr("multi.other_tap", lang),
                )
                self.other_box.bind(on_release=lambda _b: self.open_keyboard())
                self._other_id = choice.id
        self._place_other_box()
        self.ids.scroll.scroll_y = 1

    def _toggle(self, row: CheckRow) -> None:
        limit = self.question.max_choices
        if not row.checked and limit is not None and len(self.chosen()) >= limit:
            # "Chọn tối đa 4": a fifth tick is refused at once, saying why.
            self.problem = self.app.tr("answer.too_many", max=limit)
            return
        row.checked = not row.checked
        self.problem = ""
        self._place_other_box()
        if row.checked and self.other_box is not None and row.choice_id == self._other_id:
            self.open_keyboard()

    def _place_other_box(self) -> None:
        slot = self.ids.other_slot
        slot.clear_widgets()
        if self.other_box is not None and self.rows[self._other_id].checked:
            slot.add_widget(self.other_box)

    def open_keyboard(self) -> None:
        if self.other_box is None:  # only a choice with an `other` prompt opens it
            return
        if self.keyboard_panel is None:  # one panel, reused: a keyboard is ~60 widgets
            self.keyboard_panel = KeyboardPanel(self._set_other_text)
        panel = self.keyboard_panel
        panel.prompt = self.other_box.prompt
        panel.ids.keyboard.telex = self.app.lang == "vi"
        panel.ids.keyboard.set_text(self.other_text)
        panel.open(animation=False)

    def _set_other_text(self, text: str) -> None:
        self.other_text = text
        if text.strip() and self.problem == self.app.tr("answer.other_required"):
            self.problem = ""  # written now: the request for it is answered
        if self.other_box is not None:
            self.other_box.text = text
            self.ids.scroll.scroll_to(self.other_box, animate=False)

    def chosen(self) -> list[str]:
        return [cid for cid, row in self.rows.items() if row.checked]

    def submit(self) -> None:
        other = self.other_text if self._other_id in self.chosen() else ""
        problem = self.app.answer_and_advance(self.chosen(), other)
        if problem:
            self.problem = self.app.tr(problem, max=self.question.max_choices)
        if problem == "answer.other_required":
            self.open_keyboard()

    def reset(self) -> None:
        self.ids.rows.clear_widgets()
        self.ids.other_slot.clear_widgets()
        self.rows, self.other_box, self.other_text, self.problem = {}, None, "", ""
        if self.keyboard_panel is not None:
            self.keyboard_panel.dismiss(animation=False)
            self.keyboard_panel.ids.keyboard.set_text("")

    _other_id = ""
    keyboard_panel: KeyboardPanel | None = None


load_kv(__file__)
