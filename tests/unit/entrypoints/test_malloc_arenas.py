import pytest

from bitloot.entrypoints import malloc_arenas
from bitloot.entrypoints.malloc_arenas import glibc, limit_malloc_arenas


def test_glibc_takes_the_limit() -> None:
    # This machine kind (and CI's) runs glibc; elsewhere the limit is not set and nothing fails.
    assert limit_malloc_arenas() is glibc()


def test_an_operators_own_malloc_arena_max_is_left_to_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False


def test_without_glibc_nothing_is_called(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(malloc_arenas, "glibc", lambda: False)
    assert limit_malloc_arenas() is False
