"""the request that opened each fulfilment request (`fulfillment_requests.request_id`, `traceparent`)

A job the reconciler re-queues carries them again, so the worker's lines for the order keep the
request id of the IPN (or the operator's retry) that caused it, and its span joins that trace.
Nullable: requests opened before this release, or by no request, have none.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fulfillment_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("traceparent", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fulfillment_requests", schema=None) as batch_op:
        batch_op.drop_column("traceparent")
        batch_op.drop_column("request_id")
