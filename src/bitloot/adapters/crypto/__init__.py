"""Key vault adapters: the versioned master keyring and AES-256-GCM envelope encryption (docs/vault.md)."""
