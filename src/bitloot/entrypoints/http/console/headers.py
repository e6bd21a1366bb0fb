"""The console's own Content-Security-Policy: nothing but its own stylesheet and images, scripts
only from this origin (none yet), forms posted only to itself, never framed."""

from typing import Final

CONSOLE_CSP: Final = (
    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
