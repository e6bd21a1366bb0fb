"""Finding the operator a command names by email, for the use cases that change one."""

from bitloot.application.operator_errors import NoSuchOperator
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.errors import InvalidValue
from bitloot.domain.operators import Operator, normalized_email


async def operator_named(uow: UnitOfWork, email: str) -> Operator:
    try:
        found = await uow.operators.get_by_email(normalized_email(email))
    except InvalidValue:
        found = None
    if found is None:
        raise NoSuchOperator
    return found
