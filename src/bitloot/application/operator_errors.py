"""What the operator use cases refuse (docs/console.md)."""

from bitloot.application.errors import Conflict, NotFound
from bitloot.domain.errors import Refusal


class OperatorExists(Conflict):
    message = "An operator with this email exists already."


class NoSuchOperator(NotFound):
    message = "No operator has this email."


class LastOwner(Conflict):
    message = "This is the last active owner: add another owner before disabling this one."


class SignInRefused(Refusal):
    """The one answer to an unknown email, a disabled operator and a wrong password alike."""

    message = "The email or password is not right."
