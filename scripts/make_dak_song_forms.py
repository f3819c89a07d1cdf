"""Make tests/data/dak-song-2023-forms.csv: the 100 paper forms behind the Đắk Song report.

The Phòng Nội vụ's report (../shared/seeds/dak-song-2023-survey-report.txt) prints, for each
question of assets/forms/sipas-dak-song-2023.yaml, each choice's count of 100 forms
(tests/data/dak-song-2023-published.csv holds them as printed). This script writes 100
forms, in the import format of tests/data/paper-sipas-dak-song.csv (`python -m portal
import --form sipas-dak-song-2023 --source paper`), whose tables are the published ones
wherever the report is arithmetically possible under the form's rules. Deterministic: the
same file every run (`--check` says whether the kept file is that file).

Where the report cannot be reproduced, the closest honest correction, and why:

- Câu 1: the report prints only "Bộ phận Một cửa cấp huyện: 95 of 100"; the other 5 forms
  are given the form's other choice, "Bộ phận Một cửa cấp xã" (95 district, 5 commune).
- Câu 8 is asked only after Câu 7 = "Trễ hẹn" (15 forms), so its base is 15, not the 100
  the report divides by; its 59% / 41% are kept as closely as 15 allows (largest
  remainder): Có 9, Không 6 (60% / 40%).
- Câu 9, item 1: its five counts add to 110 of 100 forms (30 + 54 + 24 + 1 + 1); each count
  matches its printed percentage, so one count is wrong and the report does not say which.
  "Bình thường" is corrected, 24 → 14: the satisfied levels (30 + 54 = 84%) stay as
  printed, so the item's MĐHL and the dimension index are the report's.
- Câu 11, item 4: adds to 101 (23 + 53 + 24 + 1 + 0); by the same rule "Bình thường"
  24 → 23, the satisfied share (76%) as printed.
- Câu 14 and Câu 15 are asked only after Câu 13 = "Có" (8 forms), so their base is 8, not
  100; their shares are kept as closely as 8 allows (largest remainder): both become
  Rất hài lòng 1, Hài lòng 5, Bình thường 2, Không hài lòng 0, Rất không hài lòng 0
  (the report: 17/59/21/3/0 and 15/60/22/2/1 of 100).
- Câu 16 (at most 4 choices): the report lists the choices but no counts; each form here
  picks 1 to 4 of them, drawn with fixed weights that favour shorter handling times and
  simpler procedures (a plausible spread, not the report's: it has none).
- Câu 17 is not in the report nor the form. Dates: spread evenly from 01/01/2023 to
  20/11/2023, the report's survey period.

Within those tables the forms are put together with a "mood" per form, so that one form's
scale answers go together (a citizen satisfied on one item is likely so on the next);
every other question is shuffled. Only the tables are the report's: the combinations are
this script's.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = ROOT / "tests" / "data" / "dak-song-2023-published.csv"
OUT = ROOT / "tests" / "data" / "dak-song-2023-forms.csv"
FORMS = 100
FIRST_DAY, LAST_DAY = date(2023, 1, 1), date(2023, 11, 20)
SCALES = [
    *(f"Q9.{i}" for i in range(1, 4)),
    *(f"Q10.{i}" for i in range(1, 5)),
    *(f"Q11.{i}" for i in range(1, 7)),
    *(f"Q12.{i}" for i in range(1, 4)),
]
COLUMNS = [
    "form_no",
    "date",
    *(f"Q{i}" for i in range(1, 9)),
    *SCALES,
    "Q13",
    "Q14",
    "Q15",
    "Q16",
    "Q18",
]
CONDITIONAL = {"Q8": ("Q7", "3"), "Q14": ("Q13", "1"), "Q15": ("Q13", "1")}
# (question, choice number) → the count used instead of the printed one (see above).
CORRECTED = {("Q9.1", 3): 14, ("Q11.4", 3): 23}
MISSING_CHOICES = {"Q1": 2}  # Câu 1 printed 1 of its 2 choices: the rest go to the other
# Câu 16: each choice's weight in a form's draw, and how many choices a form makes (1…4).
Q16_WEIGHTS = [6, 9, 5, 3, 8, 12, 14, 7, 4, 4, 6, 3, 5]
Q16_HOW_MANY = [1, 2, 3, 4]
Q16_HOW_MANY_WEIGHTS = [20, 35, 30, 15]


def published_counts(path: Path = PUBLISHED) -> dict[str, list[int]]:
    """Each question's counts as printed, in the order printed (the form's order)."""
    counts: dict[str, list[int]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            counts.setdefault(row["question"], []).append(int(row["count"]))
    return counts


def largest_remainder(counts: list[int], base: int) -> list[int]:
    """Counts of `base` in the shares of `counts` (Hamilton: the largest remainders round up)."""
    total = sum(counts)
    exact = [c * base / total for c in counts]
    floors = [int(x) for x in exact]
    order = sorted(range(len(counts)), key=lambda i: (floors[i] - exact[i], i))
    for i in order[: base - sum(floors)]:
        floors[i] += 1
    return floors


def target_counts() -> dict[str, list[int]]:
    """The tables the forms must make: the published ones, corrected where they must be."""
    counts = published_counts()
    for (question, number), count in CORRECTED.items():
        counts[question][number - 1] = count
    for question, choices in MISSING_CHOICES.items():
        counts[question] += [0] * (choices - len(counts[question]))
        counts[question][-1] = FORMS - sum(counts[question][:-1])
    return counts


def values(counts: list[int]) -> list[str]:
    """["1", "1", …, "2", …]: each choice number as many times as its count."""
    return [str(number) for number, count in enumerate(counts, start=1) for _ in range(count)]


def make_forms(seed: int = 2023) -> list[dict[str, str]]:
    rng = random.Random(seed)
    counts = target_counts()
    forms = [_empty_form(i) for i in range(FORMS)]
    mood = [rng.random() for _ in forms]
    for question in COLUMNS[2:]:
        if question == "Q16" or question in CONDITIONAL:
            continue
        _deal(forms, list(range(FORMS)), question, values(counts[question]), rng, mood)
    for question, (asked_by, choice) in CONDITIONAL.items():
        asked = [i for i, form in enumerate(forms) if form[asked_by] == choice]
        scaled = largest_remainder(counts[question], len(asked))
        _deal(forms, asked, question, values(scaled), rng, mood)
    for form in forms:
        how_many = rng.choices(Q16_HOW_MANY, Q16_HOW_MANY_WEIGHTS)[0]
        form["Q16"] = ";".join(str(c) for c in sorted(_draw(rng, how_many)))
    return forms


def _empty_form(index: int) -> dict[str, str]:
    day = FIRST_DAY + timedelta(days=round(index * (LAST_DAY - FIRST_DAY).days / (FORMS - 1)))
    return {"form_no": str(index + 1), "date": day.strftime("%d/%m/%Y")} | dict.fromkeys(
        COLUMNS[2:], ""
    )


def _deal(
    forms: list[dict[str, str]],
    who: list[int],
    question: str,
    answers: list[str],
    rng: random.Random,
    mood: list[float],
) -> None:
    """Give each form in `who` one of `answers` (as many as there are forms)."""
    if question in SCALES or question in ("Q14", "Q15"):
        # The happiest forms (mood, give or take) get the best levels ("1" sorts first).
        who = sorted(who, key=lambda i: -(mood[i] + rng.gauss(0, 0.25)))
        answers = sorted(answers)
    else:
        rng.shuffle(answers)
    for index, answer in zip(who, answers, strict=True):  # a table must fit its forms
        forms[index][question] = answer


def _draw(rng: random.Random, how_many: int) -> set[int]:
    chosen: set[int] = set()
    while len(chosen) < how_many:
        chosen.add(rng.choices(range(1, len(Q16_WEIGHTS) + 1), Q16_WEIGHTS)[0])
    return chosen


def forms_csv() -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(make_forms())
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="compare with --out, write nothing")
    args = parser.parse_args(argv)
    text = forms_csv()
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'up to date' if same else 'differs: run this script again'}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {FORMS} forms to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
