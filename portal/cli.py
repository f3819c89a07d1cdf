"""`python -m portal`: create the tables, serve, enrol devices, keys, stats, forms, OpenAPI;
a clerk's import of paper forms and calls, the analysts' export.

It parses, calls and prints: what it calls is the portal's api/, devices, store/ and
reports/. The libraries that cost a command's start more than it needs are imported by
the commands that use them (times measured with -X importtime, beside each).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine

from contract.enrolment import Enrolment
from contract.wire import CHANNELS
from portal.dashboard.alerts_command import add_parsers as add_alert_parsers
from portal.dashboard.alerts_command import run_alerts
from portal.dashboard.command import add_parsers as add_user_parsers
from portal.dashboard.command import run_user
from portal.dossiers.command import add_parsers as add_dossier_parsers
from portal.dossiers.command import run_dossiers
from portal.reports import collect
from portal.reports.check_table import add_parser as add_check_table_parser
from portal.reports.check_table import run as run_check_table
from portal.reports.command import add_parsers as add_report_parsers
from portal.reports.command import run_quota, run_report, run_token
from portal.store.devices import list_devices, unit_counters
from portal.store.engine import DEFAULT_DB, make_portal_engine


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m portal", description="Kiosk Hài Lòng portal")
    parser.add_argument("--db", default=DEFAULT_DB, help="SQLAlchemy URL (sqlite or postgresql)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init-db", help="create the database's tables (before serve, device add…)")
    serve = sub.add_parser("serve", help="receive answers over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8470)
    serve.add_argument("--db", dest="db_serve", default=None)
    serve.add_argument("--tls-cert", default=None, help="PEM certificate (chain) for HTTPS")
    serve.add_argument("--tls-key", default=None, help="PEM private key for HTTPS")
    serve.add_argument(
        "--config",
        type=Path,
        default=None,
        help="portal.yaml: dashboard and alert settings",
    )
    serve.add_argument(
        "--docs", action="store_true", help="serve /docs, /redoc and /openapi.json (off by default)"
    )
    serve.add_argument(
        "--body-timeout",
        type=float,
        default=60.0,
        help="seconds a request's body may take to arrive (60)",
    )
    device = sub.add_parser("device", help="enrol, list and revoke kiosks")
    device_sub = device.add_subparsers(dest="action", required=True)
    add = device_sub.add_parser("add")
    add.add_argument("--unit", required=True)
    add.add_argument("--counter", required=True)
    add.add_argument("--portal-url", default="http://127.0.0.1:8470")
    add.add_argument("--out", type=Path, default=None, help="write the enrolment file here")
    add.add_argument(
        "--qr-out",
        type=Path,
        default=None,
        help="make an enrolment QR code (PNG) instead of showing the secret",
    )
    add.add_argument(
        "--valid-hours",
        type=float,
        default=72.0,
        help="how long the enrolment QR code can be used (once)",
    )
    device_sub.add_parser("list")
    revoke = device_sub.add_parser("revoke")
    revoke.add_argument("device_id")
    counter = sub.add_parser("counter", help="the counters of a unit its tablets' answers may name")
    counter_sub = counter.add_subparsers(dest="action", required=True)
    counter_add = counter_sub.add_parser("add", help="beside each device's own counter")
    counter_add.add_argument("--unit", required=True)
    counter_add.add_argument("codes", nargs="+", metavar="CODE")
    counter_sub.add_parser("list")
    keys = sub.add_parser("keys", help="the keypair that seals personal data")
    keys.add_argument("--private-out", type=Path, required=True)
    unit = sub.add_parser("unit", help="a unit's yearly dossier count, name, web survey forms")
    unit.add_argument("unit_code")
    unit.add_argument("--yearly-dossiers", type=int, help="(for its target)")
    unit.add_argument("--name", help='shown on the web survey ("": its code)')
    unit.add_argument("--web-form", metavar="FORM_ID", help="its quick form (danang-2223)")
    long_help = "offered after it (sipas-dak-song-2023; none: no long form)"
    unit.add_argument("--web-long-form", metavar="FORM_ID|none", help=long_help)
    unit.add_argument(
        "--state-applicants",
        type=int,
        metavar="N",
        help="its only applicants are N state bodies: one answer each per half-year (0: not so)",
    )
    unit.add_argument("--apology", help='shown with a late dossier at its tablets ("": none)')
    unit.add_argument(
        "--dossiers-from",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="its dossiers are all imported from this day: answers since are checked for "
        "unknown codes (default: the day of its first import)",
    )
    stats = sub.add_parser("stats", help="answers per unit and form, devices")
    stats.add_argument("--json", action="store_true")
    form = sub.add_parser("form", help="the form versions whose answers are accepted")
    form_sub = form.add_subparsers(dest="action", required=True)
    form_add = form_sub.add_parser("add", help="check a form (as the kiosk does) and keep it")
    form_add.add_argument("file", type=Path, metavar="FILE.yaml")
    form_list = form_sub.add_parser("list", help="the registered forms (shipped ones aside)")
    form_list.add_argument("--json", action="store_true")
    _add_import_export(sub)
    add_report_parsers(sub)
    add_check_table_parser(sub)
    add_user_parsers(sub)
    add_alert_parsers(sub)
    add_dossier_parsers(sub)
    sub.add_parser("openapi", help="print the OpenAPI document")
    return parser


def _add_import_export(sub: argparse._SubParsersAction) -> None:
    imports = sub.add_parser(
        "import", help="paper forms or phone surveys typed in by a clerk (CSV or XLSX)"
    )
    imports.add_argument("--form", required=True, help="the form's id, e.g. sipas-dak-song-2023")
    imports.add_argument("--version", type=int, default=None, help="(the latest the portal knows)")
    imports.add_argument("--unit", required=True, help="a unit the portal knows")
    imports.add_argument("--source", required=True, choices=("paper", "phone"))
    imports.add_argument(
        "--file", type=Path, required=True, help="CSV (UTF-8) or XLSX (its first sheet is read)"
    )
    imports.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the valid rows; write the others, with their errors, to a new file beside "
        "it: F.loi.csv for F.csv, F.loi.xlsx for F.xlsx (F.loi-2.csv, … if taken: never "
        "written over)",
    )
    export = sub.add_parser("export", help="answers for analysts, without personal data")
    export.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    export.add_argument(
        "--delimiter",
        choices=(",", ";"),
        default=None,
        help="a CSV's separator (default ','); ';' for an Excel set to Vietnamese. Quote it: "
        "--delimiter ';' (a bare ; ends the command)",
    )
    export.add_argument("--unit", default=None)
    export.add_argument("--form", default=None, help="a CSV holds one form")
    export.add_argument("--channel", choices=CHANNELS, default=None)
    export.add_argument("--out", type=Path, default=None, help="(standard output)")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    url = getattr(args, "db_serve", None) or args.db
    if args.command == "check-table":  # a file, no database
        return run_check_table(args)
    if args.command == "openapi":
        from portal.api import openapi_document  # FastAPI and pydantic: ~0.8 s

        print(json.dumps(openapi_document(), indent=2, ensure_ascii=False))
        return 0
    engine = make_portal_engine(url)  # creates the tables that are missing
    if args.command == "init-db":
        print(f"database ready: {engine.url.render_as_string(hide_password=True)}")
        return 0
    commands = {
        "serve": _serve,
        "device": _device,
        "counter": _counter,
        "keys": _keys,
        "unit": _unit,
        "stats": _stats,
        "form": _form,
        "import": _import,
        "export": _export,
        "report": run_report,
        "quota": run_quota,
        "token": run_token,
        "user": run_user,
        "alerts": run_alerts,
        "dossiers": run_dossiers,
    }
    return commands[args.command](args, engine)


def _serve(args: argparse.Namespace, engine: Engine) -> int:
    import uvicorn  # ~0.1 s

    from portal.api import create_app  # FastAPI and pydantic: ~0.8 s
    from portal.api.access_log import logging_config
    from portal.dashboard.config import ConfigError, load_config

    try:
        dashboard = load_config(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    app = create_app(engine, docs=args.docs, body_deadline_s=args.body_timeout, dashboard=dashboard)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        log_config=logging_config(),
        ssl_certfile=args.tls_cert,
        ssl_keyfile=args.tls_key,
    )
    return 0


def _keys(args: argparse.Namespace, engine: Engine) -> int:
    from portal.devices import new_keypair  # PyNaCl: ~0.08 s

    print(new_keypair(engine, args.private_out))
    return 0


def _unit(args: argparse.Namespace, engine: Engine) -> int:
    from portal.units import UnitChange, UnitRefused, change_unit, describe_unit  # form engine

    change = UnitChange(
        args.yearly_dossiers,
        args.name,
        args.web_form,
        args.web_long_form,
        args.state_applicants,
        args.apology,
        args.dossiers_from,
    )
    try:
        change_unit(engine, args.unit_code, change)
    except UnitRefused as refused:
        print(f"refused, nothing changed: {refused}", file=sys.stderr)
        return 2
    for line in describe_unit(engine, args.unit_code):
        print(line)
    return 0


def _stats(args: argparse.Namespace, engine: Engine) -> int:
    report = collect(engine)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    if not report["units"]:
        print("no answers stored yet")
    for row in report["units"]:
        print(_unit_lines(row))
    for device in report["devices"]:
        revoked = "  REVOKED" if device["revoked"] else ""
        print(
            f"{device['device_id']:20} {device['unit_code']:12} {device['counter']:6} "
            f"last seen {device['last_seen'] or '-'}{revoked}"
        )
    return 0


def _unit_lines(row: dict) -> str:
    """A unit and form's line of `stats`, and its target's and its flags' when it has them."""
    lines = [
        f"{row['unit_code']:12} {row['form_id']:16} stored {row['stored']:6}  "
        f"counted {row['counted']:6}  duplicate {row['duplicate']:5}  "
        f"conflict {row['conflict']:4}  rejected {row['rejected']:4}"
    ]
    if set(row["channels"]) - {"kiosk"}:  # a unit with only tablets needs no such line
        by_channel = ", ".join(f"{count} {name}" for name, count in row["channels"].items())
        lines.append(f"{'':12} by channel: {by_channel}")
    if row.get("target"):
        lines.append(
            f"{'':12} yearly minimum (decision 2223): {row['target']}"
            f" for {row['yearly_dossiers']} dossiers"
        )
    if row["not_counted"]:
        by_count = sorted(row["flagged"].items(), key=lambda item: -item[1])
        flags = ", ".join(f"{count} flagged {flag}" for flag, count in by_count)
        lines.append(
            f"{'':12} not counted: {row['not_counted']} of {row['stored']} "
            f"(kept; an answer may carry several flags): {flags}"
        )
    return "\n".join(lines)


