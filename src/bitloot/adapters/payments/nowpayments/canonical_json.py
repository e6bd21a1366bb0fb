"""The exact text NOWPayments' Node sample signs: `JSON.stringify` of the body with keys sorted recursively.

Python's `json.dumps(sort_keys=True)` is not that text: it keeps `1.0` as `1.0` (JavaScript prints `1`),
sorts keys by code point (JavaScript's `Array.prototype.sort` compares UTF-16 code units), and knows nothing
of JavaScript listing array-index-like keys ("0", "42") first in numeric order. This module reproduces the
JavaScript behaviour byte for byte, including its losses: every number is an IEEE double, so integers beyond
2**53 are rounded exactly as `JSON.parse` rounds them. Each number also keeps the text it was written as,
so that a reader can tell whether JavaScript holds it as written (`JsNumber.held_as_written`) from the
one value that was parsed and signed. Standard library only.
"""

import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal

from bitloot.adapters.json_nesting import check_nesting

_MAX_ARRAY_INDEX = 2**32 - 2
# JSON.stringify's own escapes; every other control character becomes \u00xx.
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# A surrogate pair stored as two Python characters is one character to JavaScript; a lone half is escaped.
_NEEDS_ESCAPE = re.compile(r'[\ud800-\udbff][\udc00-\udfff]|[\x00-\x1f"\\\ud800-\udfff]')
_PROTO = "__proto__"


class JsNumber(float):
    """A JSON number as `JSON.parse` reads it, an IEEE double (the float itself), and the text it was
    written as (`text`), which JavaScript may have rounded."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> "JsNumber":
        number = super().__new__(cls, text)
        number.text = text
        return number

    @property
    def held_as_written(self) -> bool:
        """JavaScript reads the number as written: it is finite (`1e999` is Infinity, printed `null`)
        and what JavaScript prints for it is the written value (`12.50` is; `9007199254740993`, which
        JavaScript reads as ...992, and `0.1000000000000000001` are not)."""
        return math.isfinite(self) and Decimal(self.text) == Decimal(js_number(self))


def parse_json(raw: bytes) -> object:
    """Parse a body the way `JSON.parse` does: UTF-8 text, every number an IEEE double (a `JsNumber`),
    last duplicate key wins. Raises `ValueError` for anything `JSON.parse` would refuse, including the
    `NaN` and `Infinity` literals Python's `json` otherwise accepts, and for a body nested deeper than
    `json_nesting.MAX_DEPTH` (refused before it is parsed). A number too large for a double becomes
    `inf`, as in JavaScript, and is then printed as `null` by `js_canonical_json`."""
    check_nesting(raw)
    return json.loads(raw.decode("utf-8"), parse_float=JsNumber, parse_int=JsNumber, parse_constant=_reject)


def _reject(token: str) -> object:
    raise ValueError(f"{token} is not JSON")


def js_canonical_json(value: object) -> str:
    """`JSON.stringify(sortObject(value))` as Node computes it, for values `parse_json` returns.

    Arrays keep their order (their elements are canonicalised). As in JavaScript, a `__proto__` key is
    lost: assigning it to the fresh object sets the prototype instead of adding a property."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return js_number(float(value) if _fits_double(value) else float("inf"))
    if isinstance(value, str):
        return _js_string(value)
    if isinstance(value, Mapping):
        return _js_object(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(js_canonical_json(item) for item in value) + "]"
    raise TypeError(f"{type(value).__name__} has no JSON form")


def _fits_double(number: int | float) -> bool:
    return isinstance(number, float) or abs(number) < 2**1024


def _js_object(obj: Mapping[object, object]) -> str:
    keys = [key for key in obj if key != _PROTO]
    if not all(isinstance(key, str) for key in keys):
        raise TypeError("JSON object keys must be strings")
    ordered = _js_key_order([str(key) for key in keys])
    return "{" + ",".join(_js_string(key) + ":" + js_canonical_json(obj[key]) for key in ordered) + "}"


def _js_key_order(keys: list[str]) -> list[str]:
    """Insertion in `.sort()` order (UTF-16 code units), then enumeration: array indexes first, ascending."""
    by_utf16 = sorted(keys, key=lambda key: key.encode("utf-16-be", "surrogatepass"))
    indexes = sorted((key for key in by_utf16 if _is_array_index(key)), key=int)
    return indexes + [key for key in by_utf16 if not _is_array_index(key)]


def _is_array_index(key: str) -> bool:
    """A canonical decimal uint32 below 2**32 - 1: "0" and "42" are, "00", "-1" and "1.0" are not."""
    if not key.isascii() or not key.isdigit() or (key != "0" and key.startswith("0")):
        return False
    return int(key) <= _MAX_ARRAY_INDEX


def _js_string(text: str) -> str:
    return '"' + _NEEDS_ESCAPE.sub(_escape, text) + '"'


def _escape(match: re.Match[str]) -> str:
    found = match.group()
    if len(found) == 2:
        high, low = (ord(char) for char in found)
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    return _SHORT_ESCAPES.get(found) or f"\\u{ord(found):04x}"


def js_number(number: float) -> str:
    """`Number.prototype.toString()`: the shortest digits that round-trip (Python's `repr` finds the same),
    laid out by ECMAScript's Number::toString rules. `JSON.stringify` prints NaN and infinities as null."""
    if not math.isfinite(number):
        return "null"
    if number == 0:
        return "0"
    digits, point = _shortest_digits(abs(number))
    return ("-" if number < 0 else "") + _layout(digits, point)


def _shortest_digits(number: float) -> tuple[str, int]:
    """Digits without leading or trailing zeros, and n: the value is 0.digits * 10**n."""
    mantissa, _, exponent = repr(number).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + int(exponent or "0")
    stripped = digits.lstrip("0")
    return stripped.rstrip("0"), point - (len(digits) - len(stripped))


def _layout(digits: str, point: int) -> str:
    count = len(digits)
    if count <= point <= 21:
        return digits + "0" * (point - count)
    if 0 < point <= 21:
        return digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return "0." + "0" * -point + digits
    exponent = point - 1
    mantissa = digits if count == 1 else digits[0] + "." + digits[1:]
    return f"{mantissa}e{'+' if exponent >= 0 else '-'}{abs(exponent)}"
