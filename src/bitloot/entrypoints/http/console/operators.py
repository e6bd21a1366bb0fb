"""`/console/operators` (owners only): the operators, adding one (its one-time password shown once),
disabling one, resetting a password."""

from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Request, Response, get, post
from litestar.response import Redirect

from bitloot.application.use_cases.add_operator import AddOperator
from bitloot.application.use_cases.disable_operator import DisableOperator
from bitloot.application.use_cases.list_operators import ListOperators
from bitloot.application.use_cases.reset_password import ResetPassword
from bitloot.domain.errors import Refusal
from bitloot.domain.operators import Permission, Role
from bitloot.entrypoints.http.console.current import SignedIn
from bitloot.entrypoints.http.console.presenting import when
from bitloot.entrypoints.http.console.refusals import refusal_status
from bitloot.entrypoints.http.console.rendering import render

OPERATORS = "/console/operators"
MAX_FIELD = 320


async def _list(
    request: Request[Any, Any, Any],
    console: SignedIn,
    operators: ListOperators,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response[str]:
    rows = [
        {
            "email": o.email,
            "role": o.role.value,
            "state": "active" if o.active else f"disabled {when(o.disabled_at)}",
            "active": o.active,
            "created": when(o.created_at),
            "you": o.id == console.operator.id,
        }
        for o in await operators.execute()
    ]
    context = {"title": "Operators", "rows": rows, "roles": [r.value for r in Role], "error": error}
    return render(request, "console/operators.html.j2", context, console=console, status_code=status_code)


def _field(form: Any, name: str) -> str:
    return str(form.get(name) or "")[:MAX_FIELD]


@get(OPERATORS, summary="Console operators page", include_in_schema=False)
async def operators_page(
    request: Request[Any, Any, Any], console: SignedIn, operators: FromDishka[ListOperators]
) -> Response[str]:
    """Every operator with role, state and creation time; the add, disable and reset forms."""
    console.require(Permission.MANAGE_OPERATORS)
    return await _list(request, console, operators)


@post(OPERATORS, summary="Add an operator", include_in_schema=False)
async def add_operator(
    request: Request[Any, Any, Any],
    console: SignedIn,
    use_case: FromDishka[AddOperator],
    operators: FromDishka[ListOperators],
) -> Response[str]:
    """Adds an operator (`email`, `role`) and shows the one-time password, once."""
    console.require(Permission.MANAGE_OPERATORS)
    form = await request.form()
    try:
        role = Role(_field(form, "role"))
        added = await use_case.execute(_field(form, "email"), role, console.actor)
    except ValueError:
        return await _list(
            request, console, operators, error="Choose a role: owner or support.", status_code=400
        )
    except Refusal as exc:
        return await _list(request, console, operators, error=str(exc), status_code=refusal_status(exc))
    context = {
        "title": "Operator added",
        "heading": f"{added.operator.email} can sign in as {added.operator.role}",
        "password": added.one_time_password,
    }
    return render(request, "console/one_time_password.html.j2", context, console=console)


@post(f"{OPERATORS}/disable", summary="Disable an operator", include_in_schema=False)
async def disable_operator(
    request: Request[Any, Any, Any],
    console: SignedIn,
    use_case: FromDishka[DisableOperator],
    operators: FromDishka[ListOperators],
) -> Response[Any]:
    """Disables the operator `email` and ends their sessions."""
    console.require(Permission.MANAGE_OPERATORS)
    form = await request.form()
    try:
        await use_case.execute(_field(form, "email"), console.actor)
    except Refusal as exc:
        return await _list(request, console, operators, error=str(exc), status_code=refusal_status(exc))
    return Redirect(f"{OPERATORS}?done=disabled", status_code=303)


@post(f"{OPERATORS}/reset-password", summary="Reset an operator's password", include_in_schema=False)
async def reset_password(
    request: Request[Any, Any, Any],
    console: SignedIn,
    use_case: FromDishka[ResetPassword],
    operators: FromDishka[ListOperators],
) -> Response[str]:
    """Gives the operator `email` a new one-time password, shown once; their sessions end."""
    console.require(Permission.MANAGE_OPERATORS)
    form = await request.form()
    try:
        reset = await use_case.execute(_field(form, "email"), console.actor)
    except Refusal as exc:
        return await _list(request, console, operators, error=str(exc), status_code=refusal_status(exc))
    context = {
        "title": "Password reset",
        "heading": f"A new password for {reset.operator.email}",
        "password": reset.one_time_password,
    }
    return render(request, "console/one_time_password.html.j2", context, console=console)
