"""Alembic migrations, applied by `bitloot migrate` (and at start in embedded mode)."""
