"""`python -m portal alerts …`: check the alert rules, set them, list the alerts.

    portal alerts check [--config portal.yaml]     raise and send what the rules find now
    portal alerts rule add (--unit U | --all) --kind K [--threshold X] [--window N]
    portal alerts rule remove ID                   portal alerts rule list
    portal alerts list [--open]

The portal checks the rules itself every minute (alerts.check_every_seconds); `check` is
for a portal that does not (0), for cron, and to see at once what a new rule finds. It
reads the same portal.yaml as `portal serve --config` for the SMTP server and webhook.

Also runnable alone: `python -m portal.dashboard.alerts_command --db URL check`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from portal.dashboard import alert_rules
from portal.dashboard.config import ConfigError, load_config
from portal.store.dashboard_tables import Alert


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """`alerts …` under `python -m portal`."""
    add_actions(sub.add_parser("alerts", help="alert rules, checking them, the alerts raised"))


def add_actions(alerts: argparse.ArgumentParser) -> None:
    alerts_sub = alerts.add_subparsers(dest="alerts_action", required=True)
    check = alerts_sub.add_parser("check", help="raise and send what the rules find now")
    check.add_argument("--config", type=Path, default=None, help="portal.yaml (SMTP, webhook)")
    rule = alerts_sub.add_parser("rule", help="the thresholds the province sets")
    rule_sub = rule.add_subparsers(dest="rule_action", required=True)
    add = rule_sub.add_parser("add", help="set a rule (replaces that unit's rule of that kind)")
    scope = add.add_mutually_exclusive_group(required=True)
    scope.add_argument("--unit", help="one unit's rule")
    scope.add_argument("--all", action="store_true", help="the rule for every unit")
    add.add_argument("--kind", required=True, choices=list(alert_rules.KINDS))
    add.add_argument("--threshold", default=None, help="% or factor by kind (default by kind)")
    add.add_argument("--window", default=None, help="answers, days or minutes by kind")
    remove = rule_sub.add_parser("remove", help="remove a rule by its number")
    remove.add_argument("rule_id", type=int)
    rule_sub.add_parser("list")
    listed = alerts_sub.add_parser("list", help="the alerts raised, newest first")
    listed.add_argument("--open", action="store_true", help="only those not acknowledged")


def run_alerts(args: argparse.Namespace, engine: Engine) -> int:
    if args.alerts_action == "check":
        return _check(args, engine)
    if args.alerts_action == "list":
        return _list(args, engine)
    if args.rule_action == "add":
        try:
            unit = None if args.all else args.unit.strip()
            if unit == "":
                raise alert_rules.RuleError("Cần mã đơn vị sau --unit (hoặc --all).")
            made, replaced = alert_rules.add_rule(
                engine, unit, args.kind, args.threshold, args.window, "dòng lệnh"
            )
        except alert_rules.RuleError as exc:
            print(exc, file=sys.stderr)
            return 2
        scope = made.unit or "mọi đơn vị"
        print(f"Đã đặt quy tắc {made.id} ({scope}): {made.words()}.")
        if replaced is not None:
            print(f"Thay cho quy tắc {replaced.id}: {replaced.words()}.")
        return 0
    if args.rule_action == "remove":
        removed = alert_rules.remove_rule(engine, args.rule_id)
        if removed is None:
            print(f"Không có quy tắc số {args.rule_id}.", file=sys.stderr)
            return 2
        print(f"Đã bỏ quy tắc {removed.id} ({removed.unit or 'mọi đơn vị'}): {removed.words()}.")
        return 0
    for rule in alert_rules.list_rules(engine):
        print(f"{rule.id}\t{rule.unit or '*'}\t{rule.kind}\t{rule.words()}")
    return 0


def _check(args: argparse.Namespace, engine: Engine) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    checked = alert_rules.evaluate(engine, config)
    if not checked.rules:
        print("Chưa có quy tắc cảnh báo nào (portal alerts rule add …).")
        return 0
    print(f"Đã kiểm tra {checked.rules} quy tắc: {len(checked.raised)} cảnh báo mới.")
    with Session(engine) as session:
        for alert_id in checked.raised:
            alert = session.get(Alert, alert_id)
            if alert is not None:
                print(f"{alert.unit_code}\t{alert.detail}")
    for alert_id, error in sorted(checked.deliveries.items()):
        print(f"Cảnh báo {alert_id}: {'đã gửi' if not error else 'chưa gửi được: ' + error}")
    return 0


def _list(args: argparse.Namespace, engine: Engine) -> int:
    query = select(Alert).order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(200)
    if args.open:
        query = query.where(Alert.acked_at.is_(None))
    with Session(engine) as session:
        for alert in session.scalars(query):
            state = (
                f"đã xác nhận: {alert.acked_by} {alert_rules.local_text(alert.acked_at)}"
                if alert.acked_at
                else "chưa xác nhận"
            )
            raised = alert_rules.local_text(alert.raised_at)
            print(f"{alert.id}\t{raised}\t{alert.unit_code}\t{alert.detail}\t{state}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """The command alone, without the rest of `python -m portal`."""
    from portal.store.engine import DEFAULT_DB, make_portal_engine

    parser = argparse.ArgumentParser(prog="python -m portal.dashboard.alerts_command")
    parser.add_argument("--db", default=DEFAULT_DB, help="SQLAlchemy URL (sqlite or postgresql)")
    add_actions(parser)
    args = parser.parse_args(argv)
    engine = make_portal_engine(args.db)
    try:
        return run_alerts(args, engine)
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
