"""The lookup screen ("Tra cứu hồ sơ"): a dossier code typed (the unit's prefix already
there) or scanned, the portal asked off the UI thread, and what it says in plain words.

Modes: `enter` the code; `asking` ("Đang tra cứu…"); `result` (the dossier: status,
lateness and the unit's apology, procedure, dates; "Đánh giá" for one returned);
`unknown` (kind words: check the code, or ask at the counter); `offline` (the lookup
cannot be done now). The idle wipe (`reset`) empties the screen and forgets the question
on its way: a reply that arrives after it shows nothing.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.domain.dossier_words import dossier_words
from kiosk.domain.receipts import first_receipt
from kiosk.domain.validators import check_dossier_code
from kiosk.ui.scanner_keys import ScannerBurst, read_burst, typable
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.screens.identification import MAX_LENGTH, FieldBox  # noqa: F401 - kv rule

if TYPE_CHECKING:
    from kiosk.dossier_lookup import LookupResult

# Why there is nothing to show, other than offline, in the citizen's words.
UNAVAILABLE_WORDS = {
    "not_enrolled": "lookup.not_enrolled_body",
    "not_kept": "lookup.not_kept_body",
}


class LookupPanel(BoxLayout):
    """One mode's part of the screen (kv: LookupEntry, LookupWaiting...)."""

    screen = ObjectProperty(None)


class FactRow(BoxLayout):
    """A fact of the dossier: its label above, its value below (long procedures wrap)."""

    label = StringProperty("")
    value = StringProperty("")


# The buttons under each mode, left to right ("rate" only for a dossier returned, while
# the kiosk takes answers).
BUTTONS = {
    "enter": ("home", "ask"),
    "asking": ("home",),
    "result": ("home", "again", "rate"),
    "unknown": ("home", "again"),
    "offline": ("home", "again"),
}


