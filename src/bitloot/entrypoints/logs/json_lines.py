"""JSON lines: one object per record, on one line, for a log collector to index and search by order,
request or job.

`{"time": "2026-01-31T12:00:00.123Z", "level": "INFO", "logger": "bitloot...", "message": "...",
"request_id": "...", "order_id": "...", "job_id": "...", ...}`: the time in UTC (ISO 8601, to the
millisecond), the context fields set when it was logged (`record_fields`), then the `extra=` fields, then
`exception` (the formatted traceback) and `stack` when the record has them. A newline or a quote in
a message is escaped, and so are the characters other readers take for a line break (U+0085,
U+2028, U+2029), so one record is always one line.

Why the standard library's `logging` and a formatter of our own, not structlog: every process
already logs through `logging` (our modules, Taskiq, SQLAlchemy, Litestar, granian), and granian
configures its main process and each of its workers from a `logging.config.dictConfig` document
(`log_dictconfig`): one formatter class named in that document formats all of them the same way, with
no second logging system to bridge and no new dependency. msgspec (already a dependency, for the
HTTP edge) encodes a line in about a microsecond; the context comes from context variables, which
each request and job has its own copy of, stamped on each record by a logging filter."""

import logging
from datetime import UTC, datetime
from typing import Any

import msgspec

from bitloot.entrypoints.logs.record_fields import line_fields

_encoder = msgspec.json.Encoder(enc_hook=str)
# JSON allows these raw in a string; Python's `splitlines` and JavaScript take them for line breaks.
_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def utc_time(created: float) -> str:
    """`2026-01-31T12:00:00.123Z`; the date and time to the second are made once per second."""
    second = int(created)
    global _last  # noqa: PLW0603 - a one-entry cache: lines come in time order
    if _last[0] != second:
        _last = (second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    return f"{_last[1]}.{int((created - second) * 1000):03d}Z"


_last: tuple[int, str] = (-1, "")


class JsonLines(logging.Formatter):
    """`logger_name` replaces the record's logger name (granian's records say `_granian`)."""

    def __init__(self, logger_name: str | None = None) -> None:
        super().__init__()
        self._logger_name = logger_name

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": utc_time(record.created),
            "level": record.levelname,
            "logger": self._logger_name or record.name,
            "message": record.getMessage(),
        }
        line.update(line_fields(record))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        text = _encoder.encode(line).decode()
        if not text.isascii():
            for character, escaped in _LINE_BREAKS.items():
                text = text.replace(character, escaped)
        return text
