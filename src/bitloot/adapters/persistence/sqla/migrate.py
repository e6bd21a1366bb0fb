"""Applying migrations."""

from pathlib import Path

from alembic import command
from alembic.config import Config

SCRIPTS = Path(__file__).parent / "migrations"
# Where Alembic records the revision a database is at.
VERSION_TABLE = "alembic_versions"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["url"] = url
    return config


def upgrade(url: str) -> None:
    """Bring the database at `url` to the newest schema. Blocking: call it outside an event loop
    (or in a thread), since the migration environment runs its own."""
    command.upgrade(alembic_config(url), "head")
