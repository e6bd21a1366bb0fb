"""The columns of a sealed key's envelope, declared once for the two tables that hold one: stock
units (`catalog`) and delivered keys (`sealed_keys`). The blob itself lives in object storage at
`blob_path`; the row keeps its data key wrapped by the master key of `key_version`, the blob's
digest, and what the plaintext is (text or an image)."""

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column


class SealedEnvelopeColumns:
    """A declarative mixin: each table that inherits it gets columns (and an index) of its own."""

    # Indexed by migration 0008: the orphan blob sweeper asks which paths a row names.
    blob_path: Mapped[str] = mapped_column(String(200), index=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    key_version: Mapped[int]
    blob_sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(64))
