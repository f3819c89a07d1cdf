"""`python -m portal dossiers …`: the units' dossiers from the one-stop software.

portal dossiers import FILE [--config portal.yaml]   CSV or XLSX; headings mapped there
portal dossiers list                                 dossiers per unit, by status
portal dossiers check [--unit U]                     check the answers again (all units)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import Engine, select

from portal.dashboard.config import ConfigError, load_config
from portal.dossiers.importer import import_dossiers
from portal.store.dossier_checks import Rechecked, check_unit
from portal.store.dossiers import dossier_counts
from portal.store.models import Dossier

STATUS_WORDS = {"processing": "đang giải quyết", "ready": "chờ trả", "returned": "đã trả"}


def add_parsers(sub: argparse._SubParsersAction) -> None:
    dossiers = sub.add_parser("dossiers", help="the units' dossiers from the one-stop software")
    actions = dossiers.add_subparsers(dest="dossiers_action", required=True)
    imported = actions.add_parser("import", help="a CSV or XLSX export; all or nothing")
    imported.add_argument("file", type=Path)
    imported.add_argument("--config", type=Path, default=None, help="portal.yaml (its columns)")
    actions.add_parser("list", help="dossiers per unit, by status")
    check = actions.add_parser("check", help="check the answers against the dossiers again")
    check.add_argument("--unit", default=None, help="one unit (all that have dossiers)")


def run_dossiers(args: argparse.Namespace, engine: Engine) -> int:
    if args.dossiers_action == "import":
        return _import(args, engine)
    if args.dossiers_action == "list":
        return _list(engine)
    return _check(args, engine)


def _import(args: argparse.Namespace, engine: Engine) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    outcome = import_dossiers(engine, args.file, config.dossier_columns, config.dossier_statuses)
    for line in outcome.lines:
        print(line, file=sys.stderr if outcome.code else sys.stdout)
    return outcome.code


def _list(engine: Engine) -> int:
    counts = dossier_counts(engine)
    if not counts:
        print("Chưa có hồ sơ nào (python -m portal dossiers import TỆP).")
    for unit, by_status in sorted(counts.items()):
        words = ", ".join(f"{STATUS_WORDS[s]} {n}" for s, n in sorted(by_status.items()) if n)
        print(f"{unit}: {sum(by_status.values())} hồ sơ ({words})")
    return 0


def _check(args: argparse.Namespace, engine: Engine) -> int:
    units = [args.unit] if args.unit else _units(engine)
    done = Rechecked()
    with engine.begin() as connection:
        for unit in units:
            done += check_unit(connection, unit)
    print(
        f"Đã đối chiếu phiếu của {len(units)} đơn vị: {done.flagged} phiếu bị gắn cờ, "
        f"{done.cleared} phiếu được gỡ cờ."
    )
    return 0


def _units(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(Dossier.unit_code).distinct()).scalars())