def _device(args: argparse.Namespace, engine: Engine) -> int:
    from portal.devices import add_device, revoke_device  # PyNaCl: ~0.08 s

    if args.action == "add":
        enrolment = add_device(engine, args.unit, args.counter, args.portal_url)
        if args.qr_out:
            return _enrolment_qr(engine, enrolment, args.qr_out, args.valid_hours)
        if not args.out:
            print(enrolment.to_json())
            return 0
        _write_private(args.out, enrolment.to_json() + "\n")
        print(
            f"enrolment for {enrolment.device_id} ({enrolment.unit_code}, counter "
            f"{enrolment.counter}) at {enrolment.portal_url} written to {args.out}: "
            "it holds the device secret"
        )
        return 0
    if args.action == "list":
        for device in list_devices(engine):
            state = "revoked" if device.revoked_at else "active"
            print(f"{device.id}  {device.unit_code}  {device.counter}  {state}")
        return 0
    if revoke_device(engine, args.device_id):
        print(f"revoked {args.device_id}")
        return 0
    print(f"no device {args.device_id}", file=sys.stderr)
    return 1


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner reads, from its first byte (it holds a device secret)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)  # a file that was there keeps its mode through O_CREAT


def _counter(args: argparse.Namespace, engine: Engine) -> int:
    from portal.devices import add_counters  # PyNaCl: ~0.08 s

    if args.action == "add":
        add_counters(engine, args.unit, args.codes)
    for unit, codes in unit_counters(engine).items():
        print(f"{unit}: {' '.join(codes)}")
    return 0


