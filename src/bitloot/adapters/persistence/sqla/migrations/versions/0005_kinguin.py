"""Kinguin supplier orders and the last availability Kinguin reported

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bitloot.adapters.persistence.sqla.tables.utc_datetime import DateTimeUTC

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kinguin_orders",
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("kinguin_order_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["order_items.id"], name=op.f("fk_kinguin_orders_item_id_order_items")
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_kinguin_orders_order_id_orders")),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_kinguin_orders")),
    )
    with op.batch_alter_table("kinguin_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kinguin_orders_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_kinguin_orders_kinguin_order_id"), ["kinguin_order_id"], unique=False
        )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("supplier_updated_at", DateTimeUTC(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("supplier_updated_at")
    with op.batch_alter_table("kinguin_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kinguin_orders_kinguin_order_id"))
        batch_op.drop_index(batch_op.f("ix_kinguin_orders_order_id"))
    op.drop_table("kinguin_orders")
