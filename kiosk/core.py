"""The kiosk without a screen: config, form, store and personal data wired together.

The Kivy UI and the command line both stand on a `KioskCore`; nothing here imports Kivy.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from kiosk import __version__
from kiosk.config import Config, load_config
from kiosk.domain.flow import FinishedAnswer, Survey
from kiosk.domain.forms import Form, load_form
from kiosk.domain.identification import IdentificationPolicy
from kiosk.domain.shifts import Shift
from kiosk.domain.yamlfile import FileProblems
from kiosk.enrolment import (
    Enrolment,
    EnrolmentState,
    enrolment_state,
    load_enrolment,
    save_enrolment,
)
from kiosk.operations.staff import StaffDesk

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from kiosk.dossier_lookup import LookupResult
    from kiosk.operations.it import ItDesk
    from kiosk.store.answers import Context
    from kiosk.store.personal import PersonalData

log = logging.getLogger("kiosk")

APP_NAME = "kiosk-hai-long"


def resolve_data_dir(config: Config | None, override: Path | None) -> Path:
    """--data-dir, else config.yaml's data_dir, else the user's data directory."""
    if override is not None:
        return override
    if config is not None and config.data_dir is not None:
        return config.data_dir
    return Path(platformdirs.user_data_dir(APP_NAME))


def log_file(data_dir: Path) -> Path:
    return data_dir / "logs" / "kiosk.log"


def setup_logging(data_dir: Path) -> Path:
    """Log to <data dir>/logs/kiosk.log. Nothing personal is ever passed to a logger."""
    path = log_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not any(getattr(h, "baseFilename", None) == str(path) for h in log.handlers):
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    return path


@dataclass
class Store:
    """The opened SQLite store and what comes with it."""

    engine: Engine
    device_id: str
    personal: PersonalData


class KioskCore:
    """Config, form and (opened on first use, or ahead of it) the store; what staff and IT
    do goes through `staff` and `it` (kiosk/operations/)."""

    def __init__(self, config: Config, form: Form, data_dir: Path):
        self.config = config
        self.form = form
        self.data_dir = data_dir
        self.log_path = log_file(data_dir)
        self.shift: Shift | None = None  # read from the store when it opens
        self.announce_start = False  # `kiosk run` only: log "started" when the store opens
        self._store: Store | None = None
        self._store_lock = threading.Lock()
        self.staff = StaffDesk(self)
        self.enrolment: Enrolment | None = None  # read at `load`, replaced by `enrol`
        self._lookup_clock_offset_s: float | None = None  # learnt from the last lookup

    @functools.cached_property
    def it(self) -> ItDesk:
        """IT's operations (status, export, portal test, enrolment, requeue, log)."""
        # Imported on first use: ~5 ms before the kiosk's first frame for what only IT opens.
        from kiosk.operations.it import ItDesk

        return ItDesk(self)

    @classmethod
    def load(cls, config_path: Path | None = None, data_dir: Path | None = None) -> KioskCore:
        """Load and check config and form; the store is opened later (`open_store`).

        Raises FileProblems for a bad config or form, OSError for a data directory that
        cannot be made.
        """
        config = load_config(config_path)
        form = load_form(config.form_path)
        data_dir = resolve_data_dir(config, data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        setup_logging(data_dir)
        enrolment = load_enrolment(data_dir)
        if enrolment is not None:
            config = _enrolled(config, enrolment)
        core = cls(config, form, data_dir)
        core.enrolment = enrolment
        return core

    def enrol(self, enrolment: Enrolment) -> None:
        """Keep a new enrolment (scanned in the staff area) and use it from the next answer."""
        save_enrolment(enrolment, self.data_dir)
        with self._store_lock:
            self.enrolment = enrolment
            self.config = _enrolled(self.config, enrolment)
            if self._store is not None:
                personal = self._store.personal.with_public_key(self.config.portal_public_key)
                self._store = Store(self._store.engine, enrolment.device_id, personal)
        log.info(
            "enrolled as %s with %s (unit %s, counter %s)",
            enrolment.device_id,
            enrolment.portal_url,
            enrolment.unit_code,
            enrolment.counter,
        )

    @classmethod
    def open(cls, config_path: Path | None = None, data_dir: Path | None = None) -> KioskCore:
        """`load` and `open_store` at once (commands and tests)."""
        core = cls.load(config_path, data_dir)
        core.open_store()
        return core

    @classmethod
    def open_or_say_why(
        cls, config_path: Path | None, data_dir: Path | None, translate: Callable[..., str]
    ) -> tuple[KioskCore | None, str]:
        """`open` for a command: the core and "", or None and what to print instead of a
        traceback (a bad config, a failed upgrade, a data directory that refuses)."""
        from sqlalchemy.exc import SQLAlchemyError

        from kiosk.store.migrate import UpgradeFailed

        try:
            return cls.open(config_path, data_dir), ""
        except (FileProblems, UpgradeFailed) as exc:
            return None, exc.describe(translate)
        except (OSError, SQLAlchemyError) as exc:
            return None, translate("cli.store_error", path=data_dir or "data_dir", error=exc)

    def open_store(self) -> Store:
        """Open (and migrate) the store once; safe to call from a worker thread.

        SQLAlchemy is imported here, not at start: its ~200 ms import runs while the
        welcome screen is already up. Raises OSError or SQLAlchemyError when the store
        cannot be opened.
        """
        with self._store_lock:
            if self._store is None:
                self._store = self._open_store()
            return self._store

    def _open_store(self) -> Store:
        from kiosk.store.engine import make_engine
        from kiosk.store.migrate import ensure_schema
        from kiosk.store.personal import DayKeys, PersonalData

        path = self.data_dir / "kiosk.db"
        engine = make_engine(path)
        backup = ensure_schema(engine, path)
        if backup is not None:
            log.info("store upgraded to this version's schema; the old file is kept as %s", backup)
        device_id = self.config.device_id or _device_id(engine)
        keys = DayKeys(self.data_dir / "keys", self.config.integrity.zone)
        keys.forget_other_days(datetime.now(timezone.utc))  # it may have been off at midnight
        personal = PersonalData(keys, self.config.portal_public_key)
        from kiosk.store.shifts import current_shift

        self.shift = current_shift(engine)
        if self.announce_start:  # not every command that opens the store starts the kiosk
            state = self.enrolment_state()
            log.info(
                "kiosk %s started: unit=%s counter=%s device=%s form=%s/%s enrolled=%s sealed=%s",
                __version__,
                self.config.unit_code,
                self.config.counter,
                device_id,
                self.form.id,
                self.form.version,
                state.enrolled,
                state.sealed,
            )
        return Store(engine, device_id, personal)

    def open_store_or_say_why(self, translate: Callable[..., str]) -> str:
        """Open the store; '' when it is open, else what IT must read on the kiosk's
        out-of-service screen (a failed upgrade puts the old file back and says so)."""
        from kiosk.store.migrate import UpgradeFailed

        try:
            self.open_store()
            return ""
        except UpgradeFailed as exc:  # the old file is back as it was; this version needs IT
            log.error("store upgrade failed, old file restored: %s", exc.error)
            return exc.describe(translate)
        except Exception as exc:  # any failure: the kiosk must not take answers it cannot keep
            log.error("store cannot be opened: %s", type(exc).__name__)
            return self.store_error_words(translate, exc)

    def store_error_words(self, translate: Callable[..., str], exc: BaseException) -> str:
        """A store that refused: its path and the first line of the error, for IT."""
        first_line = (str(getattr(exc, "orig", None) or exc).splitlines() or [""])[0]
        return translate("oos.store", path=self.data_dir / "kiosk.db", error=first_line[:200])

    def store_writable(self) -> bool:
        """Whether the store takes a write now (a full disk that was freed, say)."""
        from kiosk.store.answers import set_state

        try:
            set_state(self.engine, "last_check", "ok")
            return True
        except Exception:
            return False

    def enrolment_state(self) -> EnrolmentState:
        return enrolment_state(self.data_dir, self.config)

    @property
    def store_ready(self) -> bool:
        return self._store is not None

    @property
    def engine(self) -> Engine:
        return self.open_store().engine

    @property
    def device_id(self) -> str:
        return self.open_store().device_id

    def new_survey(self, language: str | None = None) -> Survey:
        return Survey(self.form, self.config.identification, language or self.config.language)

    @functools.cached_property
    def long_form(self) -> Form | None:
        """The long form (config `long_form`), read on first use: most citizens are never
        asked, so the kiosk neither starts slower nor holds it until one is.

        Raises FileProblems when its file has gone bad since `check-config`."""
        long_form = self.config.long_form
        return load_form(long_form.path) if long_form is not None else None

    def new_long_survey(self, follows: str, language: str) -> Survey:
        """The long form's survey for the citizen whose quick answer is `follows`: no
        identification asked again (the quick answer holds it)."""
        form = self.long_form
        if form is None:
            raise ValueError("no long form is configured")
        nobody = IdentificationPolicy(fields=(), required=(), one_of=())
        return Survey(form, nobody, language, follows=follows)

    def context(self) -> Context:
        from kiosk.store.answers import Context

        shift = self.shift
        counter = shift.counter if shift else self.config.counter
        return Context(
            self.config.unit_code, counter, self.device_id, shift.officer if shift else None
        )

    def audit(self, actor: str, action: str, detail: str = "") -> None:
        """Write a staff action to the audit log (sent to the portal with the answers)."""
        from kiosk.store.audit import record

        record(self.engine, actor, action, detail)

    def forget_past_days(self, now: datetime | None = None) -> None:
        """Erase the hash key of any day but the unit's current one (kiosk/store/personal.py):
        the visit calls this every half minute, so a kiosk idle overnight erases it too."""
        if self._store is not None:
            self._store.personal.keys.forget_other_days(now or datetime.now(timezone.utc))

    @property
    def takes_answers(self) -> bool:
        """Without an officer signed in, only if the unit's policy says so."""
        return self.shift is not None or self.config.without_officer == "accept"

    def save(self, answer: FinishedAnswer) -> int:
        """Store the answer with its outbox entry; raises if the disk refuses it."""
        from kiosk.store.answers import save_answer

        store = self.open_store()
        on_duty = self.staff.officer(self.shift.officer) if self.shift else None
        form = self.long_form if answer.follows is not None else self.form
        sequence = save_answer(
            store.engine,
            answer,
            form or self.form,
            self.context(),
            store.personal,
            self.config.integrity,
            on_duty.citizen_id_hash if on_duty else "",
        )
        log.info(
            "answer %s stored (#%d, %s, %s)",
            answer.uuid,
            sequence,
            "complete" if answer.complete else "incomplete",
            answer.verdict if answer.follows is None else f"following {answer.follows}",
        )
        return sequence

    def already_rated(self, dossier_code: str) -> bool:
        from kiosk.store.answers import already_rated

        return already_rated(self.engine, dossier_code)

    # --- "Tra cứu hồ sơ" -----------------------------------------------------------------
    @property
    def can_look_up(self) -> bool:
        """Whether there is a portal to ask about a dossier (the tablet is enrolled)."""
        return self.enrolment is not None

    def lookup_dossier(self, code: str) -> LookupResult:
        """Ask the portal about a dossier (a network call of up to a few seconds: never on
        the UI thread). Only a count of lookups is kept, by outcome; nothing of the code or
        the dossier is written anywhere."""
        from kiosk.dossier_lookup import lookup

        ca_file = self.config.portal_ca_file or None
        result = lookup(self.enrolment, code, ca_file, clock_offset_s=self._clock_offset_s())
        if result.clock_offset_s is not None:
            self._lookup_clock_offset_s = result.clock_offset_s
        self._count_lookup(result.outcome)
        return result

    def _clock_offset_s(self) -> float:
        """The portal's clock minus ours: learnt by the last lookup, else by sync."""
        if self._lookup_clock_offset_s is not None:
            return self._lookup_clock_offset_s
        if not self.store_ready:
            return 0.0
        from kiosk.store.answers import get_state

        try:
            return float(get_state(self.engine, "sync.clock_offset_s") or 0)
        except Exception:  # an unreadable store: sign with our own clock
            return 0.0

    def _count_lookup(self, outcome: str) -> None:
        from kiosk.store.answers import count_up

        try:
            count_up(self.engine, f"lookup.{outcome}")
        except Exception as exc:  # a full disk must not cost the citizen the answer
            log.warning("lookup not counted: %s", type(exc).__name__)


def _enrolled(config: Config, enrolment: Enrolment) -> Config:
    """The portal's word beats config.yaml's defaults."""
    return dataclasses.replace(
        config,
        portal_url=enrolment.portal_url,
        portal_public_key=enrolment.public_key_bytes,
        device_id=enrolment.device_id,
        unit_code=enrolment.unit_code,
        counter=enrolment.counter,
    )


def _device_id(engine: Engine) -> str:
    from kiosk.store.answers import get_state, set_state  # SQLAlchemy: see open_store

    known = get_state(engine, "device_id")
    if known:
        return known
    made = f"kiosk-{uuid.uuid4().hex[:12]}"
    set_state(engine, "device_id", made)
    return made
