"""`python -m portal user …`: the dashboard's accounts.

    portal user add NAME --role province|unit_head|verifier|it [--unit U …]
    portal user password NAME        portal user disable NAME        portal user list

The password is asked twice at the terminal, or read from one line of standard input
with --password-stdin (for scripts): never an argument, which `ps` and the shell's
history would show.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy import Engine

from portal.dashboard import accounts


def add_parsers(sub: argparse._SubParsersAction) -> None:
    user = sub.add_parser("user", help="the dashboard's accounts")
    user_sub = user.add_subparsers(dest="action", required=True)
    add = user_sub.add_parser("add", help="an account with a role and its units")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=accounts.ROLES)
    add.add_argument("--unit", action="append", default=[], help="a unit it is given (repeat)")
    add.add_argument("--password-stdin", action="store_true")
    password = user_sub.add_parser("password", help="a new password (ends its sessions)")
    password.add_argument("name")
    password.add_argument("--password-stdin", action="store_true")
    disable = user_sub.add_parser("disable", help="no more sign-ins (ends its sessions)")
    disable.add_argument("name")
    user_sub.add_parser("list")


def run_user(args: argparse.Namespace, engine: Engine) -> int:
    try:
        if args.action == "add":
            accounts.add_user(engine, args.name, args.role, args.unit, _password(args))
            print(f"Đã thêm tài khoản {args.name} ({accounts.ROLE_NAMES[args.role]}).")
        elif args.action == "password":
            accounts.set_password(engine, args.name, _password(args))
            print(f"Đã đổi mật khẩu của {args.name}.")
        elif args.action == "disable":
            accounts.disable_user(engine, args.name)
            print(f"Đã khóa tài khoản {args.name}.")
        else:
            for name, role, units, disabled in accounts.list_users(engine):
                state = " (đã khóa)" if disabled else ""
                print(f"{name}\t{role}\t{','.join(units) or '-'}{state}")
    except accounts.AccountError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Mật khẩu: ")
    if getpass.getpass("Nhập lại mật khẩu: ") != first:
        raise accounts.AccountError("Hai lần nhập mật khẩu không giống nhau.")
    return first
