"""AES-256-GCM envelope encryption: round trips, tamper detection, context binding, rotation, reprs."""

import base64
import dataclasses
import hashlib

import pytest

from bitloot.adapters.crypto.aes_gcm_vault import AesGcmKeyVault
from bitloot.adapters.crypto.keyring import MasterKeyring
from bitloot.domain.errors import KeyIntegrityError
from bitloot.domain.keys import Envelope, KeyMaterial, order_key_context

MASTER_1 = bytes(range(32))
MASTER_2 = bytes(range(200, 232))
CONTEXT = order_key_context("order-1", "item-1", "key-1")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def vault() -> AesGcmKeyVault:
    return AesGcmKeyVault(MasterKeyring({1: MASTER_1}, 1))


@pytest.fixture
def envelope(vault: AesGcmKeyVault) -> Envelope:
    return vault.seal(KeyMaterial.text("AAAA-BBBB-CCCC"), CONTEXT)


def assert_refused(vault: AesGcmKeyVault, envelope: Envelope, context: str = CONTEXT) -> None:
    with pytest.raises(KeyIntegrityError) as caught:
        vault.open(envelope, context)
    assert type(caught.value) is KeyIntegrityError
    assert str(caught.value) == KeyIntegrityError.message
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


def flipped(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def with_blob(envelope: Envelope, blob: bytes) -> Envelope:
    """The blob replaced and its digest updated, so the failure comes from the cipher, not the digest."""
    return dataclasses.replace(envelope, blob=blob, blob_sha256=hashlib.sha256(blob).hexdigest())


def test_a_text_key_round_trips(vault: AesGcmKeyVault, envelope: Envelope) -> None:
    material = vault.open(envelope, CONTEXT)

    assert material == KeyMaterial.text("AAAA-BBBB-CCCC")
    assert envelope.key_version == 1
    assert envelope.blob_sha256 == hashlib.sha256(envelope.blob).hexdigest()
    assert envelope.blob[0] == 1
    assert b"AAAA-BBBB-CCCC" not in envelope.blob


def test_an_image_key_round_trips(vault: AesGcmKeyVault) -> None:
    sealed = vault.seal(KeyMaterial(PNG, "image/png"), CONTEXT)

    assert vault.open(sealed, CONTEXT) == KeyMaterial(PNG, "image/png")
    assert b"image/png" not in sealed.blob


def test_each_seal_uses_a_fresh_data_key_and_nonces(vault: AesGcmKeyVault) -> None:
    material = KeyMaterial.text("AAAA-BBBB-CCCC")
    first, second = vault.seal(material, CONTEXT), vault.seal(material, CONTEXT)

    assert first.blob != second.blob
    assert first.wrapped_key != second.wrapped_key


def test_every_single_byte_flip_of_the_blob_is_refused(vault: AesGcmKeyVault, envelope: Envelope) -> None:
    for index in range(len(envelope.blob)):
        assert_refused(vault, with_blob(envelope, flipped(envelope.blob, index)))


def test_a_blob_that_does_not_match_its_digest_is_refused(vault: AesGcmKeyVault, envelope: Envelope) -> None:
    assert_refused(vault, dataclasses.replace(envelope, blob=flipped(envelope.blob, 20)))
    assert_refused(vault, dataclasses.replace(envelope, blob_sha256="0" * 64))
    assert_refused(vault, dataclasses.replace(envelope, blob_sha256="é"))


def test_every_single_byte_flip_of_the_wrapped_key_is_refused(
    vault: AesGcmKeyVault, envelope: Envelope
) -> None:
    for index in range(len(envelope.wrapped_key)):
        assert_refused(vault, dataclasses.replace(envelope, wrapped_key=flipped(envelope.wrapped_key, index)))


@pytest.mark.parametrize("keep", [0, 1, 12, 13, 28, 29, -1])
def test_a_truncated_blob_is_refused(vault: AesGcmKeyVault, envelope: Envelope, keep: int) -> None:
    assert_refused(vault, with_blob(envelope, envelope.blob[:keep]))


@pytest.mark.parametrize("keep", [0, 12, 59])
def test_a_truncated_wrapped_key_is_refused(vault: AesGcmKeyVault, envelope: Envelope, keep: int) -> None:
    assert_refused(vault, dataclasses.replace(envelope, wrapped_key=envelope.wrapped_key[:keep]))


def test_a_blob_copied_to_another_order_refuses_to_open(vault: AesGcmKeyVault, envelope: Envelope) -> None:
    for context in (
        order_key_context("order-2", "item-1", "key-1"),
        order_key_context("order-1", "item-2", "key-1"),
        order_key_context("order-1", "item-1", "key-2"),
        "",
    ):
        assert_refused(vault, envelope, context)


def test_a_blob_with_another_keys_wrapped_key_is_refused(vault: AesGcmKeyVault, envelope: Envelope) -> None:
    other = vault.seal(KeyMaterial.text("DDDD-EEEE-FFFF"), CONTEXT)

    assert_refused(vault, dataclasses.replace(envelope, wrapped_key=other.wrapped_key))


def test_an_unknown_version_is_refused(vault: AesGcmKeyVault, envelope: Envelope) -> None:
    for version in (0, 2, -1):
        assert_refused(vault, dataclasses.replace(envelope, key_version=version))


def test_another_master_key_is_refused(envelope: Envelope) -> None:
    stranger = AesGcmKeyVault(MasterKeyring({1: MASTER_2}, 1))

    assert_refused(stranger, envelope)


def test_a_v1_blob_still_opens_after_rotation_and_rewrap_moves_it_to_v2(envelope: Envelope) -> None:
    rotated = AesGcmKeyVault(MasterKeyring({1: MASTER_1, 2: MASTER_2}, 2))
    assert rotated.open(envelope, CONTEXT) == KeyMaterial.text("AAAA-BBBB-CCCC")

    wrapped, version = rotated.rewrap(envelope.wrapped_key, envelope.key_version, CONTEXT)
    moved = dataclasses.replace(envelope, wrapped_key=wrapped, key_version=version)

    assert version == 2
    assert rotated.open(moved, CONTEXT) == KeyMaterial.text("AAAA-BBBB-CCCC")
    only_v2 = AesGcmKeyVault(MasterKeyring({2: MASTER_2}, 2))
    assert only_v2.open(moved, CONTEXT) == KeyMaterial.text("AAAA-BBBB-CCCC")
    assert_refused(only_v2, envelope)
    assert_refused(rotated, dataclasses.replace(moved, key_version=1))


def test_new_seals_use_the_active_version() -> None:
    rotated = AesGcmKeyVault(MasterKeyring({1: MASTER_1, 2: MASTER_2}, 2))

    assert rotated.seal(KeyMaterial.text("AAAA"), CONTEXT).key_version == 2


def test_rewrap_refuses_a_bad_wrapped_key_or_context(vault: AesGcmKeyVault, envelope: Envelope) -> None:
    attempts = [
        (flipped(envelope.wrapped_key, 0), 1, CONTEXT),
        (envelope.wrapped_key, 2, CONTEXT),
        (envelope.wrapped_key, 1, order_key_context("order-2", "item-1", "key-1")),
    ]
    for wrapped, version, context in attempts:
        with pytest.raises(KeyIntegrityError) as caught:
            vault.rewrap(wrapped, version, context)
        assert str(caught.value) == KeyIntegrityError.message
        assert caught.value.__context__ is None


def test_reprs_never_show_key_bytes(vault: AesGcmKeyVault) -> None:
    secret = b"AAAA-BBBB-CCCC"
    material = KeyMaterial(secret)
    image = KeyMaterial(PNG, "image/png")
    envelope = vault.seal(material, CONTEXT)
    ring = MasterKeyring({1: MASTER_1, 2: MASTER_2}, 2)
    shown = [repr(x) + str(x) for x in (material, image, envelope, ring, vault, AesGcmKeyVault(ring))]

    forbidden = [secret, PNG[:16], MASTER_1, MASTER_2, envelope.blob, envelope.wrapped_key]
    for text in shown:
        for data in forbidden:
            for form in (repr(data), data.hex(), base64.b64encode(data).decode(), data.decode("latin-1")):
                assert form not in text
    assert "AAAA" not in "".join(shown)
    assert repr(vault) == "AesGcmKeyVault(versions=[1], active=1)"
