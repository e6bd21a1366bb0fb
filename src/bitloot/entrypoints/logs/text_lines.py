"""Readable lines for a developer: `2026-01-31 12:00:00,123 INFO bitloot...: message`, then the
request, order and job in play as `[request_id=... order_id=... job_id=...]`, then a traceback, if
any, on the lines below."""

import logging

from bitloot.entrypoints.logs.record_fields import CONTEXT_NAMES, line_fields

LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class TextLines(logging.Formatter):
    """`logger_name` replaces the record's logger name (granian's records say `_granian`)."""

    def __init__(self, logger_name: str | None = None) -> None:
        super().__init__(LINE_FORMAT.replace("%(name)s", logger_name) if logger_name else LINE_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        fields = line_fields(record)
        context = " ".join(f"{name}={fields[name]}" for name in CONTEXT_NAMES if name in fields)
        line = super().formatMessage(record)
        return f"{line} [{context}]" if context else line
