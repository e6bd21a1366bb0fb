"""At most `ARENAS` glibc malloc arenas in a process that `bitloot serve` or `bitloot worker` starts.

glibc gives each thread that contends for the heap an arena of its own, up to 8 per core, and an
arena keeps the memory it once held. granian serves each worker's requests from Rust threads that
call into Python, and uvloop, asyncpg and the S3 client run threads of their own: measured with the
bench's shop (two API workers, two job workers, 400 orders and status reads), two arenas held
each API worker at 150-152 MB instead of 157-159 MB and each job worker at 123 MB instead of 126 MB,
with the same throughput. `mallopt` applies to the process it runs in and to every child forked from
it (granian forks its workers), which an environment variable set after the start would not.
Elsewhere than glibc (musl, macOS) it does nothing."""

import ctypes
import os

ARENAS = 2
# From glibc's malloc.h.
M_ARENA_MAX = -8
VARIABLE = "MALLOC_ARENA_MAX"


def limit_malloc_arenas() -> bool:
    """True when glibc took the limit; an operator's own `MALLOC_ARENA_MAX` wins (glibc read it)."""
    if VARIABLE in os.environ or not glibc():
        return False
    # The interpreter's own symbols, the C library's among them.
    return bool(ctypes.CDLL(None).mallopt(M_ARENA_MAX, ARENAS))


def glibc() -> bool:
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") is not None
    except (ValueError, OSError, AttributeError):  # no such name here, or no confstr at all
        return False
