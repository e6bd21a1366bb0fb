"""The vault opens exactly what it sealed and refuses any change to the blob, the wrapped key, a nonce,
the master key version or the context (docs/vault.md)."""

import hashlib
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitloot.adapters.crypto.aes_gcm_vault import NONCE_BYTES, AesGcmKeyVault
from bitloot.adapters.crypto.keyring import MasterKeyring
from bitloot.domain.errors import KeyIntegrityError
from bitloot.domain.keys import TEXT_KEY, Envelope, KeyMaterial

# Two master key versions, the second active: a wrapped key names the version it was sealed under.
KEYRING = MasterKeyring.generate().with_new_version()
VAULT = AesGcmKeyVault(KEYRING)

secrets = st.binary(min_size=1, max_size=2048)
content_types = st.one_of(
    st.just(TEXT_KEY),
    st.text(min_size=0, max_size=40).map(lambda suffix: "image/" + suffix),
)
contexts = st.text(max_size=80)


def materials() -> st.SearchStrategy[KeyMaterial]:
    return st.builds(KeyMaterial, secrets, content_types)


def refused(envelope: Envelope, context: str) -> None:
    with pytest.raises(KeyIntegrityError) as raised:
        VAULT.open(envelope, context)
    # Nothing of the underlying failure travels with the error.
    assert raised.value.__cause__ is None
    assert raised.value.__context__ is None


def flip(data: bytes, bit: int) -> bytes:
    index, shift = divmod(bit % (len(data) * 8), 8)
    return data[:index] + bytes([data[index] ^ (1 << shift)]) + data[index + 1 :]


def with_blob(envelope: Envelope, blob: bytes) -> Envelope:
    """The changed blob with a matching checksum, so that only the authenticated encryption can notice."""
    return replace(envelope, blob=blob, blob_sha256=hashlib.sha256(blob).hexdigest())


@given(materials(), contexts)
def test_open_returns_what_was_sealed(material: KeyMaterial, context: str) -> None:
    envelope = VAULT.seal(material, context)
    assert VAULT.open(envelope, context) == material
    assert envelope.key_version == KEYRING.active_version


@given(materials(), contexts, st.integers(min_value=0))
def test_any_flipped_bit_of_the_blob_is_refused(material: KeyMaterial, context: str, bit: int) -> None:
    envelope = VAULT.seal(material, context)
    changed = flip(envelope.blob, bit)
    refused(with_blob(envelope, changed), context)
    # The stored checksum alone already refuses it.
    refused(replace(envelope, blob=changed), context)


@given(materials(), contexts, st.integers(min_value=0))
def test_any_flipped_bit_of_the_wrapped_key_is_refused(material: KeyMaterial, context: str, bit: int) -> None:
    envelope = VAULT.seal(material, context)
    refused(replace(envelope, wrapped_key=flip(envelope.wrapped_key, bit)), context)


@given(materials(), contexts, st.binary(min_size=NONCE_BYTES, max_size=NONCE_BYTES))
def test_a_changed_nonce_is_refused(material: KeyMaterial, context: str, nonce: bytes) -> None:
    envelope = VAULT.seal(material, context)
    blob_nonce, key_nonce = envelope.blob[1 : 1 + NONCE_BYTES], envelope.wrapped_key[:NONCE_BYTES]
    if nonce != blob_nonce:
        refused(with_blob(envelope, envelope.blob[:1] + nonce + envelope.blob[1 + NONCE_BYTES :]), context)
    if nonce != key_nonce:
        refused(replace(envelope, wrapped_key=nonce + envelope.wrapped_key[NONCE_BYTES:]), context)


@given(materials(), contexts, st.integers(min_value=-5, max_value=2**31))
def test_another_key_version_is_refused(material: KeyMaterial, context: str, version: int) -> None:
    envelope = VAULT.seal(material, context)
    if version != envelope.key_version:
        refused(replace(envelope, key_version=version), context)


@given(materials(), contexts, st.integers(min_value=0, max_value=255))
def test_another_blob_format_is_refused(material: KeyMaterial, context: str, format_byte: int) -> None:
    envelope = VAULT.seal(material, context)
    if format_byte != envelope.blob[0]:
        refused(with_blob(envelope, bytes([format_byte]) + envelope.blob[1:]), context)


@given(materials(), contexts, contexts)
def test_another_context_is_refused(material: KeyMaterial, context: str, other: str) -> None:
    envelope = VAULT.seal(material, context)
    if other != context:
        refused(envelope, other)


@given(materials(), materials(), contexts)
def test_parts_of_two_envelopes_do_not_mix(first: KeyMaterial, second: KeyMaterial, context: str) -> None:
    one, two = VAULT.seal(first, context), VAULT.seal(second, context)
    refused(replace(one, wrapped_key=two.wrapped_key), context)
    refused(with_blob(one, two.blob), context)


@given(materials(), contexts, st.integers(min_value=0, max_value=64))
def test_a_truncated_or_extended_blob_is_refused(material: KeyMaterial, context: str, cut: int) -> None:
    envelope = VAULT.seal(material, context)
    refused(with_blob(envelope, envelope.blob[: len(envelope.blob) - 1 - cut]), context)
    refused(with_blob(envelope, envelope.blob + bytes(cut + 1)), context)
