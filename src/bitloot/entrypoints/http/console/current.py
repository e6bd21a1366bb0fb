"""The signed-in operator, as every console handler receives it (the `console` dependency)."""

from dataclasses import dataclass
from typing import TypeAlias

from litestar.di import NamedDependency

from bitloot.domain.console_sessions import ConsoleSession
from bitloot.domain.operator_audit import Actor
from bitloot.domain.operators import Operator, Permission


class NotPermitted(Exception):
    """The operator's role may not do this: answered with a 403 page (guard.py)."""

    def __init__(self, console: "Console") -> None:
        super().__init__("not permitted")
        self.console = console


@dataclass(frozen=True, slots=True)
class Console:
    operator: Operator
    session: ConsoleSession
    # Who acts, for the audit log: the operator, from the client's address.
    actor: Actor
    # The CSRF token every form of this session carries (field `csrf_token`).
    csrf_token: str

    def may(self, permission: Permission) -> bool:
        return self.operator.may(permission)

    def require(self, permission: Permission) -> None:
        """Raises `NotPermitted` (a friendly 403 page) unless the operator's role may."""
        if not self.may(permission):
            raise NotPermitted(self)


# How a handler asks for the signed-in operator: `console: SignedIn` (the router provides it).
SignedIn: TypeAlias = NamedDependency[Console]
