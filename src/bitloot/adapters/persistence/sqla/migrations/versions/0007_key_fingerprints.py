"""Key fingerprints: every key string the shop holds or delivered, recorded once (docs/stock-integrity.md)

The structure only: fingerprinting the keys a database already holds needs the master keys to open
them and the fingerprint secret, which a migration does not have. `bitloot stock fingerprint` does
that, and reports the keys found more than once.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bitloot.adapters.persistence.sqla.tables.utc_datetime import DateTimeUTC

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "key_fingerprints",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("stock_key_id", sa.String(length=36), nullable=True),
        sa.Column("sealed_key_id", sa.String(length=36), nullable=True),
        sa.Column("order_id", sa.String(length=36), nullable=True),
        sa.Column("item_id", sa.String(length=36), nullable=True),
        sa.Column("source_key_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_key_fingerprints")),
    )
    with op.batch_alter_table("key_fingerprints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_key_fingerprints_stock_key_id"), ["stock_key_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_key_fingerprints_sealed_key_id"), ["sealed_key_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("key_fingerprints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_key_fingerprints_sealed_key_id"))
        batch_op.drop_index(batch_op.f("ix_key_fingerprints_stock_key_id"))
    op.drop_table("key_fingerprints")
