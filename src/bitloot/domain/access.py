"""Order access tokens: 256 random bits shown once; only a hash is kept."""

import hashlib
import hmac
import secrets

TOKEN_BYTES = 32


def new_access_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_access_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def access_token_matches(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_access_token(token), stored_hash)
