"""`BITLOOT_LOG_FORMAT`: `json` (one JSON object per line, for a log collector) or `text` (readable
lines for a developer). Unset, production logs JSON and every other mode text.

Logging is set up before the settings are loaded (loading them logs, and a refused configuration is
reported), so the choice is read from the environment alone here; `load_settings` refuses a value
that is neither, and until then the mode's default is used."""

from collections.abc import Mapping

LOG_FORMATS = ("json", "text")


def default_log_format(mode: str | None) -> str:
    """The format of a `BITLOOT_ENV` value when `BITLOOT_LOG_FORMAT` is unset."""
    return "json" if (mode or "").strip().lower() == "production" else "text"


def log_format_of(value: str | None, mode: str | None) -> str | None:
    """The format `value` names (the mode's default when unset); None for a value that names none."""
    if value is None or not value.strip():
        return default_log_format(mode)
    chosen = value.strip().lower()
    return chosen if chosen in LOG_FORMATS else None


def log_format_from(environ: Mapping[str, str]) -> str:
    """The format of `environ`; the mode's default for a value `load_settings` will refuse."""
    mode = environ.get("BITLOOT_ENV")
    return log_format_of(environ.get("BITLOOT_LOG_FORMAT"), mode) or default_log_format(mode)
