"""Operators and the console: the password hasher (Argon2id, the library's default cost), the
session limits from the tuning, the console's CSRF tokens and the operator use cases."""

import hashlib
import hmac
from datetime import timedelta

from dishka import Provider, Scope, provide

from bitloot.adapters.crypto.argon2_passwords import Argon2PasswordHasher
from bitloot.application.ports.passwords import PasswordHasher
from bitloot.application.ports.rate_limit import RateLimiter
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
from bitloot.entrypoints.http.console.csrf import CsrfTokens
from bitloot.entrypoints.http.console.limits import SignInLimits

# The CSRF key is derived from the link secret under its own label, so it needs no secret of its own
# and every API process derives the same one.
CSRF_KEY_LABEL = b"bitloot console csrf v1"


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

    @provide(scope=Scope.APP)
    def csrf_tokens(self, settings: Settings) -> CsrfTokens:
        key = hmac.new(settings.secrets.link_secret, CSRF_KEY_LABEL, hashlib.sha256).digest()
        return CsrfTokens(key)

    @provide(scope=Scope.APP)
    def sign_in_limits(self, settings: Settings, limiter: RateLimiter) -> SignInLimits:
        return SignInLimits(limiter, settings.tuning.rate_limits)
