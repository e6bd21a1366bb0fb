"""The versioned master keyring, read from configuration as `version:base64key,version:base64key`.

No message, repr or str produced here ever contains key material: parse errors name an entry by its
position or its version, never by its text.
"""

import base64
import binascii
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

MASTER_KEY_BYTES = 32
_VERSION = re.compile(r"-?[0-9]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/\-_]+={0,2}")


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class MasterKeyring:
    """Master keys by version (each 32 bytes); new data keys are wrapped under `active_version`."""

    versions: Mapping[int, bytes]
    active_version: int

    def __post_init__(self) -> None:
        for version, key in self.versions.items():
            _check_version(version)
            if len(key) != MASTER_KEY_BYTES:
                raise ValueError(f"Master key version {version} must be exactly {MASTER_KEY_BYTES} bytes.")
        if self.active_version not in self.versions:
            raise ValueError(f"The active master key version {self.active_version} is not in the keyring.")
        object.__setattr__(self, "versions", MappingProxyType(dict(self.versions)))

    @classmethod
    def parse(cls, spec: str, active_version: int | None = None) -> "MasterKeyring":
        """Read the configuration format; the active version defaults to the highest one."""
        if not spec.strip():
            raise ValueError("The master keyring is empty.")
        versions: dict[int, bytes] = {}
        for position, entry in enumerate(spec.split(","), start=1):
            version, key = _parse_entry(position, entry)
            if version in versions:
                raise ValueError(f"Master key version {version} appears more than once.")
            versions[version] = key
        return cls(versions, max(versions) if active_version is None else active_version)

    @classmethod
    def generate(cls) -> "MasterKeyring":
        """A fresh keyring with one random key, version 1."""
        return cls({1: os.urandom(MASTER_KEY_BYTES)}, 1)

    def with_new_version(self) -> "MasterKeyring":
        """This keyring plus a fresh random key under the next version, which becomes active (rotation)."""
        version = max(self.versions) + 1
        return MasterKeyring({**self.versions, version: os.urandom(MASTER_KEY_BYTES)}, version)

    def serialize(self) -> str:
        """The configuration format, standard base64, versions ascending. The output IS secret."""
        return ",".join(
            f"{version}:{base64.b64encode(self.versions[version]).decode('ascii')}"
            for version in sorted(self.versions)
        )

    def __repr__(self) -> str:
        return f"MasterKeyring(versions={sorted(self.versions)}, active={self.active_version})"

    __str__ = __repr__


def _check_version(version: int) -> None:
    if isinstance(version, bool) or not isinstance(version, int) or version <= 0:
        raise ValueError("Master key versions are positive integers.")


def _parse_entry(position: int, entry: str) -> tuple[int, bytes]:
    version_text, colon, key_text = entry.partition(":")
    if not colon or not version_text.strip() or not key_text.strip():
        raise ValueError(f"Master keyring entry {position} is not of the form version:base64key.")
    version = _parse_version(position, version_text.strip())
    key = _decode_key(version, key_text.strip())
    if len(key) != MASTER_KEY_BYTES:
        raise ValueError(f"Master key version {version} must be exactly {MASTER_KEY_BYTES} bytes.")
    return version, key


def _parse_version(position: int, text: str) -> int:
    if not _VERSION.fullmatch(text):
        raise ValueError(f"Master keyring entry {position} has a version that is not an integer.")
    version = int(text)
    if version <= 0:
        raise ValueError(f"Master keyring entry {position} has a version that is not positive.")
    return version


def _decode_key(version: int, text: str) -> bytes:
    """Standard or URL-safe base64, padding optional."""
    if not _BASE64.fullmatch(text):
        raise ValueError(f"Master key version {version} is not valid base64.")
    normalized = text.rstrip("=").replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(normalized + "=" * (-len(normalized) % 4), validate=True)
    except binascii.Error:
        raise ValueError(f"Master key version {version} is not valid base64.") from None
