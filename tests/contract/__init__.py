"""Contract tests of the UnitOfWork port, run against every adapter (see conftest.py)."""
