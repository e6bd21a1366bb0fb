"""The operator console under `/console` (docs/console.md): server-rendered pages for signed-in
operators. `console_router()` is the whole of it; a new page is a handler in a module of its own,
listed in `pages.CONSOLE_PAGES` and, if it has a menu entry, in `nav.NAV`."""

from bitloot.entrypoints.http.console.router import console_router

__all__ = ["console_router"]
