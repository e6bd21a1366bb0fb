"""How deeply a JSON text nests, found without parsing it: the gate every request body passes first.

Every JSON reader we use (msgspec, Python's `json`, our canonicaliser) recurses once per `[` or `{`, and
a few hundred levels exhaust Python's stack: a 2 KB body then costs a `RecursionError`, a 500 and a
traceback. No real body comes near the cap: ours nest 3 levels (`{"items": [{...}]}`), NOWPayments'
IPNs and API answers 3 (`{"data": [{"fee": {...}}]}`), Kinguin's events 2. At 64 levels the deepest
recursion stays far below where any of those readers breaks (about 330 levels of objects for the
canonicaliser, 1000 for the others, less the caller's own frames), with room for bodies that grow.

The scan counts brackets outside strings. It never counts fewer levels than a parser reaches: a parser
stops at the first byte that is not JSON, and up to there the two agree on what is inside a string.
Standard library only, and every step is a bytes method or a C iterator: a body with few brackets
(every real one) costs two `bytes.count` calls, about a microsecond for 1 KB; the worst, a body made of
shallow brackets only, some 40 ms for 1 MiB (msgspec takes about 30 to decode it), and one nested too
deep is refused within its first few thousand brackets.
"""

import math
import re
from itertools import accumulate, count
from operator import sub

MAX_DEPTH = 64
# Brackets read per step: a text nested deeper than the limit is refused within its first few.
_CHUNK = 4096

_BRACKETS = b"[]{}"
_NOT_MARKS = bytes(byte for byte in range(256) if byte not in b'"' + _BRACKETS)
# Among quotes and brackets only: a string to its closing quote, or to the end when it has none.
_STRING = re.compile(rb'"[^"]*+(?:"|\Z)')
# An opening bracket counts 2 and a closing one 0: after k brackets the depth rose by their sum minus k.
_STEPS = bytes.maketrans(_BRACKETS, b"\x02\x00\x02\x00")


class NestedTooDeeply(ValueError):
    """The text nests more than `MAX_DEPTH` levels of arrays and objects."""

    def __init__(self, limit: int = MAX_DEPTH) -> None:
        super().__init__(f"The JSON body is nested more than {limit} levels deep.")
        self.limit = limit


def check_nesting(text: bytes, limit: int = MAX_DEPTH) -> None:
    """Raises `NestedTooDeeply` when `text` nests deeper than `limit`."""
    # Fewer opening brackets than the limit cannot nest deeper than it, in strings or not.
    if text.count(b"[") + text.count(b"{") <= limit:
        return
    if _deepest(_brackets_outside_strings(text), stop_above=limit) > limit:
        raise NestedTooDeeply(limit)


def nesting_depth(text: bytes) -> int:
    """The deepest level of `[`/`{` outside strings (0 for a scalar), as a parser would reach it."""
    return _deepest(_brackets_outside_strings(text))


def _brackets_outside_strings(text: bytes) -> bytes:
    # A backslash escapes the next character (in a string; outside one the parser stops there anyway), so
    # escaped backslashes go first, then escaped quotes: every quote left opens or closes a string.
    marks = text.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_MARKS)
    # Two quotes in a row enclose no bracket whichever string they open or close: most strings go here.
    marks = marks.replace(b'""', b"")
    return _STRING.sub(b"", marks) if b'"' in marks else marks


def _deepest(brackets: bytes, stop_above: float = math.inf) -> int:
    """The highest running depth, read a chunk at a time so that a deep text stops early."""
    depth = deepest = 0
    for start in range(0, len(brackets), _CHUNK):
        steps = brackets[start : start + _CHUNK].translate(_STEPS)
        highest = max(map(sub, accumulate(steps, initial=depth), count()))
        deepest = max(deepest, highest)
        if deepest > stop_above:
            break
        depth += 2 * steps.count(2) - len(steps)
    return deepest
