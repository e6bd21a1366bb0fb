"""key reports and key replacement; several emails per order (docs/stock-integrity.md)

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bitloot.adapters.persistence.sqla.tables.utc_datetime import DateTimeUTC

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sealed_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", DateTimeUTC(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoke_reason", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("replaced_by", sa.String(length=36), nullable=True))

    # One row per email, unique per dedupe key; the emails owed so far are each order's delivery email.
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=120), nullable=True))
    op.execute("UPDATE notification_outbox SET dedupe_key = 'fulfilled:' || order_id")
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.alter_column("dedupe_key", existing_type=sa.String(length=120), nullable=False)
        batch_op.drop_constraint("uq_notification_outbox_order_id", type_="unique")
        batch_op.create_unique_constraint(op.f("uq_notification_outbox_dedupe_key"), ["dedupe_key"])
        batch_op.create_index("ix_notification_outbox_order_id", ["order_id"], unique=False)

    op.create_table(
        "key_reports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("sealed_key_id", sa.String(length=36), nullable=False),
        sa.Column("open_key_id", sa.String(length=36), nullable=True),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("resolved_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=254), nullable=True),
        sa.Column("resolution_note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_key_reports_order_id_orders")),
        sa.ForeignKeyConstraint(
            ["sealed_key_id"], ["sealed_keys.id"], name=op.f("fk_key_reports_sealed_key_id_sealed_keys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_reports")),
        sa.UniqueConstraint("open_key_id", name=op.f("uq_key_reports_open_key_id")),
    )
    with op.batch_alter_table("key_reports", schema=None) as batch_op:
        batch_op.create_index("ix_key_reports_status", ["status", "created_at"], unique=False)
        batch_op.create_index("ix_key_reports_order_id", ["order_id"], unique=False)

    op.create_table(
        "key_replacements",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("old_key_id", sa.String(length=36), nullable=False),
        sa.Column("live_key_id", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("requested_by", sa.String(length=254), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("report_id", sa.String(length=36), nullable=True),
        sa.Column("new_key_id", sa.String(length=36), nullable=True),
        sa.Column("failure_reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_key_replacements_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["old_key_id"], ["sealed_keys.id"], name=op.f("fk_key_replacements_old_key_id_sealed_keys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_replacements")),
        sa.UniqueConstraint("live_key_id", name=op.f("uq_key_replacements_live_key_id")),
    )
    with op.batch_alter_table("key_replacements", schema=None) as batch_op:
        batch_op.create_index("ix_key_replacements_order_id", ["order_id"], unique=False)
        batch_op.create_index("ix_key_replacements_old_key_id", ["old_key_id"], unique=False)
        batch_op.create_index("ix_key_replacements_state", ["state"], unique=False)


def downgrade() -> None:
    op.drop_table("key_replacements")
    op.drop_table("key_reports")
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_outbox_order_id")
        batch_op.drop_constraint("uq_notification_outbox_dedupe_key", type_="unique")
        batch_op.create_unique_constraint("uq_notification_outbox_order_id", ["order_id"])
        batch_op.drop_column("dedupe_key")
    with op.batch_alter_table("sealed_keys", schema=None) as batch_op:
        batch_op.drop_column("replaced_by")
        batch_op.drop_column("revoke_reason")
        batch_op.drop_column("revoked_at")
