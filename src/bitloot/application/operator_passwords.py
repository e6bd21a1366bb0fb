"""One-time passwords for new operators and resets (docs/console.md)."""

import secrets

from bitloot.application.ports.passwords import PasswordHasher
from bitloot.domain.operators import check_password

# 20 random bytes: 160 bits, 27 URL-safe characters, easy to paste.
ONE_TIME_PASSWORD_BYTES = 20


async def chosen_or_new(hasher: PasswordHasher, password: str | None) -> tuple[str, str | None]:
    """(hash, the generated password to show once): the operator's own `password` when given (then
    None is shown), else a new random one."""
    if password is not None:
        check_password(password)
        return await hasher.hash(password), None
    generated = secrets.token_urlsafe(ONE_TIME_PASSWORD_BYTES)
    return await hasher.hash(generated), generated
