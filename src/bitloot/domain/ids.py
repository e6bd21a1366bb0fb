"""Time-ordered identifiers (UUIDv7, RFC 9562), so new rows land at the end of their indexes."""

import os
import time
import uuid


def new_id() -> str:
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & 0xFFFF_FFFF_FFFF) << 80 | 0x7 << 76 | (rand >> 68 & 0xFFF) << 64
    value |= 0b10 << 62 | rand & 0x3FFF_FFFF_FFFF_FFFF
    return str(uuid.UUID(int=value))
