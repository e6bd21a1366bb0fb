"""Where the console lives, and which `next` addresses a sign-in may return to."""

from typing import Final
from urllib.parse import urlsplit

CONSOLE: Final = "/console"
LOGIN: Final = "/console/login"
LOGOUT: Final = "/console/logout"
STYLESHEET: Final = "/assets/site/console.css"


def in_console(path: str) -> bool:
    return path == CONSOLE or path.startswith(CONSOLE + "/")


def safe_next(value: str | None) -> str:
    """`value` when it is a path of this console (`/console...`, no scheme, host, backslash or
    control character), else the landing page: a sign-in never sends anyone to another site."""
    if not value or any(c == "\\" or ord(c) < 0x21 or ord(c) == 0x7F for c in value):
        return CONSOLE
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or value.startswith("//") or not in_console(parts.path):
        return CONSOLE
    if parts.path in (LOGIN, LOGOUT):
        return CONSOLE
    return value
