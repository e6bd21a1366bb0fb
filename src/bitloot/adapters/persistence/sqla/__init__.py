"""SQLAlchemy persistence: the same code on SQLite (embedded) and PostgreSQL (production)."""
