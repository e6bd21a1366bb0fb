"""The console's router: its pages, the CSRF check before every POST, the `console` dependency (the
signed-in operator) and the answers for the signed out and the not permitted."""

from dishka.integrations.litestar import DishkaRouter
from litestar.di import Provide

from bitloot.entrypoints.http.console.csrf import check_csrf
from bitloot.entrypoints.http.console.current import NotPermitted
from bitloot.entrypoints.http.console.guard import SignInRequired, not_permitted, signed_in, to_sign_in
from bitloot.entrypoints.http.console.pages import CONSOLE_PAGES


def console_router() -> DishkaRouter:
    return DishkaRouter(
        "",
        route_handlers=CONSOLE_PAGES,
        before_request=check_csrf,
        dependencies={"console": Provide(signed_in)},
        exception_handlers={SignInRequired: to_sign_in, NotPermitted: not_permitted},
        include_in_schema=False,
    )
