"""One citizen's pass through the kiosk as a state machine, free of any screen.

The visit (kiosk/visit.py) asks the survey what to show (`current`), hands it what the
citizen confirmed (`submit_identification`, `answer`), and moves with `advance` and `back`.
At the end `finish` gives a `FinishedAnswer` for the store; `abandon` gives the incomplete
answer a citizen leaves by walking away after the verdict (or nothing at all).

A survey of the long form offered after a quick answer (kiosk/visit.py) `follows` that
answer's uuid; it asks no identification (the quick answer holds it), and a citizen who
walks away leaves what they confirmed, as there is no verdict to wait for. `progress`
says where a citizen is among the questions that apply ("Câu 5 / 27").
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from time import monotonic

from kiosk.domain.forms import AnswerValue, Form, Question
from kiosk.domain.identification import IdentificationPolicy
from kiosk.domain.questions import QUESTION_TYPES
from kiosk.domain.questions.base import nfc
from kiosk.domain.validators import Check

IDENTIFICATION = "identification"


@dataclass(frozen=True)
class Answer:
    """What a citizen gave for one question: a choice id, several ids, or text."""

    value: str | list[str]
    other_text: str = ""


@dataclass(frozen=True)
class FinishedAnswer:
    """One citizen's answer as it leaves the flow for the store."""

    uuid: str
    form_id: str
    form_version: int
    language: str
    started_at: datetime
    finished_at: datetime
    duration_ms: int
    id_method: str
    identity: dict[str, str]
    answers: dict[str, Answer]
    # The choice given for the form's `role: verdict` question, if any.
    verdict: str | None
    complete: bool
    # A quick answer: whether its citizen was drawn for the long form (None: no draw took
    # place, as no long form is configured or the citizen left before the end). A long
    # answer: the uuid of the quick answer it follows.
    drawn: bool | None = None
    follows: str | None = None


@dataclass(frozen=True)
class Progress:
    """Where a citizen is: the `number`-th of the `total` questions that apply so far."""

    number: int
    total: int


