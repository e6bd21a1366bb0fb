"""One log line format for every process: the CLI, the API (granian's main process and each of its
workers) and the job worker. The format is decided here only, so that JSON logs (issue 13) change
this module and nothing else.

Granian applies `logging_config()` itself in its main process and in every worker it starts
(`log_dictconfig`), and the Litestar app leaves logging alone (`logging_config=None`): without
both, granian prints `[INFO] ...` lines to stdout and Litestar reformats the worker's records as
`LEVEL - time - name - module - message`."""

import logging
import logging.config
from typing import Any

LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Granian names its logger `_granian`; its lines say `granian`.
GRANIAN_FORMAT = LINE_FORMAT.replace("%(name)s", "granian")


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` document: every record to stderr, one line each."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": {"format": LINE_FORMAT}, "granian": {"format": GRANIAN_FORMAT}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "line", "stream": "ext://sys.stderr"},
            "granian": {
                "class": "logging.StreamHandler",
                "formatter": "granian",
                "stream": "ext://sys.stderr",
            },
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "_granian": {"level": level, "handlers": ["granian"], "propagate": False},
            "granian.access": {"level": level, "handlers": ["granian"], "propagate": False},
            # Seven "setup plugin" lines on every start say nothing an operator needs.
            "alembic.runtime.plugins": {"level": "WARNING"},
        },
    }


def configure_logging(level: str = "INFO") -> None:
    logging.config.dictConfig(logging_config(level))
