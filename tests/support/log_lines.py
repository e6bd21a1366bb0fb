"""Reading the JSON lines a process logged (`BITLOOT_LOG_FORMAT=json`, production's default)."""

import json
from typing import Any

FIELDS = frozenset({"time", "level", "logger", "message"})


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every non-blank line of `text` as a JSON object holding at least `FIELDS`; fails naming the
    first line that is not one."""
    objects = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            parsed = json.loads(line)
        except ValueError:
            raise AssertionError(f"not a JSON line: {line[:300]!r}") from None
        assert isinstance(parsed, dict), line[:300]
        assert parsed.keys() >= FIELDS, line[:300]
        objects.append(parsed)
    return objects
