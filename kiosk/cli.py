"""The kiosk's command line: run the app, check the config, export, demo data, PIN hashes.

Every command takes --config and --data-dir so that several kiosks can run side by side.

Commands import what they need inside their function: `kiosk run` passes through this
module, so whatever it imported at the top would add to the kiosk's cold start and memory
(within 1 MiB of its +40 MiB budget), and `hash-pin` or `check-config` need neither Kivy
(~0.45 s) nor SQLAlchemy (~0.2 s).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.locale import Translator

if TYPE_CHECKING:
    from kiosk.core import KioskCore


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=None, help="config.yaml to use")
    parser.add_argument("--data-dir", type=Path, default=None, help="where the data is kept")
    parser.add_argument("--lang", default="vi", choices=("vi", "en"), help="language of messages")


def build_parser() -> argparse.ArgumentParser:
    from kiosk import __version__

    parser = argparse.ArgumentParser(prog="python -m kiosk", description="Kiosk Hài Lòng")
    parser.add_argument("--version", action="version", version=f"kiosk-hai-long {__version__}")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="start the kiosk (the default)")
    _common(run)
    run.add_argument("--windowed", action="store_true", help="a window instead of fullscreen")
    run.add_argument("--size", default="1280x800", help="window size, e.g. 800x1280")
    check = sub.add_parser("check-config", help="check config.yaml and its form")
    check.add_argument("path", nargs="?", type=Path, default=None)
    check.add_argument("--data-dir", type=Path, default=None, help="where the data is kept")
    check.add_argument("--lang", default="vi", choices=("vi", "en"))
    export = sub.add_parser("export", help="export answers without personal data")
    _common(export)
    export.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    export.add_argument("--since", default=None, help="YYYY-MM-DD")
    export.add_argument("--out", type=Path, default=None, help="file (default: standard output)")
    demo = sub.add_parser("demo-data", help="fill the store with synthetic answers")
    _common(demo)
    demo.add_argument("--answers", type=int, default=100)
    demo.add_argument("--seed", type=int, default=None)
    enrol = sub.add_parser("enrol", help="apply a portal's enrolment file to this kiosk")
    _common(enrol)
    enrol.add_argument("file", type=Path)
    enrol.add_argument(
        "--replace", action="store_true", help="allow moving to another portal or public key"
    )
    target = sub.add_parser("target", help="minimum answers for a year (decision 2223)")
    target.add_argument("--dossiers", type=int, required=True, help="dossiers in the year")
    target.add_argument("--json", action="store_true")
    target.add_argument("--lang", default="vi", choices=("vi", "en"))
    scan = sub.add_parser("scan-file", help="read receipts' QR codes from image files")
    scan.add_argument("images", nargs="+", type=Path, help="image files or folders of them")
    scan.add_argument("--frames", type=int, default=1, help="consecutive images per receipt")
    scan.add_argument("--config", type=Path, default=None, help="config.yaml to use")
    scan.add_argument("--lang", default="vi", choices=("vi", "en"))
    poster = sub.add_parser("poster", help="a printable counter poster with the survey's QR")
    poster.add_argument("--counter", required=True, help="counter code, e.g. Q1")
    poster.add_argument("--out", type=Path, required=True, help="FILE.pdf or FILE.png")
    poster.add_argument("--paper", choices=("A4", "A5"), default="A4")
    poster.add_argument("--config", type=Path, default=None, help="config.yaml to use")
    poster.add_argument("--lang", default="vi", choices=("vi", "en"))
    pin = sub.add_parser("hash-pin", help="make a staff PIN hash for config.yaml")
    pin.add_argument("--lang", default="vi", choices=("vi", "en"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    if command == "run" and args.command is None:
        args = build_parser().parse_args(["run", *(argv or sys.argv[1:])])
    handler = {
        "run": _run,
        "check-config": _check_config,
        "export": _export,
        "demo-data": _demo_data,
        "hash-pin": _hash_pin,
        "enrol": _enrol,
        "target": _target,
        "scan-file": _scan_file,
        "poster": _poster,
    }[command]
    return handler(args, Translator(getattr(args, "lang", "vi")))


def _run(args: argparse.Namespace, tr: Translator) -> int:
    from kiosk.app import run_kiosk  # Kivy is imported only when a window is wanted

    return run_kiosk(args.config, args.data_dir, windowed=args.windowed, size=args.size)


def _check_config(args: argparse.Namespace, tr: Translator) -> int:
    from kiosk.domain.yamlfile import FileProblems
    from kiosk.operations.setup import check_config

    found = check_config(args.path, args.data_dir)
    if found.config is None or found.enrolment is None:
        print(FileProblems(found.problems).describe(tr))
        return 1
    print(tr("cli.config_ok", path=found.config.source, form=found.config.form_path.name))
    print(found.enrolment.words(tr))
    long_form = found.config.long_form
    if long_form is not None:
        print(tr("cli.long_form", form=long_form.path.name, percent=f"{long_form.share:.0%}"))
    if found.demo_pin:
        print(tr("cli.demo_pin", pin=found.demo_pin))
    for code, pin in found.demo_officer_pins:
        print(tr("cli.demo_officer_pin", code=code, pin=pin))
    return 0


def _open_core(args: argparse.Namespace, tr: Translator) -> KioskCore | None:
    from kiosk.core import KioskCore

    core, why = KioskCore.open_or_say_why(args.config, args.data_dir, tr)
    if core is None:
        print(why, file=sys.stderr)
    return core


def _export(args: argparse.Namespace, tr: Translator) -> int:
    from kiosk.operations.it import ExportFailed

    since = None
    if args.since:
        try:
            since = datetime.strptime(args.since, "%Y-%m-%d").replace(tzinfo=timezone.utc)
        except ValueError:
            print(tr("cli.bad_date", value=args.since), file=sys.stderr)
            return 2
    core = _open_core(args, tr)
    if core is None:
        return 1
    try:
        done = core.it.export(args.format, args.out or sys.stdout, since, where="cli")
    except ExportFailed as exc:
        print(exc.describe(tr), file=sys.stderr)
        return 1
    print(tr("cli.export_done", count=done.count, path=done.path or "stdout"), file=sys.stderr)
    return 0


def _demo_data(args: argparse.Namespace, tr: Translator) -> int:
    from kiosk.demo import make_demo_answers

    core = _open_core(args, tr)
    if core is None:
        return 1
    count = make_demo_answers(core, args.answers, args.seed)
    print(tr("cli.demo_done", count=count, path=core.data_dir))
    return 0


def _enrol(args: argparse.Namespace, tr: Translator) -> int:
    from kiosk.domain.yamlfile import FileProblems
    from kiosk.operations.setup import enrol_from_file

    try:
        done = enrol_from_file(args.file, args.config, args.data_dir, args.replace)
    except FileProblems as exc:
        print(exc.describe(tr), file=sys.stderr)
        return 1
    print(done.words(tr), file=sys.stdout if done.ok else sys.stderr)
    return 0 if done.ok else 1


def _target(args: argparse.Namespace, tr: Translator) -> int:
    import json

    from kiosk.domain.targets import sample_target

    if args.dossiers < 0:
        print(tr("cli.target_negative"), file=sys.stderr)
        return 2
    target = sample_target(args.dossiers)
    if args.json:
        print(
            json.dumps(
                {
                    "dossiers": target.dossiers,
                    "allowed_error": target.allowed_error,
                    "exact": round(target.exact, 4),
                    "minimum": target.minimum,
                }
            )
        )
    else:
        exact = f"{target.exact:.2f}"
        dossiers = f"{target.dossiers:,}"
        if tr.language == "vi":  # 4.000 hồ sơ, 259,74 phiếu: Vietnamese separators
            dossiers, exact = dossiers.replace(",", "."), exact.replace(".", ",")
        print(
            tr(
                "cli.target",
                minimum=target.minimum,
                dossiers=dossiers,
                error=f"{target.allowed_error:.0%}",
                exact=exact,
            )
        )
    return 0


def _config_or_report(path: Path | None, tr: Translator):
    from kiosk.config import load_config
    from kiosk.domain.yamlfile import FileProblems

    try:
        return load_config(path)
    except FileProblems as exc:
        print(exc.describe(tr), file=sys.stderr)
        return None


def _scan_file(args: argparse.Namespace, tr: Translator) -> int:
    """One line per image: its name, then the dossier code or why it was refused."""
    from kiosk.scan.files import scan_files
    from kiosk.scan.frames import image_files

    config = _config_or_report(args.config, tr)
    if config is None:
        return 2
    results = scan_files(image_files(args.images), config.receipt_rules, args.frames)
    for result in results:
        if result.code:
            said = result.code
        elif result.earlier:
            said = "= " + tr("scan.earlier_frame", code=result.earlier)
        else:
            said = "- " + tr(result.problem)
        print(f"{result.path.name}\t{said}")
    frames = max(1, args.frames)
    groups = [results[i : i + frames] for i in range(0, len(results), frames)]
    return 0 if groups and all(any(r.code for r in group) for group in groups) else 1


def _poster(args: argparse.Namespace, tr: Translator) -> int:
    from kiosk.poster import PosterError, write_poster

    config = _config_or_report(args.config, tr)
    if config is None:
        return 2
    try:
        url = write_poster(config, args.counter, args.out, args.paper)
    except PosterError as exc:
        print(tr(exc.key, **exc.params), file=sys.stderr)
        return 2
    print(tr("poster.written", path=args.out, url=url))
    return 0


def _hash_pin(args: argparse.Namespace, tr: Translator) -> int:
    from kiosk.domain.pin import hash_pin

    pin = getpass.getpass(tr("cli.pin_prompt"))
    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        print(tr("cli.pin_bad"), file=sys.stderr)
        return 2
    if getpass.getpass(tr("cli.pin_again")) != pin:
        print(tr("cli.pin_mismatch"), file=sys.stderr)
        return 2
    print(tr("cli.pin_line"))
    print(f'  pin_hash: "{hash_pin(pin)}"')
    return 0
