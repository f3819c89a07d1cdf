"""Write tests/data/report-sample-{quick,long}.json: real reports, made by build_report over
answers stored through the portal's own intake, for the document tests (XLSX, PDF) to print.

- quick: decision 2223's quick form at two units of Đà Nẵng over 2026 (a fixed seed):
  verdicts, reasons with "Lý do khác" texts, comments, counters, officers, channels,
  flagged answers and a second verdict on one dossier, a yearly minimum and a quota;
- long: the Đắk Song survey's 100 paper forms (tests/data/dak-song-2023-forms.csv) imported
  as a clerk imports them, reported for 2023.

Run it again after the report's shape changes: `python scripts/make_report_samples.py`
(tests/test_report_documents.py checks that the kept files are what it writes).
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.api.app import known_forms  # noqa: E402
from portal.cli import main as portal  # noqa: E402
from portal.intake import store_channel_answers  # noqa: E402
from portal.reports import ReportRequest, build_report  # noqa: E402
from portal.reports.targets import add_quota  # noqa: E402
from portal.schemas import AnswerIn  # noqa: E402
from portal.store.engine import make_portal_engine  # noqa: E402
from portal.store.settings import set_unit_settings  # noqa: E402

DATA = ROOT / "tests" / "data"
UNITS = {"DNG-HC": "UBND phường Hải Châu", "DNG-TK": "UBND phường Thanh Khê"}
REASONS = ("information", "progress", "repeated_contact", "staff_attitude", "other")
COMMENTS = ("Cán bộ hướng dẫn tận tình, cảm ơn.", "Nên có thêm ghế chờ.", "Thủ tục nhanh gọn.")
OTHER = ("Phải chờ lâu ở quầy số 2", "Không có chỗ để xe")


def quick_answer(rng: random.Random, number: int) -> AnswerIn:
    """One citizen's quick answer, as the web survey or a clerk's import stores it."""
    unit = "DNG-HC" if number % 3 else "DNG-TK"
    finished = datetime(2026, 1, 5, 2, tzinfo=timezone.utc) + timedelta(hours=7 * number)
    pleased = rng.random() < 0.85
    verdict = "satisfied" if pleased else "not_satisfied"
    answers: dict[str, object] = {"verdict": {"value": verdict, "other_text": ""}}
    reasons: list[str] = []
    if pleased and rng.random() < 0.2:
        answers["comment"] = {"value": rng.choice(COMMENTS), "other_text": ""}
    elif not pleased:
        reasons = sorted(rng.sample(REASONS, rng.randint(1, 2)))
        other = rng.choice(OTHER) if "other" in reasons else ""
        answers["reasons"] = {"value": reasons, "other_text": other}
    return AnswerIn.model_validate(
        {
            "uuid": str(uuid.UUID(int=rng.getrandbits(128))),
            "sequence": number,
            "form_id": "danang-2223",
            "form_version": 1,
            "unit_code": unit,
            "counter": rng.choice(("Q1", "Q2")),
            "device_id": "web",
            "officer": rng.choice(("CB01", "CB02", None)),
            "started_at": finished - timedelta(seconds=40),
            "finished_at": finished,
            "duration_ms": 40_000,
            "id_method": "none",
            "status": "complete",
            "verdict": verdict,
            "reasons": reasons,
            "comment": "",
            "answers": answers,
            "language": "vi",
            "dossier_code": "H17-0001" if number in (10, 11) else None,
            "flags": ["too_soon"] if number % 41 == 0 else [],
            "channel": "paper" if number % 7 == 0 else "web",
        }
    )


def quick_sample(folder: Path) -> dict:
    engine = make_portal_engine(f"sqlite:///{folder / 'quick.db'}")
    rng = random.Random(14)
    answers = [quick_answer(rng, number) for number in range(1, 1000)]
    store_channel_answers(engine, answers, "sample", known_forms())
    for unit, name in UNITS.items():
        set_unit_settings(engine, unit, yearly_dossiers=4000, name=name)
    add_quota(engine, "DNG-HC", "Q2", date(2026, 10, 1), date(2026, 12, 31), 120, "Kế hoạch quý IV")
    request = ReportRequest(
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        period_label="năm 2026",
        today=date(2026, 11, 26),
        comments_limit=20,
    )
    return build_report(engine, request)


def long_sample(folder: Path) -> dict:
    db = f"sqlite:///{folder / 'long.db'}"
    for argv in (
        ["counter", "add", "--unit", "DAKSONG", "MOTCUA"],
        [
            "unit",
            "DAKSONG",
            "--name",
            "Bộ phận Một cửa huyện Đắk Song",
            "--yearly-dossiers",
            "2400",
        ],
        [
            *("import", "--form", "sipas-dak-song-2023", "--unit", "DAKSONG"),
            *("--source", "paper", "--file", str(DATA / "dak-song-2023-forms.csv")),
        ],
    ):
        if portal(["--db", db, *argv]) != 0:
            raise SystemExit(f"portal {' '.join(argv)} failed")
    request = ReportRequest(
        form_id="sipas-dak-song-2023",
        units=("DAKSONG",),
        start=date(2023, 1, 1),
        end=date(2023, 12, 31),
        period_label="năm 2023",
        today=date(2023, 11, 30),
    )
    return build_report(make_portal_engine(db), request)


def samples() -> dict[str, dict]:
    """Both samples, made afresh; `generated_at` fixed so that a rerun writes the same."""
    with tempfile.TemporaryDirectory(prefix="report-samples-") as folder:
        made = {"quick": quick_sample(Path(folder)), "long": long_sample(Path(folder))}
    for report in made.values():
        report["generated_at"] = "2026-11-26T08:00:00Z"
    return made


def main() -> int:
    for name, report in samples().items():
        text = json.dumps(report, ensure_ascii=False, indent=1) + "\n"
        (DATA / f"report-sample-{name}.json").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
