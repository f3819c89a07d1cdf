"""Question types, registered in one place: each type's checks, answer rule, demo answerer,
screen and words (`QuestionType`, in kiosk/domain/questions/base.py).

Adding a type: a module here giving its `TYPE`, its screen under kiosk/ui/screens (.py and
.kv, named in `SCREENS`), its words in assets/locale/*.yaml, and one line below. Nothing
in this package imports Kivy: a type names its screen, the UI builds it.
"""

from __future__ import annotations

from kiosk.domain.questions import multi_choice, scale, single_choice, text
from kiosk.domain.questions.base import QuestionType

# The name a form file gives in a question's `type`, and the type it means.
QUESTION_TYPES: dict[str, QuestionType] = {
    "single_choice": single_choice.TYPE,
    "multi_choice": multi_choice.TYPE,
    "text": text.TYPE,
    "scale": scale.TYPE,
}


def screen_name(question_type: str) -> str:
    """The name of the screen (in `kiosk.ui.screens.SCREENS`) that asks this type.

    Every question screen takes `load(question, previous_answer_or_None, is_last_step)`.
    """
    return QUESTION_TYPES[question_type].screen
