"""The console's stylesheet parses as its sections mean: every `@media` block is closed before the
next section starts. An unclosed one swallows every rule after it, which then applies on a phone
only (a merge once left two open, and the desktop pages lost their badges and filter styles)."""

from pathlib import Path

from bitloot.entrypoints import http

STYLESHEET = Path(http.__file__).parent / "static" / "console.css"


def test_every_media_block_is_closed_and_none_is_nested() -> None:
    text = STYLESHEET.read_text("utf-8")
    depth = 0
    for at, char in enumerate(text):
        if text.startswith("@media", at):
            assert depth == 0, f"an @media inside another block, at line {text.count(chr(10), 0, at) + 1}"
        elif text.startswith("/* ---", at):
            assert depth == 0, f"a section starts inside a block, at line {text.count(chr(10), 0, at) + 1}"
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0
