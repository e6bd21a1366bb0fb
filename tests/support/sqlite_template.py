"""A new embedded shop's database, migrated in a moment: the migrations run once per test process,
into a template file that each test's database is then copied from (running the fourteen migrations
costs far more than copying their result). The tests of the migrations themselves run them for real
(tests/contract/test_migrations.py, tests/unit/config/test_data_dir.py)."""

import atexit
import os
import shutil
import sqlite3
import tempfile
import threading
from pathlib import Path

from sqlalchemy.engine import make_url

from bitloot.adapters.persistence.sqla.migrate import upgrade

_lock = threading.Lock()
_template: Path | None = None


def _migrated_template() -> Path:
    global _template  # noqa: PLW0603 - one template per test process
    with _lock:
        if _template is None:
            folder = Path(tempfile.mkdtemp(prefix="bitloot-sqlite-template-"))
            atexit.register(shutil.rmtree, folder, True)
            path = folder / "template.db"
            upgrade(f"sqlite+aiosqlite:///{path}")
            _template = path
        return _template


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy through SQLite's backup API, which folds in anything still in the WAL, into a file made
    owner-only first, as the service makes its own database (engine.py)."""
    os.close(os.open(target, os.O_RDONLY | os.O_CREAT, 0o600))
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def upgrade_from_template(database_url: str) -> None:
    """What `upgrade(database_url)` does, faster for a SQLite database not yet created: a copy of the
    migrated template. Any other database (an existing file, PostgreSQL) is migrated for real."""
    url = make_url(database_url)
    database = url.database
    if not url.drivername.startswith("sqlite") or not database or Path(database).exists():
        upgrade(database_url)
        return
    copy_sqlite(_migrated_template(), Path(database))
