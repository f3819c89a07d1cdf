"""`python -m portal report` (a report as text, JSON, CSV, XLSX or PDF) and `python -m
portal quota` (the quotas of a survey plan): their options, read into a ReportRequest, and
the printing. The figures are build_report's; this module only asks and prints."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

from sqlalchemy import Engine

from contract.wire import CHANNELS
from portal.reports.request import (
    DEFAULT_FORM,
    PeriodError,
    ReportError,
    ReportRequest,
    parse_day,
    period_of,
)

FORMATS = ("text", "json", "csv", "xlsx", "pdf")
BINARY = ("xlsx", "pdf")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """`report` and `quota`, on the portal's command line."""
    report = sub.add_parser("report", help="results: satisfaction, tables, indices, targets")
    report.add_argument(
        "--form", default=DEFAULT_FORM, help=f"the form reported on ({DEFAULT_FORM})"
    )
    report.add_argument(
        "--unit", action="append", default=[], metavar="UNIT", help="(repeat; all units)"
    )
    report.add_argument("--counter", action="append", default=[], help="(repeat; all counters)")
    report.add_argument("--officer", action="append", default=[], help="(repeat; all officers)")
    report.add_argument(
        "--channel", action="append", default=[], choices=CHANNELS, help="(repeat; every channel)"
    )
    report.add_argument("--period", help="2026, 2026-H1, 2026-Q3 or 2026-11 (local days)")
    report.add_argument("--from", dest="start", metavar="DAY", help="first day (2026-11-03)")
    report.add_argument("--to", dest="end", metavar="DAY", help="last day, included")
    report.add_argument(
        "--include-flagged", action="store_true", help="show flagged answers in their own column"
    )
    report.add_argument("--comments", type=int, default=200, metavar="N", help="newest N (200)")
    report.add_argument("--today", metavar="DAY", help="count targets as of this day (today)")
    report.add_argument("--format", choices=FORMATS, default="text")
    report.add_argument("--out", type=Path, help="(standard output; xlsx and pdf need it)")
    head = report.add_argument_group("the PDF's head and signature (else dots to fill by hand)")
    head.add_argument(
        "--issuer", default="", help='"UBND QUẬN HẢI CHÂU|PHÒNG NỘI VỤ" ("|": a line)'
    )
    head.add_argument("--place", default="", help="the place in the date line (Hải Châu)")
    head.add_argument("--signer-title", default="", help="KT. CHỦ TỊCH … (THỦ TRƯỞNG ĐƠN VỊ)")
    head.add_argument("--signer", default="", help="the signer's name")
    quota = sub.add_parser("quota", help="a survey plan's quotas: answers per unit or counter")
    quota_sub = quota.add_subparsers(dest="action", required=True)
    add = quota_sub.add_parser("add")
    add.add_argument("--unit", required=True)
    add.add_argument("--counter", help="(the whole unit)")
    add.add_argument("--period", help="2026, 2026-H1, 2026-Q3 or 2026-11")
    add.add_argument("--from", dest="start", metavar="DAY")
    add.add_argument("--to", dest="end", metavar="DAY")
    add.add_argument("--count", type=int, required=True)
    add.add_argument(
        "--label", default="Chỉ tiêu kế hoạch khảo sát", help="the plan, in Vietnamese"
    )
    quota_sub.add_parser("list")
    quota_sub.add_parser(
        "remove", help="a quota given by mistake (its id: quota list)"
    ).add_argument("id", type=int)
    token = sub.add_parser("token", help="tokens for programs: reading reports, pushing dossiers")
    token_sub = token.add_subparsers(dest="action", required=True)
    token_add = token_sub.add_parser("add", help="make one; it is shown once")
    token_add.add_argument("name")
    token_add.add_argument(
        "--for",
        dest="scope",
        choices=("reports", "dossiers"),
        default="reports",
        help="GET /api/v1/reports (reports) or a one-stop system's POST /api/v1/dossiers",
    )
    token_sub.add_parser("list")
    token_sub.add_parser("revoke").add_argument("name")


def request_of(args: argparse.Namespace) -> ReportRequest:
    """The report asked for on the command line; PeriodError with words for the user."""
    period = period_of(args.period, args.start, args.end)
    return ReportRequest(
        form_id=args.form,
        units=tuple(args.unit),
        counters=tuple(args.counter),
        officers=tuple(args.officer),
        channels=tuple(dict.fromkeys(args.channel)),
        start=period.start,
        end=period.end,
        period_label=period.label,
        include_flagged=args.include_flagged,
        today=parse_day(args.today, "--today") if args.today else None,
        comments_limit=max(args.comments, 0),
    )


