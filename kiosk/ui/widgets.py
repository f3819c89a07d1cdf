"""The kiosk's own widgets: big buttons, keypads, the Vietnamese keyboard, the staff corner."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    NumericProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.domain.telex import TelexComposer
from kiosk.ui import theme

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class BigButton(Button):
    """A large rounded button; `role` picks its colours from the theme."""

    role = OptionProperty("neutral", options=["neutral", "primary", "satisfied", "not_satisfied"])
    fill = ColorProperty(theme.NEUTRAL_BUTTON)
    ink = ColorProperty(theme.ON_NEUTRAL)
    selected = BooleanProperty(False)
    # One colour for the one shape drawn: pressed, selected and disabled looks are mixed
    # in here rather than drawn as extra layers (software GL pays for every layer).
    paint = ColorProperty(theme.NEUTRAL_BUTTON)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(
            fill=self._repaint, selected=self._repaint, state=self._repaint, disabled=self._repaint
        )
        self._repaint()

    def _repaint(self, *_args) -> None:
        r, g, b, a = theme.SELECTED if self.selected else self.fill
        if self.state == "down":
            r, g, b = r * 0.8, g * 0.8, b * 0.8
        if self.disabled:
            r, g, b = (r + 1) / 2, (g + 1) / 2, (b + 1) / 2
        self.paint = (r, g, b, a)

    def on_role(self, *_args) -> None:
        self.fill, self.ink = {
            "neutral": (theme.NEUTRAL_BUTTON, theme.ON_NEUTRAL),
            "primary": (theme.PRIMARY, theme.ON_PRIMARY),
            "satisfied": (theme.SATISFIED, theme.ON_VERDICT),
            "not_satisfied": (theme.NOT_SATISFIED, theme.ON_VERDICT),
        }[self.role]


class KeyButton(BigButton):
    """One key of a keypad or keyboard: `key` is what it types, or an action name."""

    key = StringProperty("")


DIGITS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "backspace"]
CODE = [*"1234567890QWERTYUIOPASDFGHJKLZXCVBNM", ".", "-", "clear", "backspace"]


class Keypad(GridLayout):
    """Digits (phone, ID, PIN) or digits and capitals (dossier code); fires on_key(key)."""

    layout = OptionProperty("digits", options=["digits", "code"])
    key_font_sp = NumericProperty(34)

    def __init__(self, **kwargs):
        self.register_event_type("on_key")
        super().__init__(**kwargs)  # applies the kv rules, so `layout` is known now
        self._build()
        self.bind(layout=lambda *_: self._build(), key_font_sp=lambda *_: self._build())

    def rebuild(self) -> None:
        """Make the keys again (their words follow the app's language)."""
        self._build()

    def _build(self) -> None:
        self.clear_widgets()
        keys = DIGITS if self.layout == "digits" else CODE
        self.cols = 3 if self.layout == "digits" else 10
        for key in keys:
            self.add_widget(_key_button(key, self, self.key_font_sp))

    def on_key(self, key: str) -> None:
        pass


def _key_button(key: str, owner, font_sp: float) -> KeyButton:
    app = App.get_running_app()
    labels = {
        "backspace": f"[font={theme.ICON_FONT}]⌫[/font]",
        "clear": app.tr("keyboard.clear") if app else "C",
        "space": app.tr("keyboard.space") if app else " ",
    }
    button = KeyButton(key=key, text=labels.get(key, key), markup=True)
    button.font_size = f"{font_sp if key not in labels else font_sp * 0.7}sp"
    button.bind(on_release=lambda b: owner.dispatch("on_key", b.key))
    return button


KEY_ROWS = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"]
MARK_KEYS = [
    ("tone:sac", "á"),
    ("tone:huyen", "à"),
    ("tone:hoi", "ả"),
    ("tone:nga", "ã"),
    ("tone:nang", "ạ"),
    ("circumflex", "â ê ô"),
    ("horn", "ă ơ ư"),
    ("stroke_d", "đ"),
]


class VietKeyboard(BoxLayout):
    """A keyboard for Vietnamese: Telex as on a phone, and keys for every mark.

    `text` is what has been typed so far (NFC).
    """

    text = StringProperty("")
    telex = BooleanProperty(True)
    shift = BooleanProperty(False)
    max_length = NumericProperty(1000)

    def __init__(self, **kwargs):
        self.register_event_type("on_key")
        super().__init__(**kwargs)
        self.composer = TelexComposer(max_length=int(self.max_length))
        self._build()

    def _build(self) -> None:
        self.clear_widgets()
        for row in KEY_ROWS:
            line = BoxLayout(spacing="6dp")
            if row == "zxcvbnm":
                line.add_widget(_key_button("shift", self, 26))
            for char in row:
                line.add_widget(_key_button(char, self, 30))
            if row == "zxcvbnm":
                line.add_widget(_key_button("backspace", self, 30))
            self.add_widget(line)
        marks = BoxLayout(spacing="6dp")
        for key, label in MARK_KEYS:
            button = _key_button(key, self, 30)
            button.text = label
            marks.add_widget(button)
        self.add_widget(marks)
        bottom = BoxLayout(spacing="6dp")
        for key in ("telex", ",", "space", ".", "?"):
            button = _key_button(key, self, 28)
            bottom.add_widget(button)
            if key == "space":
                button.size_hint_x = 4
            if key == "telex":
                button.size_hint_x = 2
                self._telex_button = button
        self.add_widget(bottom)
        self._refresh_labels()

    def _refresh_labels(self) -> None:
        app = App.get_running_app()
        if getattr(self, "_telex_button", None) is not None and app:
            self._telex_button.text = app.tr(
                "keyboard.telex_on" if self.telex else "keyboard.telex_off"
            )
        for line in self.children:
            for button in line.children:
                if isinstance(button, KeyButton) and len(button.key) == 1 and button.key.isalpha():
                    button.text = button.key.upper() if self.shift else button.key
                if isinstance(button, KeyButton) and button.key == "shift":
                    button.text = f"[font={theme.ICON_FONT}]⇧[/font]"
                    button.selected = self.shift

    def on_key(self, key: str) -> None:
        """What each key does; letters go through Telex composition."""
        c = self.composer
        if key == "backspace":
            c.backspace()
        elif key == "space":
            c.type(" ")
        elif key == "shift":
            self.shift = not self.shift
        elif key == "telex":
            c.commit()
            self.telex = c.telex = not self.telex
        elif key.startswith("tone:"):
            c.tone(key.split(":", 1)[1])
        elif key in ("circumflex", "horn", "stroke_d"):
            getattr(c, key)()
        elif key == "clear":
            c.clear()
        else:
            c.type(key.upper() if self.shift else key)
            if self.shift and key.isalpha():
                self.shift = False
        self.text = c.text
        self._refresh_labels()

    def set_text(self, text: str) -> None:
        self.composer = TelexComposer(text, telex=self.telex, max_length=int(self.max_length))
        self.text = self.composer.text


class TextDisplay(Label):
    """Typed text in a framed box, with a caret at the end when `active`."""

    active = BooleanProperty(True)
    placeholder = StringProperty("")


class StaffCorner(Widget):
    """An invisible corner: five taps within three seconds open the staff PIN screen."""

    taps_needed = NumericProperty(5)
    window_s = NumericProperty(3.0)

    def __init__(self, **kwargs):
        self.register_event_type("on_unlock_request")
        super().__init__(**kwargs)
        self._taps: list[float] = []

    def on_touch_down(self, touch) -> bool:
        if not self.collide_point(*touch.pos):
            return False
        now = Clock.get_boottime()
        self._taps = [t for t in self._taps if now - t <= self.window_s] + [now]
        if len(self._taps) >= self.taps_needed:
            self._taps = []
            self.dispatch("on_unlock_request")
        return True

    def on_unlock_request(self) -> None:
        pass
