"""The kiosk without a screen: config, form, store and personal data wired together.

The Kivy UI and the command line both stand on a `KioskCore`; nothing here imports Kivy.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import platformdirs
from sqlalchemy import Engine

from kiosk import __version__
from kiosk.config import Config, load_config
from kiosk.domain.flow import FinishedAnswer, Survey
from kiosk.domain.forms import Form, load_form
from kiosk.domain.pin import PinGuard
from kiosk.store.answers import Context, get_state, save_answer, set_state
from kiosk.store.engine import make_engine
from kiosk.store.migrate import upgrade
from kiosk.store.personal import PersonalData, load_or_create_key

log = logging.getLogger("kiosk")

APP_NAME = "kiosk-hai-long"


def resolve_data_dir(config: Config | None, override: Path | None) -> Path:
    """--data-dir, else config.yaml's data_dir, else the user's data directory."""
    if override is not None:
        return override
    if config is not None and config.data_dir is not None:
        return config.data_dir
    return Path(platformdirs.user_data_dir(APP_NAME))


def setup_logging(data_dir: Path) -> Path:
    """Log to <data dir>/logs/kiosk.log. Nothing personal is ever passed to a logger."""
    log_dir = data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "kiosk.log"
    if not any(getattr(h, "baseFilename", None) == str(path) for h in log.handlers):
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    return path


@dataclass
class KioskCore:
    config: Config
    form: Form
    data_dir: Path
    engine: Engine
    device_id: str
    personal: PersonalData
    officer: str | None = None

    @classmethod
    def open(cls, config_path: Path | None = None, data_dir: Path | None = None) -> KioskCore:
        """Load and check config and form, open (and migrate) the store.

        Raises FileProblems for a bad config or form, OSError or SQLAlchemyError for a store
        that cannot be opened.
        """
        config = load_config(config_path)
        form = load_form(config.form_path)
        data_dir = resolve_data_dir(config, data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        setup_logging(data_dir)
        engine = make_engine(data_dir / "kiosk.db")
        upgrade(engine)
        device_id = config.device_id or _device_id(engine)
        personal = PersonalData(load_or_create_key(data_dir / "keys" / "hmac.key"),
                                config.portal_public_key)  # fmt: skip
        log.info("kiosk %s started: unit=%s counter=%s device=%s form=%s/%s enrolled=%s",
                 __version__, config.unit_code, config.counter, device_id, form.id,
                 form.version, config.enrolled)  # fmt: skip
        return cls(config, form, data_dir, engine, device_id, personal)

    def new_survey(self, language: str | None = None) -> Survey:
        return Survey(self.form, self.config.identification, language or self.config.language)

    def context(self) -> Context:
        return Context(self.config.unit_code, self.config.counter, self.device_id, self.officer)

    def save(self, answer: FinishedAnswer) -> int:
        """Store the answer with its outbox entry; raises if the disk refuses it."""
        sequence = save_answer(self.engine, answer, self.context(), self.personal)
        log.info("answer %s stored (#%d, %s, %s)", answer.uuid, sequence,
                 "complete" if answer.complete else "incomplete", answer.verdict)  # fmt: skip
        return sequence

    def pin_guard(self) -> PinGuard:
        failures = int(get_state(self.engine, "pin.failures") or 0)
        locked_until = float(get_state(self.engine, "pin.locked_until") or 0)
        return PinGuard(self.config.staff_pin_hash, self.config.pin_max_attempts,
                        self.config.pin_lockout_s, failures, locked_until)  # fmt: skip

    def remember_pin_guard(self, guard: PinGuard) -> None:
        set_state(self.engine, "pin.failures", str(guard.failures))
        set_state(self.engine, "pin.locked_until", str(guard.locked_until))


def _device_id(engine: Engine) -> str:
    known = get_state(engine, "device_id")
    if known:
        return known
    made = f"kiosk-{uuid.uuid4().hex[:12]}"
    set_state(engine, "device_id", made)
    return made


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