def _enrolment_qr(engine: Engine, enrolment: Enrolment, out: Path, valid_hours: float) -> int:
    """Print the enrolment QR code on the terminal and write it as a PNG for printing."""
    import qrcode  # ~0.25 s

    from portal.devices import offer_enrolment  # PyNaCl: ~0.08 s

    offer = offer_enrolment(engine, enrolment, timedelta(hours=valid_hours))
    qr = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(offer.payload())
    qr.print_ascii(invert=True)
    qr.make_image().save(str(out))
    print(
        f"enrolment code for {offer.device_id} ({offer.unit_code}, counter {offer.counter}) "
        f"at {offer.portal_url}: works once, until {offer.expires_at}; image in {out}"
    )
    return 0


def _form(args: argparse.Namespace, engine: Engine) -> int:
    if args.action == "add":
        return _form_add(engine, args.file)
    from portal.forms import form_rows  # the form engine and PyYAML: only for forms

    rows = form_rows(engine)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for row in rows:
        origin = "shipped" if row["shipped"] else f"added {row['added_at']} by {row['added_by']}"
        print(
            f"{row['form_id']:24} v{row['version']:<4} {row['questions']:3} questions  "
            f"{origin}  {row['title']}"
        )
    return 0


def _form_add(engine: Engine, path: Path) -> int:
    from kiosk.domain.yamlfile import FileProblems
    from kiosk.locale import Translator
    from portal.forms import Added, add_form  # the form engine and PyYAML: only for forms

    try:
        result = add_form(engine, path)
    except FileProblems as problems:
        print(problems.describe(Translator("vi"), "cli.form_bad"), file=sys.stderr)
        return 1
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    name = f"{result.form_id} version {result.version}"
    if result.outcome is Added.DIFFERENT:
        print(
            f"refused: {name} is registered with another text; a version's meaning never "
            "changes: give the changed form a new version",
            file=sys.stderr,
        )
        return 1
    if result.outcome is Added.SHIPPED:
        print(f"{name} is shipped with the portal, with this very text: accepted already")
        return 0
    if result.outcome is Added.SAME:
        print(f"{name} is registered already with this very text: nothing to do")
        return 0
    print(f"registered {name}: the portal accepts its answers from now on")
    return 0


