"""`bitloot operators add|list|disable|reset-password` (docs/console.md): operator accounts from the
shop's own machine, audited as the command line. A generated one-time password is printed once, on
stdout, and nowhere else; `--password-stdin` reads the operator's own from the first line of stdin."""

import argparse
import sys
from typing import TYPE_CHECKING

from bitloot.application.use_cases.add_operator import AddOperator
from bitloot.application.use_cases.disable_operator import DisableOperator
from bitloot.application.use_cases.list_operators import ListOperators
from bitloot.application.use_cases.reset_password import ResetPassword
from bitloot.domain.errors import BitLootError
from bitloot.domain.operator_audit import Actor
from bitloot.domain.operators import Role

if TYPE_CHECKING:  # `bitloot serve`'s main process imports this module, never dishka (5 MB with pydantic)
    from dishka import AsyncContainer


def add_operators_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    operators = commands.add_parser(
        "operators", help="console operators: add, list, disable, reset a password"
    )
    actions = operators.add_subparsers(dest="operators_command", required=True)
    add = actions.add_parser(
        "add", help="add an operator; prints a one-time password unless --password-stdin"
    )
    add.add_argument("email", metavar="EMAIL")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin's first line"
    )
    actions.add_parser("list", help="every operator: email, role, state, created")
    disable = actions.add_parser("disable", help="disable an operator and end their sessions")
    disable.add_argument("email", metavar="EMAIL")
    reset = actions.add_parser("reset-password", help="a new one-time password; ends their sessions")
    reset.add_argument("email", metavar="EMAIL")
    reset.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin's first line"
    )


async def run_operators_command(container: "AsyncContainer", args: argparse.Namespace) -> int:
    """Run one `bitloot operators ...` command on the service's container; closes the container."""
    try:
        async with container() as request:
            if args.operators_command == "list":
                return await _list(await request.get(ListOperators))
            password = _stdin_password() if getattr(args, "password_stdin", False) else None
            if args.operators_command == "add":
                added = await (await request.get(AddOperator)).execute(
                    args.email, Role(args.role), Actor.command_line(), password
                )
                print(f"added {added.operator.email} as {added.operator.role}", file=sys.stderr)
                _show(added.one_time_password)
            elif args.operators_command == "disable":
                disabled = await (await request.get(DisableOperator)).execute(
                    args.email, Actor.command_line()
                )
                print(f"{disabled.email} is disabled; their sessions have ended")
            else:
                reset = await (await request.get(ResetPassword)).execute(
                    args.email, Actor.command_line(), password
                )
                print(f"new password for {reset.operator.email}; their sessions have ended", file=sys.stderr)
                _show(reset.one_time_password)
    except BitLootError as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        await container.close()
    return 0


async def _list(use_case: ListOperators) -> int:
    for operator in await use_case.execute():
        state = "active" if operator.active else f"disabled {operator.disabled_at:%Y-%m-%d %H:%M}"
        print(f"{operator.email}\t{operator.role}\t{state}\tcreated {operator.created_at:%Y-%m-%d %H:%M}")
    return 0


def _stdin_password() -> str:
    return sys.stdin.readline().rstrip("\r\n")


def _show(one_time_password: str | None) -> None:
    if one_time_password is not None:
        print("one-time password (shown once):", file=sys.stderr)
        print(one_time_password, flush=True)
