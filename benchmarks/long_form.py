"""What the long form costs a citizen: taps and app-side seconds measured in a real window,
and a first-time user's seconds by the Keystroke-Level Model, for the layout the kiosk has
(one grid item per screen) and for a grid per screen (modelled, not built).

    python -m benchmarks.long_form [--runs 3]

The window run is the real kiosk on Xvfb (tests/pilot.py) on the shipped config.yaml: a
quick answer, drawn, "Có, tôi sẵn lòng", then every question of the longest path (Q8,
Q14 and Q15 asked, four priorities in Q16). App-side seconds are, per tap, from the
finger's lift to the first frame that shows its effect, summed over the long form.

The model (Card, Moran & Newell, The Psychology of Human-Computer Interaction, 1983;
Kieras, Using the Keystroke-Level Model to Estimate Execution Times, 2001) charges a
first-time user, per screen, the reading of every text not read before, and per answer a
mental preparation (M), a pointing (P) and a tap (press and release, B B). Its constants
are `Klm`'s; reading is the kiosk's own model (kiosk/domain/reading.py: per Vietnamese
syllable, each written word being one), the one that sets a step's idle time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kiosk.config import load_config
from kiosk.domain.forms import Form, Question, load_form, localized
from kiosk.domain.reading import (
    FIRST_TIME_READER,
    ReadingRate,
    reading_s,
    step_texts,
    syllables,
)
from kiosk.idle import quiet_for, split_idle
from kiosk.locale import translate
from tests import conftest

ROOT = Path(__file__).resolve().parent.parent
FORM = ROOT / "assets" / "forms" / "sipas-dak-song-2023.yaml"
# The longest path: late (Q8 asked), feedback given (Q14, Q15), four priorities in Q16.
LONGEST: dict[str, str | list[str]] = {"Q7": "3", "Q13": "1", "Q16": ["3", "6", "7", "12"]}
# A grid screen holds this many items at the kiosk's sizes on a 1280×800 screen: a row is
# the item's text (2–3 lines at 23 sp) beside five level buttons of 88 dp, so 4 rows, the
# heading, the levels' names, the header and the navigation bar fill 800 px; Câu 11's six
# items take two screens.
GRID_ROWS = 4


@dataclass(frozen=True)
class Klm:
    """The model's constants, in seconds, and its reading rate (the kiosk's)."""

    reading: ReadingRate = FIRST_TIME_READER
    mental: float = 1.35  # M: deciding what to tap (Card, Moran & Newell; Kieras: 1.2)
    point: float = 1.1  # P: moving the finger to a target (Card, Moran & Newell)
    tap: float = 0.2  # B B: press and release, 0.1 s each

    def read(self, syllables: int) -> float:
        return self.reading.seconds(syllables)

    @property
    def answer(self) -> float:
        """One decided tap: M P B B."""
        return self.mental + self.point + self.tap


@dataclass(frozen=True)
class Screen:
    """One screen of a layout: what a first-time user reads on it and how many taps."""

    syllables: int
    taps: int


def one_per_screen(
    form: Form, asked: list[str], language: str = "vi", seen: set[str] | None = None
) -> Iterator[Screen]:
    """The kiosk's layout: a question (or grid item) per screen. A text read once is not
    read again (a grid's heading on each of its items, the scale's level names)."""
    seen = set() if seen is None else seen
    for question in (form.question(qid) for qid in asked):
        texts = step_texts(question, language)
        yield Screen(_new_syllables(texts, seen), _taps(question))


def grid_per_screen(form: Form, asked: list[str], language: str = "vi") -> Iterator[Screen]:
    """The other layout: a grid's items side by side, GRID_ROWS to a screen, its heading
    and the levels' names once above them, then "Tiếp tục"; every other question as in
    `one_per_screen`."""
    seen: set[str] = set()
    rows: list[Question] = []
    for question in (form.question(qid) for qid in asked):
        if "grid" in question.tags and (not rows or rows[0].tags == question.tags):
            rows.append(question)
            continue
        yield from _grid_screens(rows, language, seen)
        rows = [question] if "grid" in question.tags else []
        if not rows:
            yield from one_per_screen(form, [question.id], language, seen)
    yield from _grid_screens(rows, language, seen)


def _grid_screens(rows: list[Question], language: str, seen: set[str]) -> Iterator[Screen]:
    for start in range(0, len(rows), GRID_ROWS):
        chunk = rows[start : start + GRID_ROWS]
        texts = [chunk[0].hint, *(q.text for q in chunk), *(c.label for c in chunk[0].choices)]
        shown = [localized(t, language) for t in texts if t]
        yield Screen(_new_syllables(shown, seen), len(chunk) + 1)


def _new_syllables(texts: list[str], seen: set[str]) -> int:
    """The syllables of the texts not read before (which are read now)."""
    new = [t for t in dict.fromkeys(texts) if t and t not in seen]
    seen.update(new)
    return sum(syllables(t) for t in new)


def _taps(question: Question) -> int:
    """A single choice or scale: one tap; a multi choice: its ticks, then "Tiếp tục"."""
    if question.type != "multi_choice":
        return 1
    picked = LONGEST.get(question.id, [question.choices[0].id])
    return len(picked) + 1


def model_seconds(screens: list[Screen], klm: Klm) -> float:
    return sum(klm.read(s.syllables) + s.taps * klm.answer for s in screens)


def longest_path(form: Form) -> list[str]:
    """The questions asked on the longest path (LONGEST's answers)."""
    values = {qid: v for qid, v in LONGEST.items()}
    return [q.id for q in form.questions if q.applies(values)]


# --- the real window ------------------------------------------------------------------
def measure_in_window(runs: int, scratch: Path) -> dict[str, float]:
    """Taps and app-side seconds of the long form, answered `runs` times in a real window."""
    conftest.start_display()
    from kivy.core.window import Window

    from kiosk.core import KioskCore
    from kiosk.ui.kioskapp import KioskApp

    core = KioskCore.load(None, scratch / "long")
    app = KioskApp(core, [])
    app._run_prepare()
    pilot = _timed_pilot(app, Window)
    pilot.frames(6)
    while not (app.prebuilt and core.store_ready):
        pilot.frames(1)
    taps, seconds, yes_s = [], [], []
    for _ in range(runs):
        pilot.draw_for_long_form(True)
        pilot.identify("0912345678", "079199123456")
        pilot.rate_satisfied()
        assert pilot.screen_name == "offer"
        pilot.lifts.clear()
        before = pilot.touches
        pilot.tap(pilot.screen.ids.yes)
        yes_s.append(pilot.lifts[0])
        pilot.answer_long_form(LONGEST)
        assert pilot.screen_name == "thanks"
        taps.append(pilot.touches - before)
        seconds.append(sum(pilot.lifts))
        pilot.tap(pilot.screen.ids.home)
    app.dispatch("on_stop")
    for widget in list(Window.children):
        Window.remove_widget(widget)
    return {
        "taps": statistics.median(taps),
        "app_s": statistics.median(seconds),
        "first_yes_s": yes_s[0],
        "later_yes_s": statistics.median(yes_s[1:]) if len(yes_s) > 1 else yes_s[0],
    }


def _timed_pilot(app, window):
    """A Pilot that times each tap from the lift to the first frame after it."""
    from kivy.base import EventLoop
    from kivy.tests.common import UnitTestTouch

    from tests.pilot import PACE_S, Pilot

    class TimedPilot(Pilot):
        def __init__(self, app) -> None:
            super().__init__(app)
            self.lifts: list[float] = []
            self._flips: list[float] = []
            window.bind(on_flip=lambda *_a: self._flips.append(time.perf_counter()))

        def touch_at(self, x: float, y: float, pause_s: float = PACE_S, hold_s: float = 0.08):
            self.wait(pause_s)
            self.touches += 1
            touch = UnitTestTouch(x, y)
            touch.touch_down()
            self.frames(1)
            self.wait(hold_s)
            self._flips.clear()
            start = time.perf_counter()
            touch.touch_up()  # the screens act on the lift: the answer, the next screen
            while not self._flips:
                window.canvas.ask_update()
                EventLoop.idle()
            self.lifts.append(self._flips[0] - start)
            self.frames(2)

    return TimedPilot(app)


def report(measured: dict[str, float] | None) -> None:
    form = load_form(FORM)
    asked = longest_path(form)
    shortest = [q.id for q in form.questions if not q.when]
    klm = Klm()
    offer = sum(
        syllables(translate("vi", key)) for key in ("offer.title", "offer.question", "offer.body")
    )
    print(
        f"long form    {len(asked)} questions on the longest path, {len(shortest)} on the "
        f"shortest; the offer: {offer} syllables to read, 1 tap"
    )
    if measured is not None:
        print(
            f"window       {measured['taps']:.0f} taps from 'Có' to the thank-you; app-side "
            f"{measured['app_s']:.2f} s in all (lift → next frame, Xvfb + llvmpipe); the "
            f"'Có' tap {1000 * measured['first_yes_s']:.0f} ms the first time (the form is "
            f"read then), {1000 * measured['later_yes_s']:.0f} ms after"
        )
    print(
        f"model        M {klm.mental} s, P {klm.point} s, tap {klm.tap} s per answer; reading "
        f"{klm.reading.syllables_per_minute:.0f} syllables a minute"
    )
    for name, layout in (
        ("one item per screen", one_per_screen),
        ("grid per screen", grid_per_screen),
    ):
        for label, path in (("longest", asked), ("shortest", shortest)):
            screens = list(layout(form, path))
            taps = sum(s.taps for s in screens)
            read = sum(s.syllables for s in screens)
            total = model_seconds(screens, klm)
            print(
                f"  {name:20} {label:8} {len(screens):2} screens {taps:2} taps "
                f"{read:5} syllables: {total:5.0f} s ({total / 60:.1f} min)"
            )
    for rate in (370.0, 240.0):
        other = Klm(reading=ReadingRate(rate))
        total = model_seconds(list(one_per_screen(form, asked)), other)
        print(f"  one item per screen, longest, at {rate:.0f} syllables a minute: {total:.0f} s")
    report_idle(form)


def report_idle(form: Form) -> None:
    """The steps that take longer to read than config.yaml's quiet time, and the
    time the kiosk gives them before it asks "còn tiếp tục không?" (kiosk/idle.py)."""
    config = load_config(ROOT / "config.yaml")
    base_s, _warning_s = split_idle(config.idle_timeout_s, config.idle_warning_s)
    for language in ("vi", "en"):
        slow = [
            f"{q.id} read in {reading_s(q, language):.0f} s, warned at "
            f"{quiet_for(base_s, reading_s(q, language)):.0f} s"
            for q in form.questions
            if quiet_for(base_s, reading_s(q, language)) > base_s
        ]
        print(
            f"idle ({language})    the warning at {base_s:.0f} s of quiet, later on "
            f"{len(slow)} of {len(form.questions)} steps: {'; '.join(slow) or 'none'}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.long_form")
    parser.add_argument("--runs", type=int, default=3, help="long forms answered in the window")
    parser.add_argument("--model-only", action="store_true", help="no window: the model alone")
    args = parser.parse_args()
    measured = None
    if not args.model_only:
        with tempfile.TemporaryDirectory(prefix="kiosk-long-bench-") as scratch:
            measured = measure_in_window(args.runs, Path(scratch))
    report(measured)
    sys.stdout.flush()
    conftest.stop_display()
    return 0


if __name__ == "__main__":
    sys.exit(main())
