"""the payment provider's reference (invoice id) on each order

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: orders placed before this release, and simulator orders, have no reference.
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payment_reference", sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f("ix_orders_payment_reference"), ["payment_reference"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_payment_reference"))
        batch_op.drop_column("payment_reference")
