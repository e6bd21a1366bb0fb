"""The `KeyVault` port with AES-256-GCM envelope encryption (docs/vault.md).

Blob (object storage): `FORMAT (1 byte) | nonce (12) | AES-GCM(data key, plaintext, aad)`, where the
plaintext is `len(content type) (2 bytes, big-endian) | content type (UTF-8) | secret`, so the content
type is both confidential and authenticated, and `aad = b"bitloot-key|" + context`.

Wrapped key (database): `nonce (12) | AES-GCM(master key[version], data key, b"bitloot-dek|v<version>|" +
context)`, so a wrapped key opens only under the version and the context it was sealed for.

Every failure to open raises the bare `KeyIntegrityError`, raised outside the handler so that neither its
`__cause__` nor its `__context__` carries the underlying error.
"""

import contextlib
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bitloot.adapters.crypto.keyring import MasterKeyring
from bitloot.domain.errors import InvalidValue, KeyIntegrityError
from bitloot.domain.keys import Envelope, KeyMaterial

BLOB_FORMAT = 1
DATA_KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
_CONTENT_TYPE_LENGTH_BYTES = 2
_MAX_CONTENT_TYPE_BYTES = 2 ** (8 * _CONTENT_TYPE_LENGTH_BYTES) - 1


class _UnopenableError(Exception):
    """Internal: a structural check failed. Never leaves this module."""


_OPEN_FAILURES = (_UnopenableError, InvalidTag, InvalidValue, ValueError, TypeError, OverflowError)


class AesGcmKeyVault:
    """Seals each key under a fresh data key, wrapped by the keyring's active master key."""

    __slots__ = ("_active_version", "_masters", "_versions")

    def __init__(self, keyring: MasterKeyring) -> None:
        self._masters = {version: AESGCM(key) for version, key in keyring.versions.items()}
        self._active_version = keyring.active_version
        self._versions = sorted(keyring.versions)

    @property
    def active_version(self) -> int:
        return self._active_version

    def seal(self, material: KeyMaterial, context: str) -> Envelope:
        data_key = os.urandom(DATA_KEY_BYTES)
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(data_key).encrypt(nonce, _plaintext(material), _blob_aad(context))
        blob = bytes([BLOB_FORMAT]) + nonce + sealed
        return Envelope(
            blob=blob,
            wrapped_key=self._wrap(data_key, context),
            key_version=self._active_version,
            blob_sha256=hashlib.sha256(blob).hexdigest(),
        )

    def open(self, envelope: Envelope, context: str) -> KeyMaterial:
        """The key, or `KeyIntegrityError` whatever went wrong (tampered, truncated, swapped, unknown)."""
        with contextlib.suppress(*_OPEN_FAILURES):
            return self._open(envelope, context)
        raise KeyIntegrityError

    def rewrap(self, envelope_wrapped_key: bytes, key_version: int, context: str) -> tuple[bytes, int]:
        """The data key wrapped under the active version instead (rotation); the blob stays untouched."""
        with contextlib.suppress(*_OPEN_FAILURES):
            data_key = self._unwrap(envelope_wrapped_key, key_version, context)
            return self._wrap(data_key, context), self._active_version
        raise KeyIntegrityError

    def _open(self, envelope: Envelope, context: str) -> KeyMaterial:
        actual = hashlib.sha256(envelope.blob).hexdigest().encode("ascii")
        if not hmac.compare_digest(actual, envelope.blob_sha256.encode("utf-8")):
            raise _UnopenableError
        data_key = self._unwrap(envelope.wrapped_key, envelope.key_version, context)
        blob = envelope.blob
        if len(blob) < 1 + NONCE_BYTES + TAG_BYTES or blob[0] != BLOB_FORMAT:
            raise _UnopenableError
        nonce, sealed = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        return _material(AESGCM(data_key).decrypt(nonce, sealed, _blob_aad(context)))

    def _wrap(self, data_key: bytes, context: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        aad = _wrap_aad(self._active_version, context)
        return nonce + self._masters[self._active_version].encrypt(nonce, data_key, aad)

    def _unwrap(self, wrapped_key: bytes, version: int, context: str) -> bytes:
        master = self._masters.get(version)
        if master is None or len(wrapped_key) != NONCE_BYTES + DATA_KEY_BYTES + TAG_BYTES:
            raise _UnopenableError
        nonce, sealed = wrapped_key[:NONCE_BYTES], wrapped_key[NONCE_BYTES:]
        return master.decrypt(nonce, sealed, _wrap_aad(version, context))

    def __repr__(self) -> str:
        return f"AesGcmKeyVault(versions={self._versions}, active={self._active_version})"

    __str__ = __repr__


def _blob_aad(context: str) -> bytes:
    return b"bitloot-key|" + context.encode("utf-8")


def _wrap_aad(version: int, context: str) -> bytes:
    return (b"bitloot-dek|v%d|" % version) + context.encode("utf-8")


def _plaintext(material: KeyMaterial) -> bytes:
    content_type = material.content_type.encode("utf-8")
    if len(content_type) > _MAX_CONTENT_TYPE_BYTES:
        raise InvalidValue("The content type of a key is too long.")
    return len(content_type).to_bytes(_CONTENT_TYPE_LENGTH_BYTES, "big") + content_type + material.secret


def _material(plaintext: bytes) -> KeyMaterial:
    """Raises `_UnopenableError`, `UnicodeDecodeError` or `InvalidValue` on a malformed plaintext."""
    if len(plaintext) < _CONTENT_TYPE_LENGTH_BYTES:
        raise _UnopenableError
    length = int.from_bytes(plaintext[:_CONTENT_TYPE_LENGTH_BYTES], "big")
    end = _CONTENT_TYPE_LENGTH_BYTES + length
    if len(plaintext) < end:
        raise _UnopenableError
    return KeyMaterial(plaintext[end:], plaintext[_CONTENT_TYPE_LENGTH_BYTES:end].decode("utf-8"))
