"""httpx's package imports its command-line client whenever `click`, `rich` and `pygments` are
installed, and they are (Litestar's own CLI brings them): about 4 MB of every process's memory for a
command line we never run. Importing this module before httpx makes that import fail, so httpx
falls back to its stub `httpx.main` and nothing else of it changes (`None` in `sys.modules` is
Python's way to say a module cannot be imported)."""

import sys

CLI_MODULE = "httpx._main"

if "httpx" not in sys.modules:
    sys.modules.setdefault(CLI_MODULE, None)  # type: ignore[arg-type]  # None: "cannot be imported"
