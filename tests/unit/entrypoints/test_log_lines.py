"""The two line formats (entrypoints/logs): JSON lines in production, readable text otherwise; the
same context fields on both."""

import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bitloot.application.log_context import about_order, bound, note_order
from bitloot.entrypoints.logs.json_lines import JsonLines, utc_time
from bitloot.entrypoints.logs.record_fields import ContextFilter
from bitloot.entrypoints.logs.text_lines import TextLines

TEXT_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: ")


class Lines:
    """A logger whose handler writes into a string, as the processes' stderr handler does."""

    def __init__(self, formatter: logging.Formatter) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(formatter)
        self.handler.addFilter(ContextFilter())
        self.logger = logging.getLogger(f"bitloot.test.lines.{id(self)}")
        self.logger.propagate = False
        self.logger.setLevel(logging.DEBUG)
        self.logger.addHandler(self.handler)

    def lines(self) -> list[str]:
        return self.stream.getvalue().splitlines()

    def objects(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.lines()]

    def close(self) -> None:
        self.logger.removeHandler(self.handler)


@pytest.fixture
def json_lines() -> Iterator[Lines]:
    lines = Lines(JsonLines())
    yield lines
    lines.close()


@pytest.fixture
def text_lines() -> Iterator[Lines]:
    lines = Lines(TextLines())
    yield lines
    lines.close()


def test_a_json_line_is_one_object_with_time_level_logger_and_message(json_lines: Lines) -> None:
    json_lines.logger.info("order %s fulfilled", "o-1")
    json_lines.logger.warning("second")

    first, second = json_lines.objects()
    assert first["level"] == "INFO"
    assert second["level"] == "WARNING"
    assert first["logger"] == json_lines.logger.name
    assert first["message"] == "order o-1 fulfilled"
    assert isinstance(first["time"], str)
    assert first["time"].endswith("Z")
    logged = datetime.fromisoformat(first["time"].replace("Z", "+00:00"))
    assert logged.utcoffset() is not None
    assert logged.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert abs((datetime.now(UTC) - logged).total_seconds()) < 60
    assert set(first) == {"time", "level", "logger", "message"}, "no context field when none is in play"


def test_the_request_order_and_job_in_play_are_on_the_line(json_lines: Lines) -> None:
    with bound(request_id="req-1", job_id="job-1"):
        note_order("o-1")
        json_lines.logger.info("inside")
    json_lines.logger.info("outside")

    inside, outside = json_lines.objects()
    assert (inside["request_id"], inside["order_id"], inside["job_id"]) == ("req-1", "o-1", "job-1")
    assert "request_id" not in outside
    assert "order_id" not in outside, "the order noted inside is gone with the request"


def test_a_loop_over_orders_puts_each_on_its_own_lines_only(json_lines: Lines) -> None:
    for order in ("o-1", "o-2"):
        with about_order(order):
            note_order(order)  # what a use case inside does
            json_lines.logger.info("working")
    json_lines.logger.info("round done")

    assert [line.get("order_id") for line in json_lines.objects()] == ["o-1", "o-2", None]


def test_extra_fields_are_on_the_line_and_an_extra_order_id_wins(json_lines: Lines) -> None:
    with about_order("o-1"):
        json_lines.logger.info("about another", extra={"order_id": "o-2", "status": 201, "route": "/x"})

    (line,) = json_lines.objects()
    assert line["order_id"] == "o-2"
    assert (line["status"], line["route"]) == (201, "/x")


def test_an_exception_is_in_the_line_as_text_and_the_line_stays_one(json_lines: Lines) -> None:
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        json_lines.logger.exception("it failed")

    assert len(json_lines.lines()) == 1
    (line,) = json_lines.objects()
    assert line["message"] == "it failed"
    assert isinstance(line["exception"], str)
    assert "Traceback" in line["exception"]
    assert "ValueError: boom\nsecond line" in line["exception"]


def test_unicode_newlines_and_quotes_survive_on_one_line(json_lines: Lines) -> None:
    message = 'Ünïcødé 🎮 "quoted"\nand a second line\u2028 and \u2029\x85'
    json_lines.logger.info(message)

    assert len(json_lines.stream.getvalue().strip().split("\n")) == 1
    (line,) = json_lines.objects()
    assert line["message"] == message


def test_a_value_json_cannot_hold_is_written_as_its_text(json_lines: Lines) -> None:
    class Odd:
        def __str__(self) -> str:
            return "odd value"

    json_lines.logger.info("with an odd extra", extra={"thing": Odd()})

    (line,) = json_lines.objects()
    assert line["thing"] == "odd value"


def test_granian_lines_name_granian() -> None:
    lines = Lines(JsonLines(logger_name="granian"))
    try:
        lines.logger.info("Listening at: http://127.0.0.1:8000")
        (line,) = lines.objects()
    finally:
        lines.close()
    assert line["logger"] == "granian"


def test_a_record_formatted_later_keeps_the_context_it_was_logged_in() -> None:
    captured: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(record)

    handler = Keep()
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("bitloot.test.later")
    logger.addHandler(handler)
    try:
        with bound(request_id="req-early"):
            logger.warning("logged inside")
    finally:
        logger.removeHandler(handler)
    with bound(request_id="req-other", order_id="o-9"):
        line = json.loads(JsonLines().format(captured[0]))

    assert line["request_id"] == "req-early"
    assert "order_id" not in line


def test_a_text_line_reads_as_before_with_the_context_appended(text_lines: Lines) -> None:
    text_lines.logger.info("no context")
    with bound(request_id="req-1", job_id="job-1", order_id="o-1"):
        text_lines.logger.warning("order %s held", "o-1")

    plain, with_context = text_lines.lines()
    assert TEXT_LINE.match(plain)
    assert plain.endswith(": no context")
    assert TEXT_LINE.match(with_context)
    assert with_context.endswith(": order o-1 held [request_id=req-1 order_id=o-1 job_id=job-1]")


def test_a_text_line_keeps_the_context_on_its_first_line_above_the_traceback(text_lines: Lines) -> None:
    with about_order("o-1"):
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            text_lines.logger.exception("it failed")

    first, *rest = text_lines.lines()
    assert first.endswith(": it failed [order_id=o-1]")
    assert rest[0] == "Traceback (most recent call last):"
    assert rest[-1] == "RuntimeError: boom"


@pytest.mark.parametrize("created", [0.0, 1_769_860_800.123456, 1_769_860_800.9999, 1_769_860_801.0005])
def test_the_time_is_iso_8601_utc_to_the_millisecond(created: float) -> None:
    expected = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert utc_time(created) == expected
    assert utc_time(created) == expected, "the same from the second's cache"
