"""Protections removed one at a time, to show the test that guards each one fails without it.

`just mutants` (or `uv run python -m tests.mutants [NAME ...]`): see `catalogue.py` for the list and
`run.py` for how each runs."""
