"""The schema: a module per aggregate, every table on the one `Base.metadata`.

Importing this package imports every table module, so the metadata Alembic's environment compares
the migrations against (and the tests empty a database by) holds every table. The table modules
import only `base` (and `envelope`), never this package's namespace, so there is no import cycle.
`ExactDecimal` is named here too: the first migration imports it from this package."""

from bitloot.adapters.persistence.sqla.tables import (
    catalog,
    email_outbox,
    fingerprints,
    fulfillment_requests,
    key_reports,
    kinguin,
    operator_audit,
    operators,
    orders,
    payments,
    reveals,
    sealed_keys,
    webhooks,
)
from bitloot.adapters.persistence.sqla.tables.base import Base, ExactDecimal

__all__ = [
    "Base",
    "ExactDecimal",
    "catalog",
    "email_outbox",
    "fingerprints",
    "fulfillment_requests",
    "key_reports",
    "kinguin",
    "operator_audit",
    "operators",
    "orders",
    "payments",
    "reveals",
    "sealed_keys",
    "webhooks",
]
