"""How long a first-time reader takes to read a step: one reading model for the kiosk's
idle time (a step's warning never comes before its text is read, kiosk/visit.py) and for
the long form's Keystroke-Level Model (benchmarks/long_form.py).

Reading is counted in Vietnamese syllables, each written word being one, at a rate a
first-time user at a counter reads a form they must answer. A step's words are its
question's text, hint and choices in the citizen's language: what is on screen before
the first tap (a choice's "Lý do khác" box opens only after one).
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.domain.forms import Question, localized


@dataclass(frozen=True)
class ReadingRate:
    """Syllables read a minute. Reading aloud, 17 languages, adults 18–35: 370 ± 80 a
    minute (IReST: Trauzettel-Klosinski & Dietz, IOVS 2012). A first-time user at a
    counter, of any age, reading a form they must answer: 300 (Brysbaert 2019: slower
    for older adults and for reading to answer)."""

    syllables_per_minute: float = 300.0

    def seconds(self, syllables: int) -> float:
        return syllables * 60.0 / self.syllables_per_minute


FIRST_TIME_READER = ReadingRate()


def syllables(text: str) -> int:
    """A Vietnamese text's syllables: its written words."""
    return len(text.split())


def step_texts(question: Question, language: str) -> list[str]:
    """What a step shows to be read, in the citizen's language: the hint, the question,
    each choice (empty texts left out)."""
    texts = [question.hint, question.text, *(choice.label for choice in question.choices)]
    return [shown for shown in (localized(t, language) for t in texts if t) if shown]


def reading_s(question: Question, language: str, rate: ReadingRate = FIRST_TIME_READER) -> float:
    """Seconds a first-time reader takes to read the whole step."""
    return rate.seconds(sum(syllables(text) for text in step_texts(question, language)))
