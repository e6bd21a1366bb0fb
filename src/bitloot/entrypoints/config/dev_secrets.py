"""The secrets of a development or test shop, generated once into `{data_dir}/secrets.json` (mode
0600) so tokens and keys survive restarts. Production never reads or writes this file: each secret
comes from its environment variable.
"""

import base64
import json
import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from bitloot.adapters.crypto.keyring import MasterKeyring
from bitloot.entrypoints.config.data_dir import PRIVATE_FILE_MODE, secure_data_dir

log = logging.getLogger(__name__)

SECRETS_FILE = "secrets.json"

GENERATORS: dict[str, Callable[[], str]] = {
    "master_keys": lambda: MasterKeyring.generate().serialize(),
    "link_secret": lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
    "fingerprint_secret": lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
    "ipn_secret": lambda: secrets.token_hex(32),
    "admin_token": lambda: secrets.token_urlsafe(32),
}


def generated_secrets(data_dir: Path) -> dict[str, str]:
    """The stored secrets by name; a file from an older version gets the secrets it lacks added. The
    file is replaced atomically, so a crash mid-write never leaves half a file."""
    path = data_dir / SECRETS_FILE
    stored: dict[str, str] = json.loads(path.read_text("utf-8")) if path.exists() else {}
    missing = [name for name in GENERATORS if name not in stored]
    if not missing:
        return stored
    generated = {**stored, **{name: GENERATORS[name]() for name in missing}}
    secure_data_dir(data_dir)
    temporary = path.with_name(f".{SECRETS_FILE}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(generated, handle, indent=2)
    temporary.replace(path)
    log.warning(
        "generated development secrets (%s) into %s; set BITLOOT_MASTER_KEYS, BITLOOT_LINK_SECRET, "
        "BITLOOT_KEY_FINGERPRINT_SECRET, BITLOOT_NOWPAYMENTS_IPN_SECRET and BITLOOT_ADMIN_TOKEN in "
        "production",
        ", ".join(missing),
        path,
    )
    return generated
