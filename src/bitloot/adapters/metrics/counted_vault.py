"""A `KeyVault` that counts every sealed key it refuses to open or rewrap (`bitloot_vault_refusals_total`)."""

from dataclasses import dataclass

from bitloot.application.ports.crypto import KeyVault
from bitloot.application.ports.metrics import ShopMetrics
from bitloot.domain.errors import KeyIntegrityError
from bitloot.domain.keys import Envelope, KeyMaterial


@dataclass(frozen=True, slots=True)
class CountedVault:
    inner: KeyVault
    metrics: ShopMetrics

    def seal(self, material: KeyMaterial, context: str) -> Envelope:
        return self.inner.seal(material, context)

    def open(self, envelope: Envelope, context: str) -> KeyMaterial:
        try:
            return self.inner.open(envelope, context)
        except KeyIntegrityError:
            self.metrics.vault_refused()
            raise

    @property
    def active_version(self) -> int:
        return self.inner.active_version

    def rewrap(self, envelope_wrapped_key: bytes, key_version: int, context: str) -> tuple[bytes, int]:
        try:
            return self.inner.rewrap(envelope_wrapped_key, key_version, context)
        except KeyIntegrityError:
            self.metrics.vault_refused()
            raise
