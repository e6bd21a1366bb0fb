"""The HTTP app, the worker and the CLI, wired by one dishka composition root."""
