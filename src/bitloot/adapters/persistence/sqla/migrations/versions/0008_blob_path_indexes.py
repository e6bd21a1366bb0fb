"""blob path indexes: the orphan blob sweeper asks which of a page of paths a row names

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sealed_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sealed_keys_blob_path"), ["blob_path"], unique=False)
    with op.batch_alter_table("stock_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stock_keys_blob_path"), ["blob_path"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stock_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_keys_blob_path"))
    with op.batch_alter_table("sealed_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sealed_keys_blob_path"))
