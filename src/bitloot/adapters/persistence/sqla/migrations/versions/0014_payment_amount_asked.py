"""what each payment asked for (`payments.pay_amount`)

With `actually_paid`, how much an underpaid order still misses: the order page and the underpaid
email say it (docs/http-api.md). Nullable: payments recorded before this release did not keep it.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bitloot.adapters.persistence.sqla.tables import ExactDecimal

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pay_amount", ExactDecimal(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("pay_amount")
