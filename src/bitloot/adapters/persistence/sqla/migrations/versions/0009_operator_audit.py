"""operator audit log: who did what to which record, when and from where (docs/console.md)

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bitloot.adapters.persistence.sqla.tables.utc_datetime import DateTimeUTC

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "operator_actions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.Column("operator_id", sa.String(length=36), nullable=True),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_actions")),
    )
    with op.batch_alter_table("operator_actions", schema=None) as batch_op:
        batch_op.create_index("ix_operator_actions_at", ["at", "id"], unique=False)
        batch_op.create_index("ix_operator_actions_target", ["target_kind", "target_id"], unique=False)
        batch_op.create_index("ix_operator_actions_operator", ["operator_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("operator_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_operator_actions_operator")
        batch_op.drop_index("ix_operator_actions_target")
        batch_op.drop_index("ix_operator_actions_at")
    op.drop_table("operator_actions")