def run_report(args: argparse.Namespace, engine: Engine) -> int:
    from portal.reports import ReportError, build_report

    if args.format in BINARY and args.out is None:
        print(
            f"--format {args.format} cần --out TỆP (tệp nhị phân, không in ra màn hình).",
            file=sys.stderr,
        )
        return 2
    try:
        report = build_report(engine, request_of(args))
    except (PeriodError, ReportError) as refused:
        print(str(refused), file=sys.stderr)
        return 2
    _write(report, args)
    return 0 if report["checks"]["ok"] else 1


def _write(report: dict, args: argparse.Namespace) -> None:
    out: Path | None = args.out
    if args.format in BINARY:
        assert out is not None
        buffer = io.BytesIO()
        if args.format == "xlsx":
            from portal.reports.xlsx import write_xlsx

            write_xlsx(report, buffer)
        else:
            from portal.reports.pdf import Letterhead, write_pdf

            head = Letterhead(args.issuer, args.place, args.signer_title, args.signer)
            write_pdf(report, buffer, head)
        out.write_bytes(buffer.getvalue())  # whole or nothing: no half-written file
        print(f"đã ghi {out}", file=sys.stderr)
        return
    text = _text(report, args.format)
    if out is None:
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        print(f"đã ghi {out}", file=sys.stderr)


def _text(report: dict, form: str) -> str:
    if form == "json":
        return json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    if form == "csv":
        from portal.reports.check_table import write_table

        buffer = io.StringIO()
        write_table(report, buffer)
        return buffer.getvalue()
    from portal.reports.text import report_text

    return report_text(report)


def run_quota(args: argparse.Namespace, engine: Engine) -> int:
    from portal.reports.targets import add_quota, list_quotas, remove_quota

    if args.action == "list":
        for quota in list_quotas(engine):
            where = quota.unit_code + (f" quầy {quota.counter}" if quota.counter else "")
            days = f"{quota.start:%d/%m/%Y}–{quota.end:%d/%m/%Y}"
            print(f"{quota.id}. {where}: {quota.count} phiếu, {days} ({quota.label})")
        return 0
    if args.action == "remove":
        if not remove_quota(engine, args.id):
            print(f"Không có chỉ tiêu số {args.id} (quota list).", file=sys.stderr)
            return 2
        print(f"đã xoá chỉ tiêu số {args.id}")
        return 0
    try:
        period = period_of(args.period, args.start, args.end)
        if period.start is None or period.end is None:
            raise PeriodError("Chỉ tiêu cần một kỳ: --period, hoặc cả --from và --to.")
        if args.count <= 0:
            raise PeriodError("--count: số phiếu của chỉ tiêu phải lớn hơn 0.")
    except PeriodError as refused:
        print(str(refused), file=sys.stderr)
        return 2
    try:
        quota = add_quota(
            engine, args.unit, args.counter, period.start, period.end, args.count, args.label
        )
    except ReportError as refused:
        print(f"Không thêm: {refused}", file=sys.stderr)
        return 2
    where = quota.unit_code + (f" quầy {quota.counter}" if quota.counter else "")
    print(f"đã thêm chỉ tiêu số {quota.id}: {where}, {args.count} phiếu, {period.label}")
    return 0


def run_token(args: argparse.Namespace, engine: Engine) -> int:
    from portal.store.tokens import TokenRefused, add_token, list_tokens, revoke_token

    try:
        if args.action == "add":
            print(add_token(engine, args.name, args.scope))
            use = "GET /api/v1/reports" if args.scope == "reports" else "POST /api/v1/dossiers"
            print(
                f"(token {args.name!r}: shown this once; send it as "
                f"'Authorization: Bearer TOKEN' to {use})",
                file=sys.stderr,
            )
        elif args.action == "revoke":
            revoke_token(engine, args.name)
            print(f"revoked: {args.name}")
        else:
            for row in list_tokens(engine):
                state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "live"
                print(f"{row.name}  {row.scope}  made {row.created_at:%Y-%m-%d}  {state}")
    except TokenRefused as refused:
        print(f"refused: {refused}", file=sys.stderr)
        return 2
    return 0
