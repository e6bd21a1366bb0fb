"""Key fingerprints (migration 0007, docs/stock-integrity.md).

One table for every key string the shop holds or has delivered, whatever holds it (a stock unit, or
a key a supplier such as Kinguin delivered), so that refusing a key twice is one constraint: the
primary key over the fingerprint. The holder columns carry no foreign key: a fingerprint is recorded
first, in the transaction that then writes the blob and the row it belongs to, so the claim on a key
string is taken before anything else is done with it."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bitloot.adapters.persistence.sqla.tables.base import Base, Id, table_of
from bitloot.adapters.persistence.sqla.tables.utc_datetime import DateTimeUTC


class KeyFingerprintRow(Base):
    __tablename__ = "key_fingerprints"
    # HMAC-SHA256 of the normalised key, lowercase hex; the one unique value of the table.
    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    product_id: Mapped[str] = mapped_column(Id)
    # The stock unit holding the key (own stock), or else the delivered key and where it went.
    stock_key_id: Mapped[str | None] = mapped_column(Id, index=True)
    sealed_key_id: Mapped[str | None] = mapped_column(Id, index=True)
    order_id: Mapped[str | None] = mapped_column(Id)
    item_id: Mapped[str | None] = mapped_column(Id)
    source_key_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)


KEY_FINGERPRINTS = table_of(KeyFingerprintRow)
