"""Operators and the console: the password hasher (Argon2id, the library's default cost), the
session limits from the tuning and the operator use cases (the console's CSRF tokens: `http_only.py`)."""

from datetime import timedelta

from dishka import Provider, Scope, provide

from bitloot.adapters.crypto.argon2_passwords import Argon2PasswordHasher
from bitloot.application.ports.passwords import PasswordHasher
from bitloot.application.use_cases.add_operator import AddOperator
from bitloot.application.use_cases.disable_operator import DisableOperator
from bitloot.application.use_cases.list_operator_actions import ListOperatorActions
from bitloot.application.use_cases.list_operators import ListOperators
from bitloot.application.use_cases.reset_password import ResetPassword
from bitloot.application.use_cases.resolve_session import ResolveSession
from bitloot.application.use_cases.sign_in import SignIn
from bitloot.application.use_cases.sign_out import SignOut
from bitloot.domain.console_sessions import SessionLimits
from bitloot.entrypoints.config import Settings


class OperatorsProvider(Provider):
    scope = Scope.REQUEST

    add_operator = provide(AddOperator)
    list_operators = provide(ListOperators)
    disable_operator = provide(DisableOperator)
    reset_password = provide(ResetPassword)
    sign_in = provide(SignIn)
    sign_out = provide(SignOut)
    resolve_session = provide(ResolveSession)
    list_operator_actions = provide(ListOperatorActions)

    @provide(scope=Scope.APP)
    def password_hasher(self) -> PasswordHasher:
        return Argon2PasswordHasher()

    @provide(scope=Scope.APP)
    def session_limits(self, settings: Settings) -> SessionLimits:
        console = settings.tuning.console
        return SessionLimits(
            idle=timedelta(minutes=console.idle_minutes), absolute=timedelta(hours=console.session_hours)
        )
