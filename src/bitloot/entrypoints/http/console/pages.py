"""Every console route. A new page: a module of its own in this package (its handlers take
`console: Console` to be signed in), listed here; and a `nav.NAV` entry if it has a menu item."""

from typing import Final

from litestar.types import ControllerRouterHandler

from bitloot.entrypoints.http.console import (
    audit,
    key_reports,
    login,
    operators,
    order_page,
    orders,
    overview,
    products,
    webhooks,
)

CONSOLE_PAGES: Final[list[ControllerRouterHandler]] = [
    login.login_page,
    login.sign_in,
    login.sign_out,
    overview.overview,
    operators.operators_page,
    operators.add_operator,
    operators.disable_operator,
    operators.reset_password,
    audit.audit_page,
    orders.orders_page,
    order_page.order_page,
    order_page.retry,
    order_page.resend,
    order_page.replace,
    order_page.refund,
    webhooks.webhooks_page,
    webhooks.webhook_page,
    webhooks.replay_webhook,
    key_reports.key_reports_page,
    key_reports.replace_reported_key,
    key_reports.dismiss_key_report,
    products.products_page,
    products.create_product,
    products.product_page,
    products.update_product,
    products.import_stock,
    products.withdraw_stock,
]
