"""stock care: listed products, low-stock thresholds, redemption, withdrawn units (docs/stock-integrity.md)

Products gain `listed`, `low_stock_threshold` and redemption instructions; stock units gain who
withdrew them, when and why; two indexes serve the operator's unit pages and the counts per state.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bitloot.adapters.persistence.sqla.tables.utc_datetime import DateTimeUTC

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("listed", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(
            sa.Column("low_stock_threshold", sa.Integer(), server_default="5", nullable=False)
        )
        batch_op.add_column(sa.Column("redemption_platform", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("redemption_steps", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("redemption_url", sa.String(length=500), nullable=True))
    with op.batch_alter_table("stock_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", DateTimeUTC(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_by", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_reason", sa.String(length=200), nullable=True))
        batch_op.create_index(
            "ix_stock_keys_product_created", ["product_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_stock_keys_product_state", ["product_id", "withdrawn_at", "item_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("stock_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_keys_product_state")
        batch_op.drop_index("ix_stock_keys_product_created")
        batch_op.drop_column("withdrawn_reason")
        batch_op.drop_column("withdrawn_by")
        batch_op.drop_column("withdrawn_at")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("redemption_url")
        batch_op.drop_column("redemption_steps")
        batch_op.drop_column("redemption_platform")
        batch_op.drop_column("low_stock_threshold")
        batch_op.drop_column("listed")
