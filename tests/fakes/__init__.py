"""Test doubles: in-memory adapters that really behave (the contract suites run each against the same
suite as the real adapters), a frozen clock, and recorders. The service never imports them; an
import-linter contract in pyproject.toml says so."""
