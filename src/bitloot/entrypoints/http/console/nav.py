"""The console's menu: one row per page, shown to the roles that may open it. An entry with no
`href` is a page not built yet, shown as plain text."""

from dataclasses import dataclass
from typing import Final

from bitloot.domain.operators import Permission
from bitloot.entrypoints.http.console.current import Console
from bitloot.entrypoints.http.console.paths import CONSOLE


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    href: str | None
    permission: Permission = Permission.VIEW


NAV: Final = (
    NavItem("Overview", CONSOLE),
    NavItem("Orders", "/console/orders"),
    NavItem("Products", "/console/products"),
    NavItem("Webhooks", "/console/webhooks"),
    NavItem("Key reports", "/console/key-reports"),
    NavItem("Operators", "/console/operators", Permission.MANAGE_OPERATORS),
    NavItem("Audit", "/console/audit"),
)


@dataclass(frozen=True, slots=True)
class NavLink:
    label: str
    href: str | None
    current: bool


def nav_for(console: Console, path: str) -> list[NavLink]:
    return [
        NavLink(item.label, item.href, _current(item.href, path))
        for item in NAV
        if console.may(item.permission)
    ]


def _current(href: str | None, path: str) -> bool:
    if href is None:
        return False
    return path == href or (href != CONSOLE and path.startswith(href + "/"))
