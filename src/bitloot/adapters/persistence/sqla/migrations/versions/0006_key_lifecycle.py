"""Key lifecycle: when a delivered key was crypto-shredded (`bitloot keys purge`)

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bitloot.adapters.persistence.sqla.tables.utc_datetime import DateTimeUTC

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sealed_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purged_at", DateTimeUTC(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sealed_keys", schema=None) as batch_op:
        batch_op.drop_column("purged_at")
