"""What IT does to a kiosk before it runs, without opening its store: check config.yaml
(`python -m kiosk check-config`) and apply an enrolment file (`python -m kiosk enrol`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kiosk.config import Config, check_config_file, load_config
from kiosk.core import resolve_data_dir
from kiosk.domain.pin import verify_pin
from kiosk.domain.yamlfile import FileProblems, Problem
from kiosk.enrolment import (
    EnrolmentState,
    enrolment_state,
    load_enrolment,
    read_enrolment,
    replaces_another,
    save_enrolment,
)
from kiosk.operations import Outcome

DEMO_PIN = "2468"  # the shipped config.yaml's; check-config warns while it is in use
DEMO_OFFICER_PINS = ("1357", "2580")  # the shipped demo officers' PINs


@dataclass(frozen=True)
class ConfigCheck:
    """A config file's problems; when there are none, what it sets up."""

    problems: list[Problem]
    config: Config | None = None
    enrolment: EnrolmentState | None = None
    demo_pin: str = ""  # IT's PIN when it is still the shipped one
    demo_officer_pins: list[tuple[str, str]] = field(default_factory=list)  # (code, PIN)


def check_config(path: Path | None, data_dir: Path | None) -> ConfigCheck:
    """Check config.yaml and its form; then its enrolment, and PINs left as shipped."""
    problems = check_config_file(path)
    if problems:
        return ConfigCheck(problems)
    config = load_config(path)
    enrolment = enrolment_state(resolve_data_dir(config, data_dir), config)
    demo_pin = DEMO_PIN if verify_pin(DEMO_PIN, config.staff_pin_hash) else ""
    officers = []
    for officer in config.officers:
        demo = next((pin for pin in DEMO_OFFICER_PINS if verify_pin(pin, officer.pin_hash)), None)
        if demo:
            officers.append((officer.code, demo))
    return ConfigCheck([], config, enrolment, demo_pin, officers)


def enrol_from_file(
    file: Path, config_path: Path | None, data_dir: Path | None, replace: bool
) -> Outcome:
    """Check a portal's enrolment file and keep it in the data directory. Moving to another
    portal or public key needs `replace` (answers so far were sealed for the current one).
    Raises FileProblems for a bad enrolment file or config."""
    enrolment = read_enrolment(file)
    config = load_config(config_path)
    data_dir = resolve_data_dir(config, data_dir)
    try:
        current = load_enrolment(data_dir)
    except FileProblems:
        current = None  # a broken enrolment sends nowhere: nothing to replace
    if current:
        url, key = current.portal_url, current.public_key_bytes
    else:
        url, key = config.portal_url, config.portal_public_key
    if not replace and replaces_another(enrolment, url, key):
        return Outcome(
            False, "cli.enrol_replace", {"ours": url or "-", "url": enrolment.portal_url}
        )
    path = save_enrolment(enrolment, data_dir)
    said = {"device": enrolment.device_id, "url": enrolment.portal_url, "path": path}
    return Outcome(True, "cli.enrolled", said)
