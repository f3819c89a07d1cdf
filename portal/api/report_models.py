"""The report's JSON as a contract (pydantic): the body of `GET /api/v1/reports` and of
`portal report --format json`, as portal/reports/compute.py makes it. Programs read it, so
its keys change only with a new version of the API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FormOut(_Strict):
    id: str
    versions: list[int]
    title: str
    has_verdict: bool


class PeriodOut(_Strict):
    label: str
    from_: str | None = Field(alias="from")
    to: str | None
    as_of: str = Field(description="the last day with figures: today while the period runs on")


class FiltersOut(_Strict):
    units: list[str] = Field(description="[]: every unit")
    unit_names: dict[str, str]
    counters: list[str]
    officers: list[str]
    channels: list[str]
    period: PeriodOut
    include_flagged: bool


class AnswersOut(_Strict):
    counted: int = Field(description="answers without integrity flags (complete or not)")
    flagged: int = Field(description="answers with a flag: kept, left out of every figure")
    incomplete: int = Field(description="of the counted, those left before the end")
    by_channel: dict[str, int]
    flagged_by: dict[str, int] = Field(description="per flag; an answer may carry several")


class FlaggedVerdicts(_Strict):
    satisfied: int
    not_satisfied: int


class SatisfactionOut(_Strict):
    satisfied: int
    not_satisfied: int
    base: int
    percent: float | None = Field(description="MĐHL: satisfied / base, 2 decimals")
    flagged: FlaggedVerdicts | None = None


class ChoiceOut(_Strict):
    number: int
    id: str
    label: str
    count: int
    percent: float | None
    flagged: int | None = None


class SatisfiedLevels(_Strict):
    count: int
    percent: float | None
    levels: list[str]


class QuestionOut(_Strict):
    id: str
    number: int
    text: str
    heading: str
    type: str
    multiple: bool
    conditional: bool
    base: int = Field(description="who was asked and answered")
    note: str
    choices: list[ChoiceOut]
    satisfied: SatisfiedLevels | None
    dimension: str | None
    grid: str | None
    flagged_base: int | None = None


class ReasonOut(_Strict):
    number: int
    id: str
    label: str
    count: int
    percent_of_dissatisfied: float | None
    percent_of_all: float | None


class IndexOut(_Strict):
    dimension: str
    name: str
    percent: float | None
    satisfied: int | None
    answers: int | None
    questions: list[str]


class GroupRow(_Strict):
    key: str
    label: str
    counted: int
    flagged: int
    satisfied: int | None
    not_satisfied: int | None
    percent: float | None


class TargetOut(_Strict):
    kind: str = Field(description="yearly | half_year | quota")
    label: str
    unit: str
    counter: str | None
    from_: str = Field(alias="from")
    to: str
    target: int
    counted: int
    percent: float | None
    expected: int = Field(description="what should be reached by today, pro rata of the days")
    expected_percent: float | None
    status: str = Field(description="reached | on_track | behind | ended_short | not_started")


class CommentOut(_Strict):
    finished_at: str
    unit: str
    channel: str
    question: str
    kind: str = Field(description="comment (a text question) | other (beside a choice)")
    text: str


class CommentsOut(_Strict):
    count: int
    limit: int
    items: list[CommentOut]


class ChecksOut(_Strict):
    ok: bool
    problems: list[str]


class VerificationRow(_Strict):
    unit: str
    label: str
    from_: str = Field(alias="from")
    to: str
    population: int = Field(description="counted answers with a sealed phone when drawn")
    sampled: int
    called: int = Field(description="with an outcome recorded")
    reached: int = Field(description="the citizen answered: confirmed + disputed")
    confirmed: int
    disputed: int = Field(description="the citizen said otherwise")
    disowned: int = Field(description="disputed with another verdict: flagged disowned")
    percent: float | None = Field(description="confirmation rate: confirmed / reached")


class VerificationOut(_Strict):
    formula: str
    samples: list[VerificationRow] = Field(description="each re-verification sample (phúc tra)")


class FieldRow(_Strict):
    field: str = Field(description="the procedure's field (lĩnh vực), from the dossier")
    answers: int
    satisfied: int
    not_satisfied: int
    percent: float | None


class TimelinessRow(_Strict):
    late: bool = Field(description="returned after its appointment")
    label: str
    answers: int
    satisfied: int
    not_satisfied: int
    percent: float | None
    mean_delay_days: float = Field(description="late dossiers: mean days past the appointment")
    max_delay_days: float


class ReasonTimelinessRow(_Strict):
    question: str
    id: str
    label: str
    on_time: int
    late: int
    percent_on_time: float | None = Field(description="of the not satisfied on time")
    percent_late: float | None = Field(description="of the not satisfied whose dossier was late")


class DossiersOut(_Strict):
    """Counted answers read against their dossiers (`portal dossiers import`)."""

    matched: int = Field(description="counted answers whose dossier the portal keeps")
    unmatched: int = Field(description="counted answers without a dossier code")
    by_field: list[FieldRow]
    timeliness: list[TimelinessRow]
    reasons_by_timeliness: list[ReasonTimelinessRow]


class Report(_Strict):
    """A report: what build_report returns."""

    title: str
    generated_at: str
    form: FormOut
    filters: FiltersOut
    answers: AnswersOut
    satisfaction: SatisfactionOut | None
    questions: list[QuestionOut]
    reasons: list[ReasonOut]
    indices: list[IndexOut]
    index_formula: str
    groups: dict[str, list[GroupRow]]
    targets: list[TargetOut]
    comments: CommentsOut
    verification: VerificationOut | None = Field(
        default=None, description="re-verification samples within the period; absent: none"
    )
    dossiers: DossiersOut | None = Field(
        default=None, description="by field and on time or late; absent: no unit keeps dossiers"
    )
    checks: ChecksOut
