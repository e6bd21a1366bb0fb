"""One class per use case, each with `execute`."""