def _import(args: argparse.Namespace, engine: Engine) -> int:
    from portal.imports.run import ImportRequest, run_import  # the form engine: only here

    request = ImportRequest(
        form_id=args.form,
        version=args.version,
        unit=args.unit,
        source=args.source,
        path=args.file,
        skip_invalid=args.skip_invalid,
    )
    report = run_import(engine, request)
    for line in report.notes + report.err:
        print(line, file=sys.stderr)
    for line in report.out:  # the summary comes last
        print(line)
    return report.code


def _export(args: argparse.Namespace, engine: Engine) -> int:
    from kiosk.locale import Translator
    from portal.exports import Selection, SeveralForms, export_to_file, writer_for

    tr = Translator("vi")
    if args.delimiter is not None and args.format != "csv":
        print(tr("export.delimiter_not_csv"), file=sys.stderr)
        return 2
    selection = Selection(unit=args.unit, form=args.form, channel=args.channel)
    writer = writer_for(args.format, args.delimiter or ",")
    try:
        if args.out is None:
            return _export_to_stdout(engine, selection, writer)
        count = export_to_file(engine, selection, writer, args.out)
    except SeveralForms as several:
        print(tr("export.several_forms", forms=", ".join(several.forms)), file=sys.stderr)
        return 1
    except OSError as exc:
        error = exc.strerror or type(exc).__name__
        print(tr("cli.export_failed", path=args.out, error=error), file=sys.stderr)
        return 1
    print(tr("cli.export_done", count=count, path=args.out))
    return 0


def _export_to_stdout(engine: Engine, selection: object, writer: Callable[..., int]) -> int:
    """The export on standard output; a reader that stops early (| head) is no error."""
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    try:
        writer(engine, selection, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to say
    return 0