@dataclass
class Survey:
    """The state of one citizen's survey, from the welcome tap to the thank-you."""

    form: Form
    policy: IdentificationPolicy
    language: str = "vi"
    now: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    clock: Callable[[], float] = monotonic
    uuid: str = field(default_factory=lambda: str(uuid_module.uuid4()))
    follows: str | None = None  # the quick answer a long form's survey follows

    def __post_init__(self) -> None:
        self.started_at = self.now()
        self._started_mono = self.clock()
        self.identity: dict[str, str] = {}
        self.raw_identity: dict[str, str] = {}
        self.id_method = "none"
        self.identified = False
        self.answers: dict[str, Answer] = {}
        self._position = 0

    # --- where we are -------------------------------------------------------------
    def steps(self) -> list[str]:
        """The steps as they stand now: identification (if asked) and applicable questions."""
        values: dict[str, AnswerValue] = {qid: a.value for qid, a in self.answers.items()}
        steps = [IDENTIFICATION] if self.policy.enabled else []
        steps += [q.id for q in self.form.questions if q.applies(values)]
        return steps

    @property
    def current(self) -> str:
        """The id of the step to show: 'identification' or a question id."""
        return self.steps()[self._position]

    @property
    def current_question(self) -> Question | None:
        step = self.current
        return None if step == IDENTIFICATION else self.form.question(step)

    @property
    def is_last_step(self) -> bool:
        return self._position == len(self.steps()) - 1

    def progress(self) -> Progress:
        """The current question's place among the questions that apply given the answers so
        far (a condition met later adds its question to the total then)."""
        questions = [step for step in self.steps() if step != IDENTIFICATION]
        current = self.current
        number = questions.index(current) + 1 if current in questions else 0
        return Progress(number, len(questions))

    # --- what the citizen gives ---------------------------------------------------
    def submit_identification(
        self, values: dict[str, str], method: str = "typed"
    ) -> dict[str, Check]:
        """Take the typed (or scanned) fields; return the problems, empty when accepted."""
        year = self.now().year
        problems = self.policy.check_all(values, year)
        if problems:
            return problems
        self.raw_identity = dict(values)
        self.identity = self.policy.normalized(values, year)
        self.id_method = method if self.identity else "none"
        self.identified = True
        return {}

    def identify_by_receipt(self, dossier_code: str, method: str = "qr") -> None:
        """A scanned receipt (or a dossier the portal found for the citizen at the lookup,
        typed or scanned there: `method`): the dossier is known, nothing else needs typing."""
        self.raw_identity = {"dossier_code": dossier_code}
        self.identity = {"dossier_code": dossier_code}
        self.id_method = method
        self.identified = True

    def skip_identification(self) -> bool:
        if not self.policy.allow_skip:
            return False
        self.identity, self.raw_identity, self.id_method = {}, {}, "none"
        self.identified = True
        return True

    def answer(self, question_id: str, value: str | list[str], other_text: str = "") -> str:
        """Record an answer; return a problem code ('' when accepted).

        A text beside the answer is kept only when a choice given asks for one: any other
        (a page or a file may send one with any answer) is dropped, so that it never
        reaches the answer's comment."""
        question = self.form.question(question_id)
        if not question.opens_a_text_box(value):
            other_text = ""
        kind = QUESTION_TYPES[question.type]
        problem = kind.problem(question, value, other_text)
        if not problem:
            self.answers[question_id] = Answer(kind.clean(value), nfc(other_text))
        return problem

    def draft(self, question_id: str) -> Answer | None:
        return self.answers.get(question_id)

    # --- moving -------------------------------------------------------------------
    def advance(self) -> bool:
        """Move on; False when the current step is the last one (time to finish).

        Raises ValueError when the current step still needs an answer: the UI moves on
        only after the survey accepted what the citizen gave.
        """
        if self.current in self.missing():
            raise ValueError(f"step {self.current!r} has no answer yet")
        if self.is_last_step:
            return False
        self._position += 1
        return True

    def back(self) -> bool:
        """Step back; False when already at the first step (back means the welcome screen)."""
        if self._position == 0:
            return False
        self._position -= 1
        return True

    # --- the end ------------------------------------------------------------------
    def missing(self) -> list[str]:
        """Steps that still need an answer: identification, applicable required questions."""
        pending = [IDENTIFICATION] if self.policy.enabled and not self.identified else []
        return pending + [
            qid
            for qid in self.steps()
            if qid != IDENTIFICATION
            and self.form.question(qid).required
            and qid not in self.answers
        ]

    def finish(self) -> FinishedAnswer:
        if self.missing():
            raise ValueError(f"unanswered: {self.missing()}")
        applicable = set(self.steps())
        kept = {qid: a for qid, a in self.answers.items() if qid in applicable}
        return self._result(kept, complete=True)

    def abandon(self, keep_incomplete: bool = True) -> FinishedAnswer | None:
        """The answer left by a citizen who walked away: only what they moved past.

        A form with a verdict leaves an answer once the verdict was confirmed; a form
        without one (the long form) once any question was.
        """
        confirmed = set(self.steps()[: self._position])
        kept = {qid: a for qid, a in self.answers.items() if qid in confirmed}
        verdict = self.form.verdict
        worth_keeping = verdict.id in kept if verdict is not None else bool(kept)
        if not keep_incomplete or not worth_keeping:
            return None
        return self._result(kept, complete=False)

    def _result(self, kept: dict[str, Answer], complete: bool) -> FinishedAnswer:
        verdict_q = self.form.verdict
        verdict = kept.get(verdict_q.id) if verdict_q else None
        return FinishedAnswer(
            uuid=self.uuid,
            form_id=self.form.id,
            form_version=self.form.version,
            language=self.language,
            started_at=self.started_at,
            finished_at=self.now(),
            duration_ms=int((self.clock() - self._started_mono) * 1000),
            id_method=self.id_method,
            identity=dict(self.identity),
            answers=kept,
            verdict=verdict.value if verdict and isinstance(verdict.value, str) else None,
            complete=complete,
            follows=self.follows,
        )
