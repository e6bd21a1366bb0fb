"""Sealing keys (docs/vault.md)."""

from typing import Protocol

from bitloot.domain.keys import Envelope, KeyMaterial


class KeyVault(Protocol):
    """Envelope encryption: a fresh data key per key, wrapped by the active master key version.

    `context` is associated data: a blob opens only with the context it was sealed with. Every failure
    to open, whatever its cause, raises the one generic `KeyIntegrityError`.
    """

    def seal(self, material: KeyMaterial, context: str) -> Envelope: ...

    def open(self, envelope: Envelope, context: str) -> KeyMaterial: ...

    @property
    def active_version(self) -> int:
        """The master key version new data keys are wrapped under."""
        ...

    def rewrap(self, envelope_wrapped_key: bytes, key_version: int, context: str) -> tuple[bytes, int]:
        """The data key unwrapped from `key_version` and wrapped again under the active version, with
        that version; the blob is not needed and stays untouched. `KeyIntegrityError` if it fails."""
        ...


class KeyFingerprints(Protocol):
    """The fingerprint of a key (docs/stock-integrity.md): HMAC-SHA256, under a secret of its own, of the key
    as imported after trimming and Unicode NFC (`fingerprint_input`); lowercase hex, 64 characters. The same
    key always gives the same fingerprint, and the fingerprint does not give the key away."""

    def of(self, material: KeyMaterial) -> str: ...
