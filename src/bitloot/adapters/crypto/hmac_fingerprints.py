"""Key fingerprints as HMAC-SHA256 under the fingerprint secret (`BITLOOT_KEY_FINGERPRINT_SECRET`),
never a master key: the database can then say "this key is already ours" without anything being
decrypted, and a stolen fingerprint table tells nothing about the keys without that secret."""

import hashlib
import hmac

from bitloot.domain.errors import InvalidValue
from bitloot.domain.fingerprints import fingerprint_input
from bitloot.domain.keys import KeyMaterial

MIN_SECRET_BYTES = 16


class HmacKeyFingerprints:
    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise InvalidValue(f"The fingerprint secret needs at least {MIN_SECRET_BYTES} bytes.")
        self._secret = secret

    def of(self, material: KeyMaterial) -> str:
        return hmac.new(self._secret, fingerprint_input(material), hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return "HmacKeyFingerprints(***)"