class LookupScreen(KioskScreen):
    mode = StringProperty("enter")
    shown = StringProperty("")  # the code field as typed
    problem = StringProperty("")  # what is wrong with the code typed, or a refused scan
    can_scan = BooleanProperty(False)
    status = StringProperty("")
    detail = StringProperty("")
    late = StringProperty("")
    apology = StringProperty("")
    can_rate = BooleanProperty(False)
    message_title = StringProperty("")
    message_body = StringProperty("")
    facts = ListProperty([])

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.code = ""  # as typed; the prefix comes with it
        self.asked = ""  # the code the portal was asked about (the dossier's, when found)
        self.method = "typed"  # how the code came: typed, or "qr" (camera, scanner)
        self.panel = None  # the scan panel, while it is open
        self._question = 0  # counts questions asked: a reply to an older one is dropped
        self._burst = ScannerBurst()
        self._before_burst = ""
        self.panels = {
            "enter": LookupEntry(screen=self),
            "asking": LookupWaiting(screen=self),
            "result": LookupAnswer(screen=self),
            "unknown": LookupMessage(screen=self),
            "offline": LookupMessage(screen=self),
        }
        # Held here: kv's ids are weak, and a button out of the bar is in no tree.
        self.buttons = {name: self.ids[name].__self__ for name in ("home", "again", "ask", "rate")}

    # --- set-up and wipe -----------------------------------------------------------
    def load(self) -> None:
        """A fresh lookup: the unit's prefix in the field, the keypad ready."""
        self._forget()
        self.can_scan = self.app.camera_feed is not None
        self.panels["enter"].ids.keypad.rebuild()  # "Xóa hết" in the citizen's language
        self._show_mode("enter")

    def reset(self) -> None:
        """The idle wipe, or on to a survey: nothing of the lookup stays."""
        if self.panel is not None:
            self.panel.close()
        self._forget()
        self._show_mode("enter")

    def _forget(self) -> None:
        self._question += 1  # a reply still on its way is for nobody now
        self._burst.clear()
        self.code = self._prefix()
        self.asked, self.method = "", "typed"
        self.shown, self.problem = self.code, ""
        self.status = self.detail = self.late = self.apology = ""
        self.message_title = self.message_body = ""
        self.can_rate = False
        self.facts = []

    def _prefix(self) -> str:
        core = self.app.core if self.app else None
        return core.config.identification.initial("dossier_code") if core else ""

    def _show_mode(self, mode: str) -> None:
        self.mode = mode
        holder = self.ids.body
        holder.clear_widgets()
        holder.add_widget(self.panels[mode])
        nav = self.ids.nav
        nav.clear_widgets()
        for name in BUTTONS[mode]:
            if name != "rate" or (self.can_rate and not self.app.closed):
                nav.add_widget(self.buttons[name])

    # --- typing --------------------------------------------------------------------
    def on_key(self, key: str) -> None:
        if self.mode != "enter":
            return
        code = self.code
        if key == "backspace":
            code = code[:-1]
        elif key == "clear":  # the prefix comes back first, as on the identification step
            code = self._prefix() if code != self._prefix() else ""
        elif len(code) < MAX_LENGTH["dossier_code"]:
            code += key
        self.code = self.shown = code
        self.problem = ""
        self.method = "typed"

    def submit(self) -> None:
        """The "Tra cứu" button: the code checked as identification checks it, then asked."""
        policy = self.app.core.config.identification
        check = check_dossier_code(
            self.code, policy.dossier_pattern, final=True, prefix=policy.dossier_prefix
        )
        if not check.ok:
            self.problem = self.app.tr(check.problem, **check.params)
            return
        self.ask(check.normalized or self.code, "typed")

    # --- asking, off the UI thread -------------------------------------------------------
    def ask(self, code: str, method: str) -> None:
        self._question += 1
        question, core = self._question, self.app.core
        self.asked, self.method = code, method
        self.shown, self.problem = code, ""
        self._show_mode("asking")

        def in_background() -> None:
            try:
                result = core.lookup_dossier(code)
            except Exception:  # whatever failed, the citizen is told kindly, not crashed
                from kiosk.dossier_lookup import OFFLINE, LookupResult

                result = LookupResult(reason=OFFLINE)
            Clock.schedule_once(lambda _dt: self.answered(question, result))

        threading.Thread(target=in_background, name="dossier-lookup", daemon=True).start()

    def answered(self, question: int, result: LookupResult) -> None:
        """The portal's word (on the UI thread); dropped if the screen moved on since."""
        if question != self._question or self.mode != "asking":
            return
        if result.dossier is not None:
            self._show_dossier(result)
        elif result.reason == "unknown":
            self.message_title = self.app.tr("lookup.unknown_title", code=self.asked)
            self.message_body = self.app.tr("lookup.unknown_body")
            self._show_mode("unknown")
        else:
            self.message_title = self.app.tr("lookup.offline_title")
            self.message_body = self.app.tr(
                UNAVAILABLE_WORDS.get(result.reason, "lookup.offline_body")
            )
            self._show_mode("offline")

    def _show_dossier(self, result: LookupResult) -> None:
        dossier = result.dossier
        assert dossier is not None
        words = dossier_words(dossier, self.app.tr)
        self.asked = dossier.code or self.asked  # the portal's spelling, for the survey
        self.status, self.detail = words.status, words.detail
        self.late, self.apology = words.late, words.apology
        self.facts = [list(fact) for fact in words.facts]
        self.can_rate = words.can_rate
        self._show_mode("result")

    def on_facts(self, *_args) -> None:
        rows = self.panels["result"].ids.facts
        rows.clear_widgets()
        for label, value in self.facts:
            rows.add_widget(FactRow(label=label, value=value))

    # --- the ways on -------------------------------------------------------------------
    def again(self) -> None:
        """Another code (or this one corrected): the field as the citizen left it."""
        self._question += 1
        self.shown = self.code
        self._show_mode("enter")

    def rate(self) -> None:
        """The "Đánh giá" button: the survey, with this dossier known (as a scanned receipt)."""
        if self.mode == "result" and self.can_rate:
            self.app.rate_dossier(self.asked, self.method)

    # --- scanning: the camera, or a USB barcode scanner typing --------------------------
    def open_scan(self) -> None:
        from kiosk.ui.scanpanel import ScanPanel  # pyzbar only once a scan is asked

        tr = self.app.tr
        self.panel = ScanPanel(
            self.app.camera_feed,
            self._read,
            lambda code: self.ask(str(code), "qr"),
            title=tr("scan.title"),
            hint=tr("scan.hint"),
            cancel_text=tr("scan.type_instead"),
        )
        self.panel.bind(on_dismiss=lambda *_a: setattr(self, "panel", None))
        self.panel.start()

    def _read(self, payloads: list[bytes]) -> tuple[str | None, str]:
        scan = first_receipt(payloads, self.app.core.config.receipt_rules)
        return (scan.code, "") if scan.ok else (None, self.app.tr("scan.refused"))

    def on_physical_key(self, text: str, keycode: int) -> bool:
        if self.mode != "enter":
            return bool(text) or keycode in (8, 13, 271)  # nothing to type into now
        if keycode in (13, 271):
            if not self._scanned_burst():
                self.submit()
            return True
        if self._burst.typed(text):
            self._before_burst = self.code
        if keycode == 8:
            self.on_key("backspace")
        elif text and typable(text):
            self.on_key(text.upper())
        else:
            return bool(text)
        return True

    def _scanned_burst(self) -> bool:
        """Enter after a scanner's burst: ask about the receipt it read (True)."""
        burst = self._burst.enter()
        scan = read_burst(burst, self.app.core.config.receipt_rules) if burst else None
        if scan is None:
            return False  # typed by hand: "Tra cứu" with the field as it is
        self.code = self.shown = self._before_burst  # what the scanner typed is not the field's
        if scan.ok:
            self.ask(scan.code, "qr")
        else:
            self.problem = self.app.tr("scan.refused")
        return True


class LookupEntry(LookupPanel):
    pass


class LookupWaiting(LookupPanel):
    pass


class LookupAnswer(LookupPanel):
    pass


class LookupMessage(LookupPanel):
    pass


load_kv(__file__)
