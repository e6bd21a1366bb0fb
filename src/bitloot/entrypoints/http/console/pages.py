"""Every console route. A new page: a module of its own in this package (its handlers take
`console: Console` to be signed in), listed here; and a `nav.NAV` entry if it has a menu item."""

from typing import Final

from litestar.types import ControllerRouterHandler

from bitloot.entrypoints.http.console import audit, landing, login, operators, products

CONSOLE_PAGES: Final[list[ControllerRouterHandler]] = [
    login.login_page,
    login.sign_in,
    login.sign_out,
    landing.landing,
    operators.operators_page,
    operators.add_operator,
    operators.disable_operator,
    operators.reset_password,
    audit.audit_page,
    products.products_page,
    products.create_product,
    products.product_page,
    products.update_product,
    products.import_stock,
    products.withdraw_stock,
]
