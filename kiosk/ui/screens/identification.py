"""Step 1: phone number, citizen ID number and/or dossier code, on a large keypad.

Each field is checked as it is typed; the ID number is masked once the citizen moves on.
What the fields hold lives only here and in the survey, and is wiped with them.
"""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView

from kiosk.domain.receipts import first_receipt
from kiosk.domain.validators import Check, Status, mask
from kiosk.ui.scanner_keys import ScannerBurst, read_burst, typable
from kiosk.ui.screens.base import KioskScreen, load_kv

MAX_LENGTH = {"phone": 13, "citizen_id": 12, "dossier_code": 40}
FULL_LENGTH = {"phone": 10, "citizen_id": 12}


class FieldBox(ButtonBehavior, BoxLayout):
    """One field: its label, what was typed (masked when left), and what is wrong with it."""

    field = StringProperty("")
    label = StringProperty("")
    shown = StringProperty("")
    problem = StringProperty("")
    focused = BooleanProperty(False)


class AlreadyRatedPanel(ModalView):
    """A dossier rated before: thanks, and the ways on (the start, or correct a typo)."""


class IdentificationScreen(KioskScreen):
    general_problem = StringProperty("")
    focused_field = StringProperty("")
    keypad_layout = StringProperty("digits")
    skip_allowed = BooleanProperty(False)
    can_scan = BooleanProperty(False)
    complete = BooleanProperty(False)  # enough entered to go on: the screen says so

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.values: dict[str, str] = {}
        self.boxes: dict[str, FieldBox] = {}
        self.panel = None
        self._burst = ScannerBurst()  # what a barcode scanner may be typing
        self._before_burst: dict[str, str] = {}

    # --- set-up and wipe -----------------------------------------------------------
    def load(self, survey) -> None:
        """Show the fields of the unit's policy, with what this citizen typed before."""
        self.policy = survey.policy
        self.year = survey.now().year
        raw = survey.raw_identity
        self.values = {n: raw.get(n) or self.policy.initial(n) for n in self.policy.fields}
        self.general_problem = ""
        self.skip_allowed = self.policy.allow_skip
        self.can_scan = self.app.camera_feed is not None and "dossier_code" in self.policy.fields
        if list(self.boxes) != list(self.policy.fields) or self._built_lang != self.app.lang:
            self._build_fields()
        self.complete = self.policy.complete(self.values, self.year)
        first_empty = next((n for n in self.policy.fields if not self._typed(n)), None)
        if self.complete:
            self.focus("")  # back from the verdict: nothing to add, no field to jump into
        else:
            self.focus(first_empty or self.policy.fields[0])

    def reset(self) -> None:
        if self.panel is not None:
            self.panel.close()
        if self.rated_panel is not None:
            self.rated_panel.dismiss(animation=False)
        self._burst.clear()
        self.values = {}
        self.general_problem = ""
        self.complete = False
        for box in self.boxes.values():
            box.shown = box.problem = ""
            box.focused = False

    _built_lang = ""
    rated_panel: AlreadyRatedPanel | None = None

    def _build_fields(self) -> None:
        # Built once per policy and language, then reused: making the boxes costs more
        # than a frame on a slow tablet.
        self._built_lang = self.app.lang
        self.ids.keypad.rebuild()  # its "Xóa hết" key is in the citizen's language too
        container = self.ids.fields
        container.clear_widgets()
        self.boxes = {}
        either = [n for n in self.policy.one_of if n in self.policy.fields]
        for name in self.policy.fields:
            if len(either) > 1 and name in either[1:]:
                container.add_widget(OrLabel(text=self.app.tr("ident.or", self.app.lang)))
            box = FieldBox(field=name, label=self.app.tr(f"field.{name}", self.app.lang))
            box.bind(on_release=lambda b: self.focus(b.field))
            self.boxes[name] = box
            container.add_widget(box)

    # --- typing --------------------------------------------------------------------
    def focus(self, name: str) -> None:
        self.focused_field = name
        self.keypad_layout = "code" if name == "dossier_code" else "digits"
        for field, box in self.boxes.items():
            box.focused = field == name
            self._show(field)

    def on_key(self, key: str) -> None:
        name = self.focused_field
        if not name:
            return
        value = self.values.get(name, "")
        if key == "backspace":
            value = value[:-1]
        elif key == "clear":
            # The unit's prefix comes back: clearing a mistyped date must not cost the
            # citizen the agency part too. Clearing the bare prefix empties the field.
            initial = self.policy.initial(name)
            value = initial if value != initial else ""
        elif len(value) < MAX_LENGTH[name]:
            value += key
        self.values[name] = value
        self.general_problem = ""
        check = self._check(name, final=False)
        self._show(name, check)
        self.complete = self.policy.complete(self.values, self.year)
        if check.ok and len(value) == FULL_LENGTH.get(name, -1):
            self._focus_next_empty(name)

    def _typed(self, name: str) -> str:
        return self.policy.typed(name, self.values.get(name, ""))

    def _focus_next_empty(self, after: str) -> None:
        """On to the next field still needed; none once the step is complete (an either/or
        field whose partner is filled is not needed: focus does not jump into it)."""
        if self.complete:
            self.focus("")
            return
        fields = list(self.policy.fields)
        later = fields[fields.index(after) + 1 :]
        either = set(self.policy.one_of)
        either_done = any(self._typed(n) and self._check(n, final=True).ok for n in either)
        needed = [n for n in later if not self._typed(n) and not (either_done and n in either)]
        if needed:
            self.focus(needed[0])

    def _check(self, name: str, final: bool) -> Check:
        return self.policy.check_field(name, self.values.get(name, ""), self.year, final)

    def _show(self, name: str, check: Check | None = None) -> None:
        box = self.boxes[name]
        value = self.values.get(name, "")
        check = check or self._check(name, final=False)
        if box.focused or not value or not check.ok:
            box.shown = value
        elif name == "citizen_id":
            box.shown = mask(check.normalized, keep_end=3)
        elif name == "phone":
            box.shown = mask(check.normalized, keep_start=2, keep_end=3)
        else:
            box.shown = check.normalized or value  # the dashes put back: it was understood
        box.problem = self._words(check) if check.status is Status.INVALID else ""

    def _words(self, check: Check) -> str:
        return self.app.tr(check.problem, **check.params) if check.problem else ""

    # --- submit --------------------------------------------------------------------
    def submit(self) -> None:
        self.app.submit_identification(dict(self.values))

    def show_already_rated(self) -> None:
        if self.rated_panel is None:
            self.rated_panel = AlreadyRatedPanel()
        self.rated_panel.open(animation=False)

    def show_problems(self, problems: dict[str, Check]) -> None:
        for name, check in problems.items():
            if name in self.boxes:
                self.boxes[name].problem = self._words(check)
        self.general_problem = self._words(problems[""]) if "" in problems else ""
        first = next((n for n in self.policy.fields if n in problems), None)
        if first:
            self.focus(first)
            self.boxes[first].problem = self._words(problems[first])

    # --- scanning -------------------------------------------------------------------
    def open_scan(self) -> None:
        # pyzbar and libzbar (17 ms, 2.4 MiB measured) only once a scan is asked: the
        # kiosk's peak memory is within 1 MiB of its budget.
        from kiosk.ui.scanpanel import ScanPanel

        tr = self.app.tr
        self.panel = ScanPanel(
            self.app.camera_feed,
            self._read,
            self._scanned,
            title=tr("scan.title"),
            hint=tr("scan.hint"),
            cancel_text=tr("scan.type_instead"),
        )
        self.panel.bind(on_dismiss=lambda *_a: setattr(self, "panel", None))
        self.panel.start()

    def _read(self, payloads: list[bytes]) -> tuple[str | None, str]:
        scan = first_receipt(payloads, self.app.core.config.receipt_rules)
        return (scan.code, "") if scan.ok else (None, self.app.tr("scan.refused"))

    def _scanned(self, code: object) -> None:  # the dossier code `_read` accepted
        self.app.submit_receipt(str(code))

    # --- a hardware keyboard, or a barcode scanner typing --------------------------
    def on_physical_key(self, text: str, keycode: int) -> bool:
        if keycode in (13, 271):
            if not self._scanner_burst():
                self.submit()
            return True
        if self._burst.typed(text):
            self._before_burst = dict(self.values)
        if keycode == 8:
            self.on_key("backspace")
        elif text and typable(text):
            self.on_key(text.upper())
        else:
            return bool(text)
        return True

    def _scanner_burst(self) -> bool:
        """Enter ending a scanner's burst: take the code it typed (True), else False."""
        burst = self._burst.enter()
        scan = read_burst(burst, self.app.core.config.receipt_rules) if burst else None
        if scan is None:
            return False  # typed by hand, or fast into a field: the usual checks apply
        self.values = dict(self._before_burst)  # what the scanner typed is not a field's
        for name in self.boxes:
            self._show(name)
        if scan.ok:
            self.app.submit_receipt(scan.code)
        else:
            self.general_problem = self.app.tr("scan.refused")
        return True


class OrLabel(BoxLayout):
    text = StringProperty("")


load_kv(__file__)
