"""The master keyring: configuration format, validation, and that key material never shows."""

import base64
import os

import pytest

from bitloot.adapters.crypto.keyring import MasterKeyring

KEY_1 = bytes(range(32))
KEY_2 = bytes(range(100, 132))


def std(key: bytes) -> str:
    return base64.b64encode(key).decode()


def urlsafe(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


def test_parse_reads_versions_and_defaults_active_to_the_highest() -> None:
    ring = MasterKeyring.parse(f"1:{std(KEY_1)}, 2:{std(KEY_2)}", None)

    assert dict(ring.versions) == {1: KEY_1, 2: KEY_2}
    assert ring.active_version == 2


def test_parse_accepts_urlsafe_unpadded_base64_and_an_explicit_active_version() -> None:
    key = b"\xfb\xff" * 16  # encodes with '-' and '_' in the URL-safe alphabet
    ring = MasterKeyring.parse(f"3:{urlsafe(key)},7:{std(KEY_2)}", 3)

    assert ring.versions[3] == key
    assert ring.active_version == 3


def test_serialize_round_trips() -> None:
    ring = MasterKeyring.parse(f"2:{std(KEY_2)},1:{std(KEY_1)}", 1)

    again = MasterKeyring.parse(ring.serialize(), ring.active_version)

    assert ring.serialize() == f"1:{std(KEY_1)},2:{std(KEY_2)}"
    assert dict(again.versions) == dict(ring.versions)
    assert again.active_version == 1


def test_generate_makes_one_random_version_1_key() -> None:
    first, second = MasterKeyring.generate(), MasterKeyring.generate()

    assert list(first.versions) == [1]
    assert first.active_version == 1
    assert len(first.versions[1]) == 32
    assert first.versions[1] != second.versions[1]


def test_with_new_version_adds_an_active_random_key_and_keeps_the_old_ones() -> None:
    ring = MasterKeyring({1: KEY_1}, 1).with_new_version()

    assert sorted(ring.versions) == [1, 2]
    assert ring.active_version == 2
    assert ring.versions[1] == KEY_1
    assert len(ring.versions[2]) == 32


def test_the_ring_cannot_be_changed_through_its_mapping() -> None:
    source = {1: KEY_1}
    ring = MasterKeyring(source, 1)
    source[2] = KEY_2

    assert list(ring.versions) == [1]
    with pytest.raises(TypeError):
        ring.versions[2] = KEY_2  # type: ignore[index]


@pytest.mark.parametrize(
    ("spec", "active", "message"),
    [
        ("", None, "empty"),
        ("   ", None, "empty"),
        (f"1:{std(KEY_1)},1:{std(KEY_2)}", None, "more than once"),
        (f"0:{std(KEY_1)}", None, "not positive"),
        (f"-1:{std(KEY_1)}", None, "not positive"),
        (f"x:{std(KEY_1)}", None, "not an integer"),
        (f"1.5:{std(KEY_1)}", None, "not an integer"),
        (std(KEY_1), None, "version:base64key"),
        (f"1:{std(KEY_1)},", None, "version:base64key"),
        ("1:", None, "version:base64key"),
        (f"1:{std(KEY_1[:31])}", None, "exactly 32 bytes"),
        (f"1:{std(KEY_1 + b'x')}", None, "exactly 32 bytes"),
        (f"1:{std(KEY_1)[:-3]}!!!", None, "base64"),
        (f"1:{std(KEY_1)}A", None, "base64"),
        (f"1:{std(KEY_1)}", 2, "active master key version 2"),
    ],
)
def test_parse_rejects_with_a_clear_message_free_of_key_material(
    spec: str, active: int | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        MasterKeyring.parse(spec, active)

    text = str(caught.value)
    for secret in (KEY_1, KEY_2):
        for shown in (std(secret), urlsafe(secret), std(secret)[:16], std(secret[:31])[:16], secret.hex()):
            assert shown not in text
    assert caught.value.__cause__ is None


def test_the_constructor_checks_too() -> None:
    with pytest.raises(ValueError, match="exactly 32 bytes"):
        MasterKeyring({1: b"short"}, 1)
    with pytest.raises(ValueError, match="positive"):
        MasterKeyring({0: KEY_1}, 0)
    with pytest.raises(ValueError, match="not in the keyring"):
        MasterKeyring({1: KEY_1}, 2)


def test_repr_and_str_hide_the_keys() -> None:
    key = os.urandom(32)
    ring = MasterKeyring({1: KEY_1, 2: key}, 2)

    assert repr(ring) == "MasterKeyring(versions=[1, 2], active=2)"
    assert str(ring) == repr(ring)
    for secret in (KEY_1, key):
        for shown in (repr(secret), std(secret), urlsafe(secret), secret.hex()):
            assert shown not in repr(ring)
            assert shown not in str(ring)
