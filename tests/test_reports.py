"""The report computation (portal/reports/compute.py) on real databases, SQLite and
PostgreSQL: answers stored through the portal's intake, counted back by build_report with
GROUP BY; every figure here is written out from the answers the test gave, by hand.

What a report must get right: satisfaction and reasons of the counted answers only, the
flagged ones left out and counted apart (and shown when asked), one verdict per dossier
whichever order the verdicts arrive in, a period in the unit's local days, every filter,
targets against the decision's minimums and a plan's quotas, and checks that pass.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from portal.api.app import known_forms
from portal.api.report_models import Report
from portal.intake import store_channel_answers
from portal.reports import ReportError, ReportRequest, build_report, collect
from portal.reports.request import PeriodError, parse_period
from portal.reports.targets import add_quota
from portal.schemas import AnswerIn
from portal.store.engine import make_portal_engine
from portal.store.settings import set_unit_settings

NOV = datetime(2026, 11, 10, 3, 0, tzinfo=timezone.utc)  # 10:00 in Vietnam


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'portal.db'}"
    else:
        url = request.getfixturevalue("postgres").new_database(f"rep_{uuid.uuid4().hex[:12]}")
    made = make_portal_engine(url)
    yield made
    made.dispose()


def quick(
    verdict: str = "satisfied",
    reasons: tuple[str, ...] = (),
    comment: str = "",
    other: str = "",
    finished: datetime = NOV,
    **changes: object,
) -> AnswerIn:
    """A quick-form answer as the web survey or an import stores it."""
    answers: dict[str, object] = {"verdict": {"value": verdict, "other_text": ""}}
    if reasons:
        answers["reasons"] = {"value": list(reasons), "other_text": other}
    if comment:
        answers["comment"] = {"value": comment, "other_text": ""}
    body: dict[str, object] = {
        "uuid": str(uuid.uuid4()),
        "sequence": 1,
        "form_id": "danang-2223",
        "form_version": 1,
        "unit_code": "DNG-HC",
        "counter": "Q1",
        "device_id": "web",
        "officer": None,
        "started_at": finished - timedelta(seconds=30),
        "finished_at": finished,
        "duration_ms": 30_000,
        "id_method": "none",
        "status": "complete",
        "verdict": verdict,
        "reasons": list(reasons),
        "comment": comment,
        "answers": answers,
        "language": "vi",
        "channel": "web",
    }
    return AnswerIn.model_validate(body | changes)


def store(engine, *answers: AnswerIn) -> None:
    fates = store_channel_answers(engine, list(answers), "batch", known_forms())
    assert {fate.status for fate in fates} == {"stored"}, fates


def report(engine, **asked: object) -> dict:
    asked.setdefault("today", date(2026, 11, 26))
    made = build_report(engine, ReportRequest(**asked))  # type: ignore[arg-type]
    Report.model_validate(made)  # the contract's shape (portal/openapi.json)
    assert made["checks"] == {"ok": True, "problems": []}, made["checks"]
    return made


def a_month_of_answers(engine) -> None:
    """Ten answers at DNG-HC and two at DNG-TK; one flagged, one a second verdict."""
    store(
        engine,
        *(quick(officer="CB01") for _ in range(5)),
        quick(comment="Cán bộ tận tình", officer="CB02", counter="Q2"),
        quick("not_satisfied", ("progress", "staff_attitude"), officer="CB01"),
        quick("not_satisfied", ("progress",), channel="paper", device_id="paper"),
        quick("not_satisfied", ("other",), other="Phải chờ lâu", officer="CB02", counter="Q2"),
        quick(flags=["too_soon", "burst"]),  # flagged: left out
        quick(unit_code="DNG-TK", dossier_code="H17-0001", finished=NOV - timedelta(hours=1)),
        # A second verdict on the same dossier, under another unit: flagged, not counted.
        quick("not_satisfied", ("progress",), dossier_code="h17-0001"),
    )


def test_a_quick_report_counts_the_answers_given(engine):
    a_month_of_answers(engine)
    made = report(engine, start=date(2026, 11, 1), end=date(2026, 11, 30))
    answers = made["answers"]
    assert (answers["counted"], answers["flagged"], answers["incomplete"]) == (10, 2, 0)
    assert answers["by_channel"] == {"paper": 1, "web": 9}
    assert answers["flagged_by"] == {"burst": 1, "duplicate_dossier": 1, "too_soon": 1}
    assert made["satisfaction"] == {
        "satisfied": 7,
        "not_satisfied": 3,
        "base": 10,
        "percent": 70.0,
    }
    reasons = {row["id"]: row for row in made["reasons"]}
    assert reasons["progress"]["count"] == 2
    assert reasons["progress"]["percent_of_dissatisfied"] == 66.67  # 2 of 3
    assert reasons["progress"]["percent_of_all"] == 20.0  # 2 of 10
    assert reasons["staff_attitude"]["count"] == 1 and reasons["information"]["count"] == 0
    table = next(q for q in made["questions"] if q["id"] == "reasons")
    assert (table["base"], table["multiple"], table["conditional"]) == (3, True, True)
    verdict = next(q for q in made["questions"] if q["id"] == "verdict")
    assert [c["count"] for c in verdict["choices"]] == [7, 3]
    assert made["indices"] == [
        {
            "dimension": "overall",
            "name": "Mức độ hài lòng chung",
            "percent": 70.0,
            "satisfied": 7,
            "answers": 10,
            "questions": ["verdict"],
        }
    ]
    units = {row["key"]: row for row in made["groups"]["unit"]}
    assert (units["DNG-HC"]["counted"], units["DNG-HC"]["flagged"]) == (9, 2)
    assert (units["DNG-TK"]["counted"], units["DNG-TK"]["percent"]) == (1, 100.0)
    officers = {row["key"]: row["counted"] for row in made["groups"]["officer"]}
    # An officer is one unit's: with two units in the report, each row says whose.
    assert officers == {"DNG-HC · ": 1, "DNG-HC · CB01": 6, "DNG-HC · CB02": 2, "DNG-TK · ": 1}
    counters = {row["key"] for row in report(engine, units=("DNG-HC",))["groups"]["counter"]}
    assert counters == {"Q1", "Q2"}  # one unit: the counter alone
    assert [row["key"] for row in made["groups"]["day"]] == ["2026-11-10"]
    texts = sorted(item["text"] for item in made["comments"]["items"])
    assert texts == ["Cán bộ tận tình", "Phải chờ lâu"] and made["comments"]["count"] == 2


def test_flagged_answers_show_in_their_own_column_when_asked(engine):
    a_month_of_answers(engine)
    made = report(engine, include_flagged=True)
    assert made["satisfaction"]["flagged"] == {"satisfied": 1, "not_satisfied": 1}
    assert made["satisfaction"]["satisfied"] == 7  # never mixed in
    verdict = next(q for q in made["questions"] if q["id"] == "verdict")
    assert [(c["count"], c["flagged"]) for c in verdict["choices"]] == [(7, 1), (3, 1)]
    assert verdict["flagged_base"] == 2


def test_the_first_verdict_on_a_dossier_counts_whichever_arrives_first(engine):
    later = quick("not_satisfied", ("progress",), dossier_code="H17-9", finished=NOV)
    store(engine, later)
    assert report(engine)["satisfaction"]["not_satisfied"] == 1
    # An offline tablet delivers, later, the verdict given first: it counts instead.
    earlier = quick(dossier_code="h17-9 ", finished=NOV - timedelta(days=1), channel="paper")
    store(engine, earlier)
    made = report(engine)
    assert (made["satisfaction"]["satisfied"], made["satisfaction"]["not_satisfied"]) == (1, 0)
    assert made["answers"]["flagged_by"] == {"duplicate_dossier": 1}
    assert next(r for r in made["reasons"] if r["id"] == "progress")["count"] == 0
    (row,) = collect(engine)["units"]  # portal stats reads the same flags
    assert (row["counted"], row["flagged"]) == (1, {"duplicate_dossier": 1})


def test_a_period_is_in_the_units_local_days(engine):
    # 23:30 on 31 October in UTC is 06:30 on 1 November in Vietnam.
    store(engine, quick(finished=datetime(2026, 10, 31, 23, 30, tzinfo=timezone.utc)))
    november, october = parse_period("2026-11"), parse_period("2026-10")
    assert report(engine, start=november.start, end=november.end)["answers"]["counted"] == 1
    assert report(engine, start=october.start, end=october.end)["answers"]["counted"] == 0
    assert [r["key"] for r in report(engine)["groups"]["month"]] == ["2026-11"]


def test_every_filter_narrows_the_answers(engine):
    a_month_of_answers(engine)
    assert report(engine, units=("DNG-TK",))["answers"]["counted"] == 1
    assert report(engine, units=("DNG-HC", "DNG-TK"))["answers"]["counted"] == 10
    assert report(engine, counters=("Q2",))["answers"]["counted"] == 2
    assert report(engine, officers=("CB01",))["satisfaction"]["not_satisfied"] == 1
    assert report(engine, channels=("paper",))["answers"]["counted"] == 1
    assert report(engine, channels=("kiosk",))["answers"]["counted"] == 0
    empty = report(engine, form_id="sipas-dak-song-2023")
    assert empty["answers"]["counted"] == 0 and empty["satisfaction"] is None
    with pytest.raises(ReportError, match="không biết mẫu phiếu"):
        build_report(engine, ReportRequest(form_id="no-such-form"))
    # A typo is refused, never printed as an empty report that looks real; case is forgiven.
    assert report(engine, units=("dng-tk",))["filters"]["units"] == ["DNG-TK"]
    for asked, words in (
        (
            {"units": ("DNG-HX",)},
            "Cổng không biết đơn vị 'DNG-HX'; các đơn vị đã biết: DNG-HC, DNG-TK.",
        ),
        (
            {"units": ("DNG-TK",), "counters": ("Q2",)},
            "không biết quầy 'Q2' của các đơn vị đã chọn",
        ),
        ({"officers": ("CB09",)}, "không biết cán bộ 'CB09'"),
    ):
        with pytest.raises(ReportError) as refused:
            build_report(engine, ReportRequest(**asked))  # type: ignore[arg-type]
        assert words in str(refused.value)


def test_targets_count_progress_against_the_decision_and_the_plan(engine):
    store(engine, *(quick(finished=NOV - timedelta(days=30 * k)) for k in range(10)))
    store(engine, *(quick(counter="Q2") for _ in range(3)))
    set_unit_settings(engine, "DNG-HC", yearly_dossiers=4000, state_applicants=12)
    add_quota(engine, "DNG-HC", None, date(2026, 10, 1), date(2026, 12, 31), 120, "Kế hoạch 238")
    add_quota(engine, "DNG-HC", "Q2", date(2026, 11, 1), date(2026, 11, 30), 3, "Quầy 2")
    made = report(engine, units=("DNG-HC",), start=date(2026, 11, 1), end=date(2026, 11, 30))
    targets = {(t["kind"], t["counter"]): t for t in made["targets"]}
    yearly = targets[("yearly", None)]
    # Decision 2223's own example: 4,000 dossiers → at least 259 forms; 13 this year.
    assert (yearly["target"], yearly["counted"], yearly["status"]) == (259, 13, "behind")
    assert yearly["expected"] == 234  # 259 × 330/365: 26 November is the year's 330th day
    half = targets[("half_year", None)]
    assert (half["from"], half["to"], half["target"], half["counted"]) == (
        "2026-07-01",
        "2026-12-31",
        12,
        8,  # 10 Nov, 11 Oct, 11 Sep, 12 Aug, 13 Jul, and the three at Q2
    )
    assert half["status"] == "behind"
    plan = targets[("quota", None)]
    assert (plan["target"], plan["counted"], plan["label"]) == (120, 5, "Kế hoạch 238")
    counter = targets[("quota", "Q2")]
    assert (counter["counted"], counter["status"]) == (3, "reached")


def test_a_period_is_read_in_the_words_people_use():
    assert parse_period("2026-H2").start == date(2026, 7, 1)
    assert parse_period("2026-q3").label == "quý III/2026"
    assert parse_period("2024-02").end == date(2024, 2, 29)
    assert parse_period("11/2026") == parse_period("2026-11")  # as people write it
    for wrong in ("2026-13", "2026-Q5", "13/2026", "năm ngoái", ""):
        with pytest.raises(PeriodError, match="Không đọc được kỳ báo cáo"):
            parse_period(wrong)


def test_answers_stored_before_the_report_columns_are_counted_after_migrating(tmp_path, request):
    """A database of the first slice (no migrations), holding two verdicts on one dossier:
    migration 0004 fills the report's columns and rows from the payloads and flags the
    later verdict, so the report counts what intake would have counted."""
    from sqlalchemy import create_engine, text

    from tests.test_portal_schema import NOW, made_before_migrations

    for kind in ("sqlite", "postgresql"):
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path / 'old.db'}"
        else:
            postgres = request.getfixturevalue("postgres")
            url = postgres.new_database(f"old_{uuid.uuid4().hex[:12]}")
        made_before_migrations(url)  # one satisfied verdict on dossier …-0001, at NOW
        old = create_engine(url)
        with old.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO answers (uuid, content_hash, received_from, unit_code, "
                    "form_id, form_version, finished_at, received_at, batch_id, payload) "
                    "VALUES ('u-2', 'h', 'kiosk-1', 'DNG-HC', 'danang-2223', 1, :later, "
                    ":later, 'b', :payload)"
                ),
                {
                    "later": NOW.replace(tzinfo=None) + timedelta(hours=1),
                    "payload": '{"dossier_code": "000.00.01.H17-261102-0001", '
                    '"verdict": "not_satisfied", "reasons": ["progress"], "counter": "Q1"}',
                },
            )
        old.dispose()
        migrated = make_portal_engine(url)
        made = report(migrated)
        assert made["answers"]["counted"] == 1, kind
        assert made["answers"]["flagged_by"] == {"duplicate_dossier": 1}, kind
        assert made["satisfaction"]["satisfied"] == 1, kind
        assert [row["key"] for row in made["groups"]["month"]] == ["2026-11"], kind
        migrated.dispose()


def test_targets_count_citizens_whatever_the_form_and_stop_at_today(engine):
    set_unit_settings(engine, "DNG-HC", yearly_dossiers=100, state_applicants=3)
    first = quick(finished=datetime(2026, 3, 2, 3, tzinfo=timezone.utc))
    follow = {"form_id": "sipas-dak-song-2023", "verdict": None, "answers": {}}
    store(
        engine,
        first,
        # The long form a citizen went on to (the same citizen): not counted again.
        quick(**follow, follows=first.uuid, finished=datetime(2026, 3, 2, 4, tzinfo=timezone.utc)),
        # A long form on paper is a citizen of its own.
        quick(**follow, channel="paper", finished=datetime(2026, 4, 2, 3, tzinfo=timezone.utc)),
        quick(finished=datetime(2026, 12, 20, 3, tzinfo=timezone.utc)),  # after "today"
    )
    for form_id in ("danang-2223", "sipas-dak-song-2023"):
        made = report(engine, form_id=form_id, today=date(2026, 11, 26))
        yearly = next(t for t in made["targets"] if t["kind"] == "yearly")
        assert yearly["counted"] == 2, form_id  # the same on either form's report
    # A report of the first half, made in November: that half's target, as it ended.
    first_half = report(engine, start=date(2026, 1, 1), end=date(2026, 6, 30))
    half = next(t for t in first_half["targets"] if t["kind"] == "half_year")
    assert (half["from"], half["counted"], half["status"]) == ("2026-01-01", 2, "ended_short")
    assert half["expected"] == 3 and half["expected_percent"] == 100.0


def test_a_number_written_into_a_comment_is_not_published(engine):
    store(engine, quick(comment="Gọi lại cho tôi số 0912 345 678, CCCD 001203004567, quầy 2"))
    (item,) = report(engine)["comments"]["items"]
    assert item["text"] == "Gọi lại cho tôi số ••••••••78, CCCD ••••••••••67, quầy 2"


def test_a_second_verdicts_comment_is_left_out_with_it(engine):
    store(engine, quick(dossier_code="H17-5", comment="Lần đầu"))
    store(engine, quick(dossier_code="H17-5", comment="Lần hai", finished=NOV + timedelta(hours=1)))
    made = report(engine)
    assert made["answers"]["flagged_by"] == {"duplicate_dossier": 1}
    assert [item["text"] for item in made["comments"]["items"]] == ["Lần đầu"]
    # The flag moves when an earlier verdict arrives late: the comments follow it.
    store(engine, quick(dossier_code="H17-5", comment="Sớm nhất", finished=NOV - timedelta(days=1)))
    assert [item["text"] for item in report(engine)["comments"]["items"]] == ["Sớm nhất"]


def test_an_officers_own_verdict_does_not_push_out_the_citizens(engine):
    store(engine, quick(dossier_code="H17-6", flags=["officer_self"], finished=NOV))
    store(
        engine,
        quick(
            "not_satisfied", ("progress",), dossier_code="H17-6", finished=NOV + timedelta(hours=2)
        ),
    )
    made = report(engine)
    assert made["satisfaction"]["not_satisfied"] == 1 and made["satisfaction"]["satisfied"] == 0
    assert made["answers"]["flagged_by"] == {"duplicate_dossier": 1, "officer_self": 1}


def test_a_unit_behind_with_no_answer_at_all_still_shows_its_target(engine):
    store(engine, quick())
    set_unit_settings(engine, "DNG-XX", yearly_dossiers=4000)  # known by its settings only
    made = report(engine)
    (target,) = [t for t in made["targets"] if t["unit"] == "DNG-XX"]
    assert (target["counted"], target["target"], target["status"]) == (0, 259, "behind")
    assert report(engine, units=("dng-xx",))["answers"]["counted"] == 0  # not refused


def test_figures_are_as_of_today(engine):
    store(engine, quick(finished=datetime(2026, 11, 3, 3, tzinfo=timezone.utc)))
    store(engine, quick(finished=datetime(2026, 11, 20, 3, tzinfo=timezone.utc)))
    november = parse_period("2026-11")
    made = report(engine, start=november.start, end=november.end, today=date(2026, 11, 5))
    assert made["filters"]["period"]["as_of"] == "2026-11-05"
    assert made["answers"]["counted"] == 1  # the answer dated the 20th is not yet


def test_a_number_is_hidden_however_the_citizen_grouped_its_digits():
    from portal.reports.privacy import masked_numbers

    groupings = (
        "0905123456", "0905  123  456", "0905/123/456", "0905_123_456", "(0905) 123-456",
        "0905 - 123 - 456", "0905.123.456",
    )  # fmt: skip
    shown = [masked_numbers(f"gọi lại số {number} nhé") for number in groupings]
    assert all(text.endswith("••••••••56 nhé") for text in shown), shown
    assert not any(char.isdigit() for text in shown for char in text.replace("56", ""))
    kept = "3 người chờ 2 lần trong năm 2026, quầy 12"
    assert masked_numbers(kept) == kept
