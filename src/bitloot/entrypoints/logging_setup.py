"""One log line format for every process: the CLI, the API (granian's main process and each of its
workers) and the job worker. `BITLOOT_LOG_FORMAT` picks JSON lines or readable text
(entrypoints/config/log_format.py; JSON by default in production); the formatters are in
entrypoints/logs/.

Granian applies `logging_config()` itself in its main process and in every worker it starts
(`log_dictconfig`), and the Litestar app leaves logging alone (`logging_config=None`): without
both, granian prints `[INFO] ...` lines to stdout and Litestar reformats the worker's records as
`LEVEL - time - name - module - message`. Granian's own access log is off: the app writes one
(entrypoints/http/request_observer.py) with the route template instead of the raw path."""

import logging
import logging.config
import os
from typing import Any

from bitloot.entrypoints.config.log_format import log_format_from

FORMATTERS = {
    "json": "bitloot.entrypoints.logs.json_lines.JsonLines",
    "text": "bitloot.entrypoints.logs.text_lines.TextLines",
}


def logging_config(level: str = "INFO", log_format: str | None = None) -> dict[str, Any]:
    """A `logging.config.dictConfig` document: every record to stderr, one line each, in
    `log_format` (by default the one the environment chooses)."""
    formatter = FORMATTERS[log_format or log_format_from(os.environ)]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "line": {"()": formatter},
            # Granian names its logger `_granian`; its lines say `granian`.
            "granian": {"()": formatter, "logger_name": "granian"},
        },
        # The request, order and job in play, stamped on each record (entrypoints/logs/record_fields.py).
        "filters": {"context": {"()": "bitloot.entrypoints.logs.record_fields.ContextFilter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "filters": ["context"],
                "stream": "ext://sys.stderr",
            },
            "granian": {
                "class": "logging.StreamHandler",
                "formatter": "granian",
                "filters": ["context"],
                "stream": "ext://sys.stderr",
            },
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "_granian": {"level": level, "handlers": ["granian"], "propagate": False},
            "granian.access": {"level": level, "handlers": ["granian"], "propagate": False},
            # Seven "setup plugin" lines on every start say nothing an operator needs.
            "alembic.runtime.plugins": {"level": "WARNING"},
            # A line per provider call, with its URL: the supplier and payment adapters log what matters.
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
        },
    }


def configure_logging(level: str = "INFO", log_format: str | None = None) -> None:
    logging.config.dictConfig(logging_config(level, log_format))
